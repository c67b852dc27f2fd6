// Comparing engines with the sequential reference (shared by the CPU and GPU test programs).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "archlab/config.hpp"
#include "archlab/engine.hpp"
#include "archlab/verify.hpp"

namespace archlab::testing {


// The runs the tests compare are archlab verify's (framework/run/src/verify.cpp): one recorder.
using Outcome = RecordedRun;

inline std::unique_ptr<Engine> engine_named(const std::string& name) {
  return name == "gpu-emulated" ? make_gpu_emulation_engine() : make_engine(name);
}

inline Outcome run(const ExperimentSpec& spec, const std::string& engine, unsigned threads) {
  return run_recorded(spec, *engine_named(engine), threads);
}

/// Bitwise, as archlab verify compares (framework/src/verify.cpp): a NaN (a derived statistic
/// whose denominator is 0) matches the same NaN, -0 does not match +0.
inline bool bitwise_equal(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}
inline bool bitwise_equal(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!bitwise_equal(a[i], b[i])) return false;
  return true;
}

inline void expect_identical(const Outcome& reference, const Outcome& other, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(reference.result.status, other.result.status);
  EXPECT_EQ(reference.result.events, other.result.events);
  EXPECT_EQ(reference.result.pending, other.result.pending);
  EXPECT_EQ(reference.result.final_time, other.result.final_time);
  EXPECT_TRUE(bitwise_equal(reference.stats, other.stats)) << ::testing::PrintToString(other.stats) << " instead of "
                                                          << ::testing::PrintToString(reference.stats);
  ASSERT_EQ(reference.recorded.samples.size(), other.recorded.samples.size());
  for (std::size_t s = 0; s < reference.recorded.samples.size(); ++s) {
    EXPECT_EQ(reference.recorded.samples[s].time, other.recorded.samples[s].time);
    EXPECT_TRUE(bitwise_equal(reference.recorded.samples[s].values, other.recorded.samples[s].values))
        << "sample " << s << ": " << ::testing::PrintToString(other.recorded.samples[s].values) << " instead of "
        << ::testing::PrintToString(reference.recorded.samples[s].values);
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

/// An engine to compare with the sequential reference, and its thread count.
struct EngineUnderTest {
  std::string name;
  unsigned threads;
};

inline void check_engines(const ExperimentSpec& spec, const std::string& name,
                          const std::vector<EngineUnderTest>& engines) {
  const Outcome reference = run(spec, "sequential", 1);
  ASSERT_GT(reference.result.events, 0u) << name << " handled no events";
  ASSERT_FALSE(reference.recorded.trace.empty());
  for (const EngineUnderTest& engine : engines) {
    expect_identical(reference, run(spec, engine.name, engine.threads),
                     name + " " + engine.name + " x" + std::to_string(engine.threads));
  }
}

/// The source tree: ARCHLAB_SOURCE_DIR from the environment (the GPU machine's copy), else the
/// one this test was built from.
inline std::filesystem::path source_dir() {
  const char* env = std::getenv("ARCHLAB_SOURCE_DIR");
  return env != nullptr ? std::filesystem::path(env) : std::filesystem::path(ARCHLAB_SOURCE_DIR);
}

inline std::vector<std::string> equivalence_files() {
  std::vector<std::string> files;
  for (const char* folder : {"plugins", "workloads", "tests/plugins"}) {
    const std::filesystem::path root = source_dir() / folder;
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



/// The PHOLD cases every engine is swept over.
struct PholdCase {
  const char* lps;
  const char* seed;
  const char* lookahead;
  const char* remote;
};

inline std::vector<PholdCase> phold_cases() {
  return {{"1", "1", "0.1 ns", "0.9"},     {"7", "2", "0.1 ns", "0.5"},    {"64", "3", "0.25 ns", "0.9"},
          {"1000", "4", "0.05 ns", "1.0"}, {"4096", "5", "0.1 ns", "0.9"}, {"300", "6", "1 ps", "0.9"}};
}

inline ExperimentSpec phold_case(const PholdCase& c, const PluginRegistry& registry) {
  return load_experiment((source_dir() / "workloads/phold/equivalence.toml").string(),
                         {{"workloads.lp.count", c.lps},
                          {"seed", c.seed},
                          {"workloads.lp.lookahead", c.lookahead},
                          {"links", std::string("[{from = \"lp[*].out\", to = \"lp[*].in\", latency = \"") +
                                        c.lookahead + "\"}]"},
                          {"workloads.lp.remote", c.remote},
                          {"stop_time", "5 ns"},
                          {"stats_interval", "0.7 ns"}},
                         registry);
}

}  // namespace archlab::testing
