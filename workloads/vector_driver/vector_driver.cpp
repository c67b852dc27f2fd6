// workload.vector_driver: feeds `ops` vector operations of one class to vector units and counts
// the answers. Like workload.gemm_driver it keeps up to `outstanding` operations in flight and
// spreads them round-robin over the receivers of `out`; the tag of each is its send time.
#include <archlab/component.hpp>
#include <archlab/protocol.hpp>

namespace {

using archlab::Tick;
namespace protocol = archlab::protocol;

struct VectorDriver {
  static constexpr const char* kName = "workload.vector_driver";
  static constexpr std::uint32_t kMaxSendsPerEvent = 1;

  struct Params {
    std::uint32_t op; // protocol::VectorOp, in its order
    std::uint64_t elements;
    std::uint64_t row_length;
    std::uint64_t ops;
    std::uint64_t outstanding;
  };
  struct State {
    std::uint64_t sent;
    Tick last_done;
  };

  enum Port : archlab::PortId { kIn, kOut };
  enum Stat : std::uint32_t { kSent, kDone, kCycles, kElements, kLatency, kCompletionTime, kRejected };

  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM_CHOICE(Params, op, "elementwise|reduction|softmax|layernorm|activation", "elementwise",
                           "operation class (protocol::VectorOp)"),
      ARCHLAB_PARAM(Params, elements, UInt, "4096", "elements per operation"),
      ARCHLAB_PARAM(Params, row_length, UInt, "0",
                    "elements per row (softmax, layer norm, per-row reductions); 0: one row"),
      ARCHLAB_PARAM(Params, ops, UInt, "1", "operations to send in all"),
      ARCHLAB_PARAM_RANGE(Params, outstanding, UInt, "1", "operations in flight at most", 1.0, 1e9),
  };
  static constexpr archlab::PortSpec ports[] = {
      {"in", archlab::PortDirection::In, "protocol::kVectorDone answers"},
      {"out", archlab::PortDirection::Out, "protocol::kVectorOp commands, round-robin over the link's receivers"},
  };
  static constexpr archlab::StatSpec stats[] = {
      {"sent", "ops", "operations sent"},
      {"done", "ops", "answers received"},
      {"cycles", "cycles", "cycles reported by the answers"},
      {"elements", "elements", "elements reported by the answers"},
      {"latency", "ps", "sum over answers of the time from sending the operation to receiving the answer"},
      {"completion_time", "ps", "time of the last answer"},
      {"rejected", "events", "events on `in` that were not kVectorDone"},
  };

  ARCHLAB_HD static void send_op(State& s, const Params& p, archlab::Context& ctx) {
    const std::uint32_t receivers = ctx.fanout(kOut);
    const std::uint32_t target = receivers == 0 ? 0 : static_cast<std::uint32_t>(s.sent % receivers);
    ++s.sent;
    ctx.stat_add(kSent, 1.0);
    ctx.send(kOut, 0, protocol::kVectorOp, archlab::Payload{{p.op, p.elements, p.row_length, ctx.now()}}, target);
  }

  ARCHLAB_HD static void init(State& s, const Params& p, archlab::Context& ctx) {
    s.sent = 0;
    s.last_done = 0;
    while (s.sent < p.ops && s.sent < p.outstanding)
      send_op(s, p, ctx);
  }

  ARCHLAB_HD static void handle(State& s, const Params& p, const archlab::Event& e, archlab::Context& ctx) {
    if (e.kind != protocol::kVectorDone) {
      ctx.stat_add(kRejected, 1.0);
      return;
    }
    const Tick now = ctx.now();
    ctx.stat_add(kDone, 1.0);
    ctx.stat_add(kCycles, static_cast<double>(e.payload.w[0]));
    ctx.stat_add(kElements, static_cast<double>(e.payload.w[1]));
    ctx.stat_add(kLatency, static_cast<double>(now - e.payload.w[3]));
    ctx.stat_add(kCompletionTime, static_cast<double>(now - s.last_done)); // the sum is the last time
    s.last_done = now;
    if (s.sent < p.ops) send_op(s, p, ctx);
  }
};

} // namespace

ARCHLAB_REGISTER_COMPONENT(VectorDriver, workload, "1.0.0",
                           "sends vector operations to vector units and counts their answers")
