// TraceRecord::first_seq: every traced event leads back to the record, and so the time, of the
// handling that sent it (what the Perfetto export draws as a span from send to receive).
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "../test_support.hpp"
#include "archlab/config.hpp"
#include "archlab/system.hpp"
#include "archlab/engine.hpp"
#include "archlab/verify.hpp"

namespace {

using archlab::Tick;
using archlab::TraceRecord;

constexpr Tick kNs = 1000;

// ping (think 1 ns) and pong (think 3 ns) pass a ball over 1 ns links, 6 answers each; each ball
// received also schedules a zero-delay self event.
const std::string kExperiment = R"(engine = "sequential"
[system.components.ping]
type = "test.pingpong"
starter = true
rounds = 6

[system.components.pong]
type = "test.pingpong"
rounds = 6
think = "3 ns"

[[system.links]]
from = "ping.out"
to = "pong.in"
latency = "1 ns"

[[system.links]]
from = "pong.out"
to = "ping.in"
latency = "1 ns"
)";

void check_sends(const std::vector<TraceRecord>& trace, const char* engine) {
  // Each component's records in handling order (the canonical trace order keeps it).
  std::map<std::uint32_t, std::vector<const TraceRecord*>> handled;
  for (const TraceRecord& record : trace) handled[record.target].push_back(&record);
  ASSERT_EQ(handled.size(), 2u) << engine;
  std::size_t balls = 0;
  for (const TraceRecord& received : trace) {
    const auto& sender = handled.at(received.src);
    const bool from_init = received.seq < sender.front()->first_seq;
    const TraceRecord* send = nullptr;
    for (const TraceRecord* candidate : sender) {
      if (candidate->first_seq <= received.seq) send = candidate;
    }
    const Tick sent_at = from_init ? 0 : send->time;
    const bool ball = received.port != archlab::kSelfPort;
    if (!ball) {
      EXPECT_EQ(received.time, sent_at) << engine << ": a self event arrives when it was scheduled";
      continue;
    }
    ++balls;
    const Tick think = from_init ? 0 : (received.src == handled.begin()->first ? 1 * kNs : 3 * kNs);
    EXPECT_EQ(received.time, sent_at + 1 * kNs + think)
        << engine << ": ball #" << received.seq << " from " << received.src << " at " << received.time;
    // The records of one component cover its send counter without gaps or overlaps.
    for (std::size_t i = 1; i < sender.size(); ++i) EXPECT_LE(sender[i - 1]->first_seq, sender[i]->first_seq);
  }
  EXPECT_EQ(balls, 13u) << engine << ": the first ball and 12 answers";
}

TEST(TraceSends, EveryEventLeadsBackToTheHandlingThatSentItOnEveryEngine) {
  const auto spec = archlab::load_experiment_text(kExperiment, "exp.toml", ".", {}, archlab::testing::test_registry());
  const auto sequential = archlab::make_sequential_engine();
  const auto windowed = archlab::make_windowed_engine();
  const auto emulated = archlab::make_gpu_emulation_engine();
  check_sends(archlab::run_recorded(spec, *sequential, 1).recorded.trace, "sequential");
  check_sends(archlab::run_recorded(spec, *windowed, 2).recorded.trace, "windowed");
  check_sends(archlab::run_recorded(spec, *emulated, 1).recorded.trace, "gpu-emulated");
}

TEST(TraceSends, TheLayoutNamesEveryTypesPortsAndKinds) {
  const auto spec = archlab::load_experiment_text(kExperiment, "exp.toml", ".", {}, archlab::testing::test_registry());
  const archlab::SystemInstance system(spec.system, spec.seed);
  const auto names = system.output_layout().names;
  ASSERT_EQ(names.size(), 2u);  // the protocol's kinds, then test.pingpong
  EXPECT_EQ(names[0].type, "");
  ASSERT_FALSE(names[0].kinds.empty());
  EXPECT_EQ(names[0].kinds[4], (std::pair<std::uint32_t, std::string>{5, "mem_read"}));
  EXPECT_EQ(names[1].type, "test.pingpong");
  EXPECT_EQ(names[1].ports, (std::vector<std::string>{"in", "out"}));
  EXPECT_EQ(names[1].port_is_input, (std::vector<bool>{true, false}));
  EXPECT_EQ(names[1].kinds, (std::vector<std::pair<std::uint32_t, std::string>>{{0, "ball"}, {1, "tick"}}));
}

}  // namespace
