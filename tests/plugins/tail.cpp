// test.tail: a component with a state tail (state_tail_bytes), for the tests of per-instance
// state sized by the parameters. Each instance keeps `cells` 64-bit cells after its State.
// init counts the bytes of the tail that are not zero (stat `dirty`: a tail starts zeroed), then
// writes cell k = tag(self, k). Every ball received checks the instance's signature in State and
// every cell, which must be its tag plus the balls received so far (stat `corrupt` counts those
// that are not: another instance's state overlapping this one), adds 1 to each and adds them up
// (stat `cell_sum`), and answers over `out` after `think` until `rounds` answers were sent.
#include <archlab/component.hpp>

namespace {

struct Tail {
  static constexpr const char* kName = "test.tail";
  static constexpr std::uint32_t kMaxSendsPerEvent = 1;

  struct Params {
    bool starter;
    std::uint64_t rounds;
    std::uint64_t cells;
    archlab::Tick think;
  };
  struct State {
    std::uint64_t signature;
    std::uint64_t received;
    std::uint64_t sent;
  };
  enum Port : archlab::PortId { kIn, kOut };
  enum Stat : std::uint32_t { kDirty, kCorrupt, kChecked, kCellSum };

  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM(Params, starter, Bool, "false", "send the first ball"),
      ARCHLAB_PARAM(Params, rounds, UInt, "10", "answers to send before stopping"),
      ARCHLAB_PARAM_RANGE(Params, cells, UInt, "4", "64-bit cells of state after State (the tail)", 0.0, 1e12),
      ARCHLAB_PARAM_RANGE(Params, think, Time, "1 ns", "delay before answering", 0.0, 1e15),
  };
  static constexpr archlab::PortSpec ports[] = {
      {"in", archlab::PortDirection::In, "balls arrive here"},
      {"out", archlab::PortDirection::Out, "balls leave here"},
  };
  static constexpr archlab::StatSpec stats[] = {
      {"dirty", "bytes", "bytes of the tail that were not zero at init"},
      {"corrupt", "cells", "cells (or the signature) that did not hold what this instance wrote"},
      {"checked", "cells", "cells checked"},
      {"cell_sum", "", "sum of the cells after each ball"},
  };

  static std::uint64_t state_tail_bytes(const Params& p) { return p.cells * sizeof(std::uint64_t); }

  ARCHLAB_HD static std::uint64_t signature(archlab::ComponentId self) { return 0x5a5a000000000000ull | self; }
  /// What cell k of component `self` holds before any ball.
  ARCHLAB_HD static std::uint64_t tag(archlab::ComponentId self, std::uint64_t k) {
    return (static_cast<std::uint64_t>(self) + 1) * 100000 + k;
  }
  ARCHLAB_HD static std::uint32_t receiver(const archlab::Context& ctx) {
    const std::uint32_t fanout = ctx.fanout(kOut);
    return fanout > 0 ? ctx.index() % fanout : 0;
  }

  ARCHLAB_HD static void init(State& s, const Params& p, archlab::Context& ctx) {
    const auto* bytes = archlab::state_tail<unsigned char>(s);
    double dirty = 0;
    for (std::uint64_t b = 0; b < p.cells * sizeof(std::uint64_t); ++b)
      dirty += bytes[b] != 0 ? 1.0 : 0.0;
    ctx.stat_add(kDirty, dirty);
    s.signature = signature(ctx.self());
    std::uint64_t* cells = archlab::state_tail<std::uint64_t>(s);
    for (std::uint64_t k = 0; k < p.cells; ++k)
      cells[k] = tag(ctx.self(), k);
    if (p.starter) ctx.send(kOut, 0, 0, archlab::Payload{}, receiver(ctx));
  }

  ARCHLAB_HD static void handle(State& s, const Params& p, const archlab::Event&, archlab::Context& ctx) {
    std::uint64_t* cells = archlab::state_tail<std::uint64_t>(s);
    double corrupt = s.signature == signature(ctx.self()) ? 0.0 : 1.0;
    double sum = 0;
    for (std::uint64_t k = 0; k < p.cells; ++k) {
      corrupt += cells[k] == tag(ctx.self(), k) + s.received ? 0.0 : 1.0;
      ++cells[k];
      sum += static_cast<double>(cells[k]);
    }
    ++s.received;
    ctx.stat_add(kCorrupt, corrupt);
    ctx.stat_add(kChecked, static_cast<double>(p.cells));
    ctx.stat_add(kCellSum, sum);
    if (s.sent < p.rounds) {
      ++s.sent;
      ctx.send(kOut, p.think, 0, archlab::Payload{}, receiver(ctx));
    }
  }
};

} // namespace

ARCHLAB_REGISTER_COMPONENT(Tail, compute, "0.1.0", "test component: per-instance state sized by its parameters")
