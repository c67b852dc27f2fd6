// workload.dnn_dma: a DMA engine of workload.dnn. The command processor (workload.dnn) hands it
// the memory and buffer requests of the units it serves; the engine sends them from its own
// place on the interconnect (or its own links to the memories), receives the answers there and
// tells the command processor. The data travels between the memories and the engine's endpoint,
// not the command processor's: with one engine per unit (or per group of units), the machine's
// memory bandwidth is no longer bounded by one endpoint's ports. README.md in the parent folder
// says how to link them.
//
// An engine passes one packet at a time in each direction, at `bandwidth` (0: no limit of its
// own; the interconnect's links and ports are): a request leaves (head first) when the outgoing
// port is free and holds it for its size / bandwidth; an answer is passed on likewise through
// the incoming port. Sizes are those an interconnect counts (plugins/interconnect/packet.hpp):
// `header` plus the data of writes and read answers.
#include <archlab/component.hpp>
#include <archlab/protocol.hpp>

#include "../../../plugins/interconnect/packet.hpp"
#include "../dma_protocol.hpp"

namespace {

using archlab::Tick;
namespace protocol = archlab::protocol;
namespace dma = archlab::dnn_workload::dma;

struct DnnDma {
  static constexpr const char* kName = "workload.dnn_dma";
  static constexpr std::uint32_t kMaxSendsPerEvent = 1;

  struct Params {
    double bandwidth;
    std::uint64_t header;
  };
  struct State {
    Tick out_free; ///< when the outgoing port (requests, write data) is next free
    Tick in_free;  ///< when the incoming port (answers, read data) is next free
  };

  enum Port : archlab::PortId { kCmd, kMem, kBuffer, kIn, kDone };
  enum Stat : std::uint32_t { kRequests, kBytesRead, kBytesWritten, kQueueDelay, kRejected };

  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM_RANGE(Params, bandwidth, Bandwidth, "0 B/s",
                          "bytes per second the engine passes in each direction (requests and write data out, "
                          "answers and read data in); 0: no limit of its own (the interconnect's links are)",
                          0.0, 1e18),
      ARCHLAB_PARAM_RANGE(Params, header, Size, "8 B",
                          "bytes of a packet without data (requests, write acknowledgements), for `bandwidth`", 1.0,
                          1e9),
  };
  static constexpr archlab::PortSpec ports[] = {
      {"cmd", archlab::PortDirection::In,
       "memory requests from workload.dnn (its `dma` port), with where to send them in Event::route"},
      {"mem", archlab::PortDirection::Out,
       "requests to the memories: their `req`, or an interconnect's `in` (the engine is then one of its endpoints)"},
      {"buffer", archlab::PortDirection::Out,
       "requests to the on-chip buffers (optional): their `req`, or an interconnect's `in`"},
      {"in", archlab::PortDirection::In, "answers of the memories and buffers, or of the interconnect's `out`"},
      {"done", archlab::PortDirection::Out, "the answers, passed on to workload.dnn's `in`"},
  };
  static constexpr archlab::StatSpec stats[] = {
      {"requests", "requests", "memory and buffer requests sent"},
      {"bytes_read", "bytes", "data of the read answers received"},
      {"bytes_written", "bytes", "data of the write requests sent"},
      {"queue_delay", "ps", "time packets waited for the engine's ports (bandwidth)"},
      {"rejected", "events", "events on `in` that were not memory answers"},
  };

  /// When a packet of `bytes` may pass a port that is next free at `free`: now or later; the
  /// port is then busy for the packet's time at `bandwidth`.
  ARCHLAB_HD static Tick pass(Tick& free, const Params& p, std::uint64_t bytes, archlab::Context& ctx) {
    const Tick now = ctx.now();
    if (p.bandwidth <= 0.0) return now;
    const Tick start = free > now ? free : now;
    free = start + archlab::interconnect::serialization_ticks(bytes, p.bandwidth);
    ctx.stat_add(kQueueDelay, static_cast<double>(start - now));
    return start;
  }

  ARCHLAB_HD static void init(State& s, const Params&, archlab::Context&) { s = State{}; }

  ARCHLAB_HD static void handle(State& s, const Params& p, const archlab::Event& e, archlab::Context& ctx) {
    const std::uint64_t bytes = archlab::interconnect::packet_bytes(e, p.header);
    if (e.port == kCmd) {
      const Tick start = pass(s.out_free, p, bytes, ctx);
      const std::uint32_t destination = e.route & dma::kDestination;
      const bool via = (e.route & dma::kViaInterconnect) != 0;
      const archlab::PortId port = (e.route & dma::kToBuffer) != 0 ? kBuffer : kMem;
      ctx.stat_add(kRequests, 1.0);
      if (e.kind == protocol::kMemWrite) ctx.stat_add(kBytesWritten, static_cast<double>(e.payload.w[1]));
      ctx.send(port, start - ctx.now(), e.kind, e.payload, via ? 0 : destination, via ? destination : 0);
    } else if (e.port == kIn) {
      if (e.kind != protocol::kMemReadDone && e.kind != protocol::kMemWriteDone) {
        ctx.stat_add(kRejected, 1.0);
        return;
      }
      const Tick start = pass(s.in_free, p, bytes, ctx);
      if (e.kind == protocol::kMemReadDone) ctx.stat_add(kBytesRead, static_cast<double>(e.payload.w[1]));
      ctx.send(kDone, start - ctx.now(), e.kind, e.payload);
    }
  }
};

} // namespace

ARCHLAB_REGISTER_COMPONENT(DnnDma, workload, "1.0.0",
                           "DMA engine of workload.dnn: a unit's (or a group's) own endpoint for its operand reads "
                           "and result writes")
