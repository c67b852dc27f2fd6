// Every engine gives the statistics and event trace of the sequential engine, bit for bit:
// windowed on 1-4 threads, and the CUDA engine's algorithm run on the host (gpu-emulated); the
// CUDA engine itself is compared by tests/gpu/ on machines with a GPU.
//
// The shared part: every file named equivalence*.toml under plugins/, workloads/ and
// tests/plugins/ is run on every engine; a plugin joins by putting one in its folder.
// PHOLD is also swept over sizes, seeds, lookaheads and thread counts.
#include "equivalence.hpp"

#include "../test_support.hpp"

using namespace archlab;
using namespace archlab::testing;

namespace {

const std::vector<EngineUnderTest> kCpuEngines = {
    {"windowed", 1}, {"windowed", 2}, {"windowed", 3}, {"windowed", 4}, {"gpu-emulated", 1}};

class EquivalenceFile : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST(EngineEquivalence, TreeHasEquivalenceFiles) {
  const auto files = equivalence_files();
  EXPECT_GE(files.size(), 2u);  // at least PHOLD and the test plugin
}

TEST_P(EquivalenceFile, EveryEngineMatchesSequential) {
  const ExperimentSpec spec = load_experiment(GetParam(), {}, archlab::testing::test_registry());
  check_engines(spec, GetParam(), kCpuEngines);
}

INSTANTIATE_TEST_SUITE_P(Tree, EquivalenceFile, ::testing::ValuesIn(equivalence_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = std::filesystem::path(info.param).parent_path().filename().string() +
                                              "_" + std::filesystem::path(info.param).stem().string();
                           std::replace_if(name.begin(), name.end(), [](char c) { return !std::isalnum(c); }, '_');
                           return name;
                         });

TEST(EngineEquivalence, PholdSweep) {
  for (const PholdCase& c : phold_cases()) {
    check_engines(phold_case(c, test_registry()), std::string("phold lps=") + c.lps + " lookahead=" + c.lookahead,
                  kCpuEngines);
  }
}

TEST(EngineEquivalence, EventLimitStopsAtTheSameWindow) {
  const ExperimentSpec spec = load_experiment((source_dir() / "workloads/phold/equivalence.toml").string(),
                                              {{"max_events", "3000"}, {"stop_time", "1 ms"}},
                                              archlab::testing::test_registry());
  const Outcome reference = run(spec, "sequential", 1);
  EXPECT_EQ(reference.result.status, "event_limit");
  check_engines(spec, "phold event limit", kCpuEngines);
}
