// test.racy: a component that breaks the rules on purpose, for `archlab verify`'s tests. It
// counts the events it handles in a global counter, outside its State: the count each instance
// sees depends on the order in which the engine handles other instances' events, and on the
// runs before it in the same process, so engines disagree and verify must say where.
#include <archlab/component.hpp>

namespace {

std::uint64_t g_handled = 0;

struct Racy {
  static constexpr const char* kName = "test.racy";
  static constexpr std::uint32_t kMaxSendsPerEvent = 1;

  struct Params {
    std::uint64_t rounds;
  };
  struct State {
    std::uint64_t sent;
  };
  enum Port : archlab::PortId { kIn, kOut };
  enum Stat : std::uint32_t { kSeen };

  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM(Params, rounds, UInt, "20", "messages each instance sends"),
  };
  static constexpr archlab::PortSpec ports[] = {
      {"in", archlab::PortDirection::In, "messages arrive here"},
      {"out", archlab::PortDirection::Out, "messages leave here"},
  };
  static constexpr archlab::StatSpec stats[] = {
      {"seen", "", "the global count when each message arrived, summed (order-dependent: the bug)"},
  };

  static void init(State&, const Params&, archlab::Context& ctx) {
    ctx.send(kOut, 0, 0, archlab::Payload{}, (ctx.index() + 1) % ctx.fanout(kOut));
  }

  static void handle(State& s, const Params& p, const archlab::Event&, archlab::Context& ctx) {
    ctx.stat_add(kSeen, static_cast<double>(++g_handled));
    if (s.sent < p.rounds) {
      ++s.sent;
      ctx.send(kOut, 0, 0, archlab::Payload{}, (ctx.index() + 1) % ctx.fanout(kOut));
    }
  }
};

} // namespace

ARCHLAB_REGISTER_COMPONENT(Racy, compute, "0.1.0", "test component: keeps state outside State (verify must catch it)")
