// Every engine gives the statistics and event trace of the sequential engine, bit for bit:
// windowed on 1-4 threads, and the CUDA engine's algorithm run on the host (gpu-emulated); the
// CUDA engine itself is compared in tests/gpu/ on machines with a GPU.
//
// The shared part: every file named equivalence*.toml under plugins/, workloads/ and
// tests/plugins/ is run on every CPU engine; a plugin joins by putting one in its folder.
// PHOLD is also swept over sizes, seeds, lookaheads and thread counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "../test_support.hpp"
#include "archlab/config.hpp"
#include "archlab/engine.hpp"

using namespace archlab;

namespace {

struct Recorded : RunObserver {
  std::vector<StatSample> samples;
  std::vector<TraceRecord> trace;
  void on_sample(StatSample sample) override { samples.push_back(std::move(sample)); }
  void on_trace(std::vector<TraceRecord> records) override {
    trace.insert(trace.end(), records.begin(), records.end());
  }
};

struct Outcome {
  RunResult result;
  std::vector<std::vector<double>> stats;
  Recorded recorded;
};

std::unique_ptr<Engine> engine_named(const std::string& name) {
  return name == "gpu-emulated" ? make_gpu_emulation_engine() : make_engine(name);
}

Outcome run(const ExperimentSpec& spec, const std::string& engine, unsigned threads) {
  SystemInstance system(spec.system, spec.seed);
  EngineOptions options;
  options.stop_time = spec.stop_time;
  options.max_events = spec.max_events;
  options.stats_interval = spec.stats_interval;
  options.trace = true;
  options.threads = threads;
  Outcome outcome;
  outcome.result = engine_named(engine)->run(system, options, &outcome.recorded);
  outcome.stats = system.stat_values();
  return outcome;
}

void expect_identical(const Outcome& reference, const Outcome& other, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(reference.result.status, other.result.status);
  EXPECT_EQ(reference.result.events, other.result.events);
  EXPECT_EQ(reference.result.pending, other.result.pending);
  EXPECT_EQ(reference.result.final_time, other.result.final_time);
  EXPECT_EQ(reference.stats, other.stats);  // exact: the same doubles
  ASSERT_EQ(reference.recorded.samples.size(), other.recorded.samples.size());
  for (std::size_t s = 0; s < reference.recorded.samples.size(); ++s) {
    EXPECT_EQ(reference.recorded.samples[s].time, other.recorded.samples[s].time);
    EXPECT_EQ(reference.recorded.samples[s].values, other.recorded.samples[s].values);
    EXPECT_EQ(reference.recorded.samples[s].events, other.recorded.samples[s].events);
    EXPECT_EQ(reference.recorded.samples[s].pending, other.recorded.samples[s].pending);
  }
  ASSERT_EQ(reference.recorded.trace.size(), other.recorded.trace.size());
  for (std::size_t i = 0; i < reference.recorded.trace.size(); ++i) {
    const TraceRecord& a = reference.recorded.trace[i];
    const TraceRecord& b = other.recorded.trace[i];
    if (a.time != b.time || a.src != b.src || a.seq != b.seq || a.target != b.target || a.port != b.port ||
        a.kind != b.kind) {
      ADD_FAILURE() << "traces differ first at record " << i << ": (" << a.time << ", " << a.src << ", " << a.seq
                    << " -> " << a.target << ") vs (" << b.time << ", " << b.src << ", " << b.seq << " -> " << b.target
                    << ")";
      break;
    }
  }
}

void check_all_engines(const ExperimentSpec& spec, const std::string& name) {
  const Outcome reference = run(spec, "sequential", 1);
  ASSERT_GT(reference.result.events, 0u) << name << " handled no events";
  ASSERT_FALSE(reference.recorded.trace.empty());
  for (unsigned threads : {1u, 2u, 3u, 4u}) {
    expect_identical(reference, run(spec, "windowed", threads), name + " windowed x" + std::to_string(threads));
  }
  // The CUDA engine's algorithm, step for step on the host.
  expect_identical(reference, run(spec, "gpu-emulated", 1), name + " gpu-emulated");
}

std::vector<std::string> equivalence_files() {
  std::vector<std::string> files;
  for (const char* folder : {"plugins", "workloads", "tests/plugins"}) {
    const std::filesystem::path root = std::filesystem::path(ARCHLAB_SOURCE_DIR) / folder;
    if (!std::filesystem::exists(root)) continue;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("equivalence", 0) == 0 && entry.path().extension() == ".toml") {
        files.push_back(entry.path().string());
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

class EquivalenceFile : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST(EngineEquivalence, TreeHasEquivalenceFiles) {
  const auto files = equivalence_files();
  EXPECT_GE(files.size(), 2u);  // at least PHOLD and the test plugin
}

TEST_P(EquivalenceFile, EveryEngineMatchesSequential) {
  const ExperimentSpec spec = load_experiment(GetParam(), {}, archlab::testing::test_registry());
  check_all_engines(spec, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Tree, EquivalenceFile, ::testing::ValuesIn(equivalence_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = std::filesystem::path(info.param).parent_path().filename().string() +
                                              "_" + std::filesystem::path(info.param).stem().string();
                           std::replace_if(name.begin(), name.end(), [](char c) { return !std::isalnum(c); }, '_');
                           return name;
                         });

TEST(EngineEquivalence, PholdSweep) {
  const std::string base = std::string(ARCHLAB_SOURCE_DIR) + "/workloads/phold/equivalence.toml";
  struct Case {
    const char* lps;
    const char* seed;
    const char* lookahead;
    const char* remote;
  };
  for (const Case& c : {Case{"1", "1", "0.1 ns", "0.9"}, Case{"7", "2", "0.1 ns", "0.5"},
                        Case{"64", "3", "0.25 ns", "0.9"}, Case{"1000", "4", "0.05 ns", "1.0"},
                        Case{"4096", "5", "0.1 ns", "0.9"}, Case{"300", "6", "1 ps", "0.9"}}) {
    const ExperimentSpec spec =
        load_experiment(base,
                        {{"workloads.lp.count", c.lps},
                         {"seed", c.seed},
                         {"workloads.lp.lookahead", c.lookahead},
                         {"links", std::string("[{from = \"lp[*].out\", to = \"lp[*].in\", latency = \"") + c.lookahead +
                                       "\"}]"},
                         {"workloads.lp.remote", c.remote},
                         {"stop_time", "5 ns"},
                         {"stats_interval", "0.7 ns"}},
                        archlab::testing::test_registry());
    check_all_engines(spec, std::string("phold lps=") + c.lps + " lookahead=" + c.lookahead);
  }
}

TEST(EngineEquivalence, EventLimitStopsAtTheSameWindow) {
  const ExperimentSpec spec = load_experiment(std::string(ARCHLAB_SOURCE_DIR) + "/workloads/phold/equivalence.toml",
                                              {{"max_events", "3000"}, {"stop_time", "1 ms"}},
                                              archlab::testing::test_registry());
  const Outcome reference = run(spec, "sequential", 1);
  EXPECT_EQ(reference.result.status, "event_limit");
  check_all_engines(spec, "phold event limit");
}
