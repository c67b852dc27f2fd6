// A closed-loop command driver, shared by workload.gemm_driver and workload.vector_driver: it
// keeps up to `outstanding` commands in flight (all sent at time 0, then one more per answer),
// `count` in all, spread round-robin over the receivers of `out`, so one driver can feed an
// array of units. The tag of each command is its send time, which gives the latency when the
// answer comes back.
//
// A driver derives from ClosedLoopDriver<Driver> and declares, next to its model: kName,
// Params (with `outstanding`), params[], ports[] ("in", "out"), stats[] in the order of Stat
// below (its own names and units: "tiles"/"macs", "ops"/"elements"), kCommand and kAnswer
// (protocol kinds), and
//   ARCHLAB_HD static std::uint64_t count(const Params&);       // commands in all
//   ARCHLAB_HD static Payload command(const Params&, Tick now);  // w[3] must be `now`
// The answer's w[0] is cycles and w[1] the work done (MACs, elements), as protocol.hpp says.
#pragma once

#include <archlab/component.hpp>

namespace archlab::workloads {

template <class Driver> struct ClosedLoopDriver {
  static constexpr std::uint32_t kMaxSendsPerEvent = 1;

  struct State {
    std::uint64_t sent;
    Tick last_done;
  };

  enum Port : PortId { kIn, kOut };
  /// The driver's stats[] in this order.
  enum Stat : std::uint32_t { kSent, kDone, kCycles, kWork, kLatency, kCompletionTime, kRejected };

  template <class Params> ARCHLAB_HD static void send_command(State& s, const Params& p, Context& ctx) {
    const std::uint32_t receivers = ctx.fanout(kOut);
    const std::uint32_t target = receivers == 0 ? 0 : static_cast<std::uint32_t>(s.sent % receivers);
    ++s.sent;
    ctx.stat_add(kSent, 1.0);
    ctx.send(kOut, 0, Driver::kCommand, Driver::command(p, ctx.now()), target);
  }

  template <class Params> ARCHLAB_HD static void init(State& s, const Params& p, Context& ctx) {
    s.sent = 0;
    s.last_done = 0;
    while (s.sent < Driver::count(p) && s.sent < p.outstanding)
      send_command(s, p, ctx);
  }

  template <class Params> ARCHLAB_HD static void handle(State& s, const Params& p, const Event& e, Context& ctx) {
    if (e.kind != Driver::kAnswer) {
      ctx.stat_add(kRejected, 1.0);
      return;
    }
    const Tick now = ctx.now();
    ctx.stat_add(kDone, 1.0);
    ctx.stat_add(kCycles, static_cast<double>(e.payload.w[0]));
    ctx.stat_add(kWork, static_cast<double>(e.payload.w[1]));
    ctx.stat_add(kLatency, static_cast<double>(now - e.payload.w[3]));
    ctx.stat_add(kCompletionTime, static_cast<double>(now - s.last_done)); // the sum is the last time
    s.last_done = now;
    if (s.sent < Driver::count(p)) send_command(s, p, ctx);
  }
};

} // namespace archlab::workloads
