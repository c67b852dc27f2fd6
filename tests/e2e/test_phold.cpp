// End to end: configuration -> plugins -> sequential engine -> HDF5 file, read back.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "../test_support.hpp"
#include "archlab/config.hpp"
#include "archlab/engine.hpp"
#include "archlab/errors.hpp"
#include "archlab/run.hpp"
#include "h5_read.hpp"

using namespace archlab;
using archlab::testing::contains;
using archlab::testing::H5File;
using archlab::testing::TempDir;

namespace {

constexpr std::uint32_t kLps = 256;
constexpr std::uint32_t kEventsPerLp = 8;

std::string phold_experiment(std::uint32_t lps = kLps) {
  return "engine = \"sequential\"\nseed = 1\nstop_time = \"50 ns\"\nstats_interval = \"10 ns\"\n"
         "[system.components]\n"
         "[workloads.lp]\ntype = \"workload.phold\"\ncount = " +
         std::to_string(lps) + "\nevents_per_lp = " + std::to_string(kEventsPerLp) +
         "\nremote = 0.9\nlookahead = \"0.1 ns\"\nmean = \"1 ns\"\n"
         "[[links]]\nfrom = \"lp[*].out\"\nto = \"lp[*].in\"\nlatency = \"0.1 ns\"\n";
}

ExperimentSpec load(const std::string& text, const std::vector<Override>& overrides = {}) {
  return load_experiment_text(text, "phold.toml", ".", overrides, archlab::testing::test_registry());
}

/// Run without a file and return every type's per-instance statistics.
std::vector<std::vector<double>> run_stats(const ExperimentSpec& spec, RunResult* result = nullptr) {
  SystemInstance system(spec.system, spec.seed);
  EngineOptions options;
  options.stop_time = spec.stop_time;
  const RunResult r = make_engine("sequential")->run(system, options, nullptr);
  if (result != nullptr) *result = r;
  return system.stat_values();
}

const std::string kPingPong = R"(engine = "sequential"
[system.components.ping]
type = "test.pingpong"
starter = true
rounds = 3
[system.components.pong]
type = "test.pingpong"
rounds = 3
think = "2 ns"
[[system.links]]
from = "ping.out"
to = "pong.in"
latency = "1 ns"
[[system.links]]
from = "pong.out"
to = "ping.in"
latency = "1 ns"
)";

}  // namespace

TEST(Phold, RunWritesAFileThatAddsUp) {
  TempDir dir;
  const auto path = dir.path() / "phold.h5";
  const RunReport report = run_experiment(load(phold_experiment(), {{"output", "\"" + path.string() + "\""}}));
  EXPECT_EQ(report.result.status, "stop_time");
  EXPECT_GT(report.result.events, std::uint64_t{kLps} * kEventsPerLp * 10);  // ~50 events per LP
  EXPECT_EQ(report.result.pending, std::uint64_t{kLps} * kEventsPerLp);

  H5File file(path.string());
  EXPECT_EQ(file.uint_attribute("format_version"), 1u);
  EXPECT_TRUE(contains(file.string_attribute("experiment_toml"), "workload.phold"));
  EXPECT_EQ(file.string_attribute("engine"), "sequential");

  // events handled sum to the committed count
  const auto events = file.doubles("/summary/workload.phold/events");
  ASSERT_EQ(events.size(), kLps);
  EXPECT_EQ(std::accumulate(events.begin(), events.end(), 0.0), static_cast<double>(report.result.events));
  EXPECT_EQ(file.u64("/summary/engine/events").at(0), report.result.events);
  EXPECT_EQ(file.u64("/summary/engine/pending").at(0), report.result.pending);

  // samples every 10 ns up to the stop time; the event population stays constant
  const auto times = file.u64("/stats/time");
  EXPECT_EQ(times, (std::vector<unsigned long long>{10000, 20000, 30000, 40000, 50000}));
  for (auto pending : file.u64("/stats/engine/pending")) EXPECT_EQ(pending, std::uint64_t{kLps} * kEventsPerLp);
  const auto committed = file.u64("/stats/engine/events");
  EXPECT_TRUE(std::is_sorted(committed.begin(), committed.end()));
  EXPECT_EQ(committed.back(), report.result.events);  // the last sample is at the stop time

  // the per-sample matrix agrees with the engine's running count
  const auto shape = file.shape("/stats/workload.phold/events");
  ASSERT_EQ(shape, (std::vector<hsize_t>{5, kLps}));
  const auto series = file.doubles("/stats/workload.phold/events");
  for (std::size_t s = 0; s < 5; ++s) {
    const double sum = std::accumulate(series.begin() + s * kLps, series.begin() + (s + 1) * kLps, 0.0);
    EXPECT_EQ(sum, static_cast<double>(committed[s])) << "sample " << s;
  }
  EXPECT_EQ(file.shape("/components"), (std::vector<hsize_t>{kLps}));
}

