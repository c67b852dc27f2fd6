// test.fits: a component for the tests of checks across components. It sends `need` bytes'
// worth of requests to the components on `out`; check_links refuses a peer whose `buffer`
// (any plugin's Size parameter of that name) is smaller than `need`, and more than
// `max_peers` components on `out`. Each event it receives is answered until `stop_after`
// events have arrived; then it stops the run with its declared reason.
#include <archlab/component.hpp>

#include <string>

namespace {

struct Fits {
  static constexpr const char* kName = "test.fits";

  struct Params {
    std::uint64_t need;
    std::uint64_t max_peers;
    std::uint64_t stop_after;  ///< 0: never
    bool starter;
  };
  struct State {
    std::uint64_t received;
  };
  enum Port : archlab::PortId { kIn, kOut };
  enum Stat : std::uint32_t { kReceived };
  enum Reason : std::uint16_t { kAskedToStop, kNeverUsed };

  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM(Params, need, Size, "1 KiB", "bytes each peer on `out` must hold in its `buffer`"),
      ARCHLAB_PARAM(Params, max_peers, UInt, "4", "most components `out` may reach"),
      ARCHLAB_PARAM(Params, stop_after, UInt, "0", "events received before stopping the run (0: never)"),
      ARCHLAB_PARAM(Params, starter, Bool, "false", "send the first event"),
  };
  static constexpr archlab::PortSpec ports[] = {
      {"in", archlab::PortDirection::In, "events arrive here"},
      {"out", archlab::PortDirection::Out, "events leave here"},
  };
  static constexpr archlab::StatSpec stats[] = {{"received", "events", "events received"}};
  static constexpr const char* stop_reasons[] = {
      "received `stop_after` events, as the test asked",
      "a reason no handler uses",
  };

  static void check_links(const Params& p, archlab::LinkCheck& check) {
    if (check.count(kOut) > p.max_peers) {
      check.refuse(("port 'out' reaches " + std::to_string(check.count(kOut)) + " components, at most `max_peers` = " +
                    std::to_string(p.max_peers))
                       .c_str());
    }
    for (const archlab::LinkedComponent& peer : check.peers()) {
      if (peer.port != kOut || !peer.outgoing) continue;
      const double buffer = peer.number("buffer");
      if (buffer == buffer && buffer < static_cast<double>(p.need)) {
        check.refuse(peer, ("`need` = " + std::to_string(p.need) + " B is more than its `buffer` = " +
                            std::to_string(static_cast<std::uint64_t>(buffer)) + " B")
                               .c_str());
      }
    }
  }

  ARCHLAB_HD static void init(State&, const Params& p, archlab::Context& ctx) {
    if (p.starter) ctx.send(kOut, 0, 0, archlab::Payload{});
  }

  ARCHLAB_HD static void handle(State& s, const Params& p, const archlab::Event&, archlab::Context& ctx) {
    ++s.received;
    ctx.stat_add(kReceived, 1.0);
    if (p.stop_after != 0 && s.received >= p.stop_after) return ctx.stop(kAskedToStop);
    ctx.send(kOut, 0, 0, archlab::Payload{});
  }
};

}  // namespace

ARCHLAB_REGISTER_COMPONENT(Fits, workload, "1.0", "test component: checks across links, stopping with a reason")
