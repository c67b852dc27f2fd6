// test.pingpong: a component for the tests. It declares a parameter of every type, and plays
// ping-pong over `out`: a `starter` sends first (instance i to receiver i modulo the fanout);
// every event received is counted and answered
// after `think` until `rounds` answers were sent. Each received event also schedules a zero-
// delay self event (port kSelfPort), which engines must handle in the same window.
#include <archlab/component.hpp>

namespace {

struct PingPong {
  static constexpr const char* kName = "test.pingpong";
  static constexpr std::uint32_t kMaxSendsPerEvent = 2;

  struct Params {
    bool starter;
    std::uint64_t rounds;
    archlab::Tick think;
    std::int64_t offset;
    double weight;
    double clock;
    std::uint64_t buffer;
    double bandwidth;
    std::uint32_t policy;
  };
  struct State {
    std::uint64_t sent;
  };
  enum Port : archlab::PortId { kIn, kOut };
  enum Stat : std::uint32_t { kReceived, kSelfEvents, kWeighted };
  enum Kind : std::uint16_t { kBall, kTick };
  static constexpr archlab::KindSpec kinds[] = {{kBall, "ball"}, {kTick, "tick"}};

  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM(Params, starter, Bool, "false", "send the first ball"),
      ARCHLAB_PARAM(Params, rounds, UInt, nullptr, "answers to send before stopping (required)"),
      ARCHLAB_PARAM_RANGE(Params, think, Time, "1 ns", "delay before answering", 0.0, 1e15),
      ARCHLAB_PARAM(Params, offset, Int, "0", "a signed integer"),
      ARCHLAB_PARAM(Params, weight, Float, "1.0", "added to `weighted` per ball"),
      ARCHLAB_PARAM(Params, clock, Frequency, "1 GHz", "a frequency"),
      ARCHLAB_PARAM(Params, buffer, Size, "64 KiB", "a size"),
      ARCHLAB_PARAM(Params, bandwidth, Bandwidth, "256 GB/s", "a bandwidth"),
      ARCHLAB_PARAM_CHOICE(Params, policy, "fifo|lifo|random", "fifo", "a choice"),
  };
  static constexpr archlab::PortSpec ports[] = {
      {"in", archlab::PortDirection::In, "balls arrive here"},
      {"out", archlab::PortDirection::Out, "balls leave here"},
  };
  static constexpr archlab::StatSpec stats[] = {
      {"received", "events", "balls received"},
      {"self_events", "events", "zero-delay self events handled"},
      {"weighted", "", "sum of weight over balls received"},
  };
  // A histogram and a derived statistic, so that every engine is checked on them too.
  static constexpr archlab::HistogramSpec histograms[] = {
      {"hops", "hops", "balls received by how often they were passed before: 8 bins up to 40", 0.0, 40.0, 8},
  };
  static constexpr archlab::DerivedStatSpec derived[] = {
      {"weight_per_ball", "", "weighted / received", "weighted", "received"},
  };

  static const char* validate(const Params& p) { return p.offset < -1000 ? "offset must be at least -1000" : nullptr; }

  /// Instance i plays with receiver i modulo the fanout (0 when unconnected: send then fails).
  ARCHLAB_HD static std::uint32_t receiver(const archlab::Context& ctx) {
    const std::uint32_t fanout = ctx.fanout(kOut);
    return fanout > 0 ? ctx.index() % fanout : 0;
  }

  ARCHLAB_HD static void init(State&, const Params& p, archlab::Context& ctx) {
    if (p.starter) ctx.send(kOut, 0, kBall, archlab::Payload{{0, 0, 0, 0}}, receiver(ctx));
  }

  ARCHLAB_HD static void handle(State& s, const Params& p, const archlab::Event& e, archlab::Context& ctx) {
    if (e.kind == kTick) {
      ctx.stat_add(kSelfEvents, 1.0);
      return;
    }
    ctx.stat_add(kReceived, 1.0);
    ctx.stat_add(kWeighted, p.weight);
    archlab::histogram_add<PingPong, 0>(ctx, static_cast<double>(e.payload.w[0]));
    ctx.schedule_self(0, kTick, archlab::Payload{});
    if (s.sent < p.rounds) {
      ++s.sent;
      ctx.send(kOut, p.think, kBall, archlab::Payload{{e.payload.w[0] + 1, 0, 0, 0}}, receiver(ctx));
    }
  }
};

}  // namespace

ARCHLAB_REGISTER_COMPONENT(PingPong, compute, "0.1.0", "test component: ping-pong with every parameter type")