TEST(Phold, SameSeedSameStatisticsDifferentSeedDifferent) {
  const auto a = run_stats(load(phold_experiment()));
  const auto b = run_stats(load(phold_experiment()));
  EXPECT_EQ(a, b);
  const auto c = run_stats(load(phold_experiment(), {{"seed", "2"}}));
  EXPECT_NE(a, c);
}

TEST(Phold, RemoteFractionFollowsTheParameter) {
  RunResult result;
  const auto stats = run_stats(load(phold_experiment(1024), {{"workloads.lp.remote", "0.5"}}), &result);
  double events = 0, remote = 0;
  for (std::size_t i = 0; i < stats[0].size(); i += 2) {
    events += stats[0][i];
    remote += stats[0][i + 1];
  }
  EXPECT_EQ(events, static_cast<double>(result.events));
  EXPECT_NEAR(remote / events, 0.5 * (1.0 - 1.0 / 1024), 0.01);
}

TEST(Phold, EventLimitStopsTheRun) {
  RunResult result;
  auto spec = load(phold_experiment());
  SystemInstance system(spec.system, spec.seed);
  EngineOptions options;
  options.max_events = 5000;
  result = make_engine("sequential")->run(system, options, nullptr);
  EXPECT_EQ(result.status, "event_limit");
  EXPECT_GE(result.events, 5000u);
  EXPECT_LT(result.events, 5000u + kLps * kEventsPerLp);  // at most one window further
}

TEST(PingPong, ExactTimesAndCounts) {
  RunResult result;
  const auto stats = run_stats(load(kPingPong), &result);
  // ping sends at 0; pong receives at 1, 6, 11, 16 ns; ping at 4, 9, 14 ns (latency 1 ns,
  // think 1 ns for ping and 2 ns for pong); each ball also makes one zero-delay self event.
  EXPECT_EQ(result.status, "completed");
  EXPECT_EQ(result.events, 14u);
  EXPECT_EQ(result.final_time, 16000u);
  ASSERT_EQ(stats.size(), 1u);  // one type, two instances x (3 stats, 10 bins of `hops`, 1 derived)
  // received, self_events, weighted; hops: underflow, [0,5), [5,10), ..., [35,40), overflow (ping
  // got the balls passed 1, 3, 5 times, pong 0, 2, 4, 6); weight_per_ball.
  EXPECT_EQ(stats[0], (std::vector<double>{3, 3, 3, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 1,  //
                                           4, 4, 4, 0, 3, 1, 0, 0, 0, 0, 0, 0, 0, 1}));
}

TEST(PingPong, TraceIsInTotalOrderAndStopsAtStopTime) {
  TempDir dir;
  const auto path = dir.path() / "trace.h5";
  const RunReport report = run_experiment(load(kPingPong, {{"trace", "true"},
                                                           {"stop_time", "11 ns"},
                                                           {"output", "\"" + path.string() + "\""}}));
  EXPECT_EQ(report.result.status, "stop_time");
  H5File file(path.string());
  const auto shape = file.shape("/trace/events");
  ASSERT_EQ(shape.size(), 1u);
  EXPECT_EQ(shape[0], report.result.events);
  EXPECT_EQ(report.result.events, 8u);  // balls at 1, 4, 6, 9 ns and their self events
}

TEST(PingPong, SendingOnAnUnconnectedPortIsARunError) {
  std::string text = kPingPong;
  text = text.substr(0, text.find("[[system.links]]"));
  try {
    (void)run_stats(load(text));
    FAIL();
  } catch (const RunError& e) {
    EXPECT_TRUE(contains(e.what(), "ping (test.pingpong) sent on port 'out', which no link connects")) << e.what();
  }
}

TEST(PingPong, APortWithSeveralLinksNumbersTheirReceiversInOrder) {
  // ping[i] sends its ball to receiver i of `out`: receivers 0-1 are pong_a[0..1] (first link),
  // receiver 2 is pong_b (second link).
  const std::string text = R"(engine = "sequential"
[system.components.ping]
type = "test.pingpong"
count = 3
starter = true
rounds = 1
[system.components.pong_a]
type = "test.pingpong"
count = 2
rounds = 0
[system.components.pong_b]
type = "test.pingpong"
rounds = 0
[[system.links]]
from = "ping[*].out"
to = "pong_a[*].in"
latency = "1 ns"
[[system.links]]
from = "ping[*].out"
to = "pong_b.in"
latency = "5 ns"
)";
  RunResult result;
  const auto stats = run_stats(load(text), &result);
  ASSERT_EQ(stats.size(), 1u);  // one type: ping[0..2], pong_a[0..1], pong_b
  const std::size_t width = stats[0].size() / 6;  // statistic slots per instance; `received` first
  auto received = [&](int id) { return stats[0][id * width]; };
  EXPECT_EQ(received(0) + received(1) + received(2), 0.0);  // pings get nothing back
  EXPECT_EQ(received(3), 1.0);                                // pong_a[0] from ping[0]
  EXPECT_EQ(received(4), 1.0);                                // pong_a[1] from ping[1]
  EXPECT_EQ(received(5), 1.0);                                // pong_b from ping[2]
  EXPECT_EQ(result.final_time, 5000u);                        // the second link's latency
}
