// workload.gemm_driver: feeds `tiles` GEMM tiles of M x N x K to compute units and counts the
// answers. It keeps up to `outstanding` tiles in flight (all sent at time 0, then one more per
// answer) and spreads them round-robin over the receivers of `out`, so one driver can feed an
// array of units (`to = "sa[*].cmd"`). The tag of each tile is its send time, which gives the
// latency when the answer comes back.
#include <archlab/component.hpp>
#include <archlab/protocol.hpp>

namespace {

using archlab::Tick;
namespace protocol = archlab::protocol;

struct GemmDriver {
  static constexpr const char* kName = "workload.gemm_driver";
  static constexpr std::uint32_t kMaxSendsPerEvent = 1;

  struct Params {
    std::uint64_t m;
    std::uint64_t n;
    std::uint64_t k;
    std::uint64_t tiles;
    std::uint64_t outstanding;
  };
  struct State {
    std::uint64_t sent;
    Tick last_done;
  };

  enum Port : archlab::PortId { kIn, kOut };
  enum Stat : std::uint32_t { kSent, kDone, kCycles, kMacs, kLatency, kCompletionTime, kRejected };

  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM_RANGE(Params, m, UInt, "64", "rows of A and C", 1.0, 1e12),
      ARCHLAB_PARAM_RANGE(Params, n, UInt, "64", "columns of B and C", 1.0, 1e12),
      ARCHLAB_PARAM_RANGE(Params, k, UInt, "64", "columns of A, rows of B (the reduction)", 1.0, 1e12),
      ARCHLAB_PARAM(Params, tiles, UInt, "1", "tiles to send in all"),
      ARCHLAB_PARAM_RANGE(Params, outstanding, UInt, "1", "tiles in flight at most", 1.0, 1e9),
  };
  static constexpr archlab::PortSpec ports[] = {
      {"in", archlab::PortDirection::In, "protocol::kGemmDone answers"},
      {"out", archlab::PortDirection::Out, "protocol::kGemmTile commands, round-robin over the link's receivers"},
  };
  static constexpr archlab::StatSpec stats[] = {
      {"sent", "tiles", "tiles sent"},
      {"done", "tiles", "answers received"},
      {"cycles", "cycles", "compute cycles reported by the answers"},
      {"macs", "MACs", "MACs reported by the answers"},
      {"latency", "ps", "sum over answers of the time from sending the tile to receiving the answer"},
      {"completion_time", "ps", "time of the last answer"},
      {"rejected", "events", "events on `in` that were not kGemmDone"},
  };

  ARCHLAB_HD static void send_tile(State& s, const Params& p, archlab::Context& ctx) {
    const std::uint32_t receivers = ctx.fanout(kOut);
    const std::uint32_t target = receivers == 0 ? 0 : static_cast<std::uint32_t>(s.sent % receivers);
    ++s.sent;
    ctx.stat_add(kSent, 1.0);
    ctx.send(kOut, 0, protocol::kGemmTile, archlab::Payload{{p.m, p.n, p.k, ctx.now()}}, target);
  }

  ARCHLAB_HD static void init(State& s, const Params& p, archlab::Context& ctx) {
    s.sent = 0;
    s.last_done = 0;
    while (s.sent < p.tiles && s.sent < p.outstanding)
      send_tile(s, p, ctx);
  }

  ARCHLAB_HD static void handle(State& s, const Params& p, const archlab::Event& e, archlab::Context& ctx) {
    if (e.kind != protocol::kGemmDone) {
      ctx.stat_add(kRejected, 1.0);
      return;
    }
    const Tick now = ctx.now();
    ctx.stat_add(kDone, 1.0);
    ctx.stat_add(kCycles, static_cast<double>(e.payload.w[0]));
    ctx.stat_add(kMacs, static_cast<double>(e.payload.w[1]));
    ctx.stat_add(kLatency, static_cast<double>(now - e.payload.w[3]));
    ctx.stat_add(kCompletionTime, static_cast<double>(now - s.last_done)); // the sum is the last time
    s.last_done = now;
    if (s.sent < p.tiles) send_tile(s, p, ctx);
  }
};

} // namespace

ARCHLAB_REGISTER_COMPONENT(GemmDriver, workload, "1.0.0",
                           "sends GEMM tiles (M x N x K) to compute units and counts their answers")
