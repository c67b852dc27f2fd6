// PHOLD (Fujimoto, 1990): the standard synthetic benchmark of parallel discrete-event simulators.
//
// Every logical process (LP) holds a fixed population of events. Handling one schedules exactly
// one new event at t + lookahead + Exp(mean - lookahead); with probability `remote` its
// destination is drawn uniformly over all LPs (the `out` link's receivers), otherwise it is
// the LP itself. The LPs reach each other through one array link, `to = "lp[*].in"`.
#include <archlab/component.hpp>

namespace {

struct Phold {
  static constexpr const char* kName = "workload.phold";
  static constexpr std::uint32_t kMaxSendsPerEvent = 1;

  struct Params {
    std::uint64_t events_per_lp;
    double remote;
    archlab::Tick lookahead;
    archlab::Tick mean;
  };
  struct State {
    std::uint8_t unused;
  };

  enum Port : archlab::PortId { kIn, kOut };
  enum Stat : std::uint32_t { kEvents, kRemoteSends };

  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM(Params, events_per_lp, UInt, "16", "events each LP holds at time 0 (the constant population)"),
      ARCHLAB_PARAM_RANGE(Params, remote, Float, "0.9", "probability that a new event goes to a random LP", 0.0, 1.0),
      ARCHLAB_PARAM_RANGE(Params, lookahead, Time, "0.1 ns",
                          "smallest increment; an `out` link slower than this raises it to the link latency", 1.0,
                          1e18),
      ARCHLAB_PARAM_RANGE(Params, mean, Time, "1 ns", "mean increment, lookahead included", 1.0, 1e18),
  };
  static constexpr archlab::PortSpec ports[] = {
      {"in", archlab::PortDirection::In, "events from any LP"},
      {"out", archlab::PortDirection::Out, "to all LPs: connect with to = \"lp[*].in\""},
  };
  // Every PHOLD event is a message, sent to another LP or to itself.
  static constexpr archlab::KindSpec kinds[] = {{0, "message"}};
  static constexpr archlab::StatSpec stats[] = {
      {"events", "events", "events handled"},
      {"remote_sends", "events", "new events sent to another LP"},
  };

  static const char* validate(const Params& p) {
    return p.mean < p.lookahead ? "mean must be at least lookahead" : nullptr;
  }

  /// lookahead + Exp(mean - lookahead), from 64 random bits.
  ARCHLAB_HD static archlab::Tick increment(const Params& p, std::uint64_t bits) {
    const double spread = static_cast<double>(p.mean - p.lookahead);
    return p.lookahead + static_cast<archlab::Tick>(archlab::exponential(bits, spread));
  }

  ARCHLAB_HD static void init(State&, const Params& p, archlab::Context& ctx) {
    for (std::uint64_t k = 0; k < p.events_per_lp; ++k) {
      const archlab::Philox4x32 r = ctx.rng4();
      ctx.schedule_self(increment(p, archlab::join_bits(r.v[2], r.v[3])), 0, archlab::Payload{});
    }
  }

  // One draw per event: word 0 decides remote or not, word 1 picks the LP, words 2-3 the delay.
  ARCHLAB_HD static void handle(State&, const Params& p, const archlab::Event&, archlab::Context& ctx) {
    ctx.stat_add(kEvents, 1.0);
    const archlab::Philox4x32 r = ctx.rng4();
    const archlab::Tick delay = increment(p, archlab::join_bits(r.v[2], r.v[3]));
    const bool remote = archlab::uniform01(archlab::join_bits(r.v[0], 0)) < p.remote;
    const std::uint32_t lps = ctx.fanout(kOut);
    if (remote) {
      const std::uint32_t dest = archlab::uniform_below(archlab::join_bits(r.v[1], 0), lps);
      if (dest != ctx.index()) ctx.stat_add(kRemoteSends, 1.0);
      const archlab::Tick latency = ctx.latency(kOut);
      ctx.send(kOut, delay > latency ? delay - latency : 0, 0, archlab::Payload{}, dest);
    } else {
      ctx.schedule_self(delay, 0, archlab::Payload{});
    }
  }
};

}  // namespace

ARCHLAB_REGISTER_COMPONENT(Phold, workload, "1.0.0", "PHOLD synthetic benchmark: LPs exchanging a constant event population")
