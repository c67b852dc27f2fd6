// The CUDA engine against the sequential reference, on a machine with a GPU. Without a device
// every test skips and says so. Plugins come from the default search path (ARCHLAB_PLUGIN_PATH
// on the GPU machine; see benchmarks/gpu_check.sh), sources from ARCHLAB_SOURCE_DIR.
#include <cstdio>

#include "../e2e/equivalence.hpp"
#include "archlab/errors.hpp"

using namespace archlab;
using namespace archlab::testing;

namespace {

const std::vector<EngineUnderTest> kCuda = {{"cuda", 1}};

const PluginRegistry& registry() {
  static const PluginRegistry plugins;
  return plugins;
}

#define REQUIRE_GPU()                                                                          \
  do {                                                                                         \
    if (!cuda_device_available()) {                                                            \
      std::fprintf(stderr, "SKIPPED: no CUDA device on this machine; the CUDA engine is not tested\n"); \
      GTEST_SKIP() << "no CUDA device on this machine";                                        \
    }                                                                                          \
  } while (0)

class CudaFile : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(CudaFile, MatchesSequential) {
  REQUIRE_GPU();
  check_engines(load_experiment(GetParam(), {}, registry()), GetParam(), kCuda);
}

INSTANTIATE_TEST_SUITE_P(Tree, CudaFile, ::testing::ValuesIn(equivalence_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = std::filesystem::path(info.param).parent_path().filename().string() +
                                              "_" + std::filesystem::path(info.param).stem().string();
                           std::replace_if(name.begin(), name.end(), [](char c) { return !std::isalnum(c); }, '_');
                           return name;
                         });

TEST(CudaEngine, PholdSweepMatchesSequential) {
  REQUIRE_GPU();
  for (const PholdCase& c : phold_cases()) {
    check_engines(phold_case(c, registry()), std::string("phold lps=") + c.lps + " lookahead=" + c.lookahead, kCuda);
  }
}

TEST(CudaEngine, LargerPholdMatchesSequential) {
  REQUIRE_GPU();
  const ExperimentSpec spec = load_experiment((source_dir() / "workloads/phold/equivalence.toml").string(),
                                              {{"workloads.lp.count", "65536"}, {"stop_time", "3 ns"}}, registry());
  check_engines(spec, "phold 64K", kCuda);
}

TEST(CudaEngine, EventLimitStopsAtTheSameWindow) {
  REQUIRE_GPU();
  const ExperimentSpec spec = load_experiment((source_dir() / "workloads/phold/equivalence.toml").string(),
                                              {{"max_events", "3000"}, {"stop_time", "1 ms"}}, registry());
  check_engines(spec, "phold event limit", kCuda);
}

TEST(CudaEngine, NoDeviceIsAClearError) {
  if (cuda_device_available()) GTEST_SKIP() << "a device is present";
  try {
    (void)make_engine("cuda");
    FAIL() << "engine 'cuda' without a device must be refused";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("engine 'cuda'"), std::string::npos) << error.what();
  }
  EXPECT_NE(make_engine("auto")->name(), "cuda");
}
