// example.metronome: ticks every `period` until it has ticked `ticks` times. The smallest
// useful plugin: parameters with units, one statistic, events it schedules for itself.
#include <archlab/component.hpp>

namespace {

struct Metronome {
  static constexpr const char* kName = "example.metronome";

  struct Params {
    archlab::Tick period;
    std::uint64_t ticks;
  };
  struct State {
    std::uint64_t ticked;
  };
  enum Stat : std::uint32_t { kTicks };

  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM_RANGE(Params, period, Time, "1 ns", "time between ticks", 1.0, 1e18),
      ARCHLAB_PARAM(Params, ticks, UInt, "10", "how many ticks"),
  };
  static constexpr archlab::PortSpec ports[] = {
      {"in", archlab::PortDirection::In, "unused input"},
  };
  static constexpr archlab::StatSpec stats[] = {
      {"ticks", "events", "ticks so far"},
  };

  ARCHLAB_HD static void init(State&, const Params& p, archlab::Context& ctx) {
    if (p.ticks > 0) ctx.schedule_self(p.period, 0, archlab::Payload{});
  }
  ARCHLAB_HD static void handle(State& s, const Params& p, const archlab::Event&, archlab::Context& ctx) {
    ctx.stat_add(kTicks, 1.0);
    if (++s.ticked < p.ticks) ctx.schedule_self(p.period, 0, archlab::Payload{});
  }
};

}  // namespace

ARCHLAB_REGISTER_COMPONENT(Metronome, workload, "1.0.0", "example: ticks at a fixed period")
