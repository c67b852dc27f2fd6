// Ensembles: N replicas of a system in one run, each with its own parameter values, each giving
// exactly the results it gives when run alone.
#include <gtest/gtest.h>

#include "../test_support.hpp"
#include "archlab/config.hpp"
#include "archlab/engine.hpp"
#include "archlab/errors.hpp"
#include "archlab/run.hpp"
#include "h5_read.hpp"

using namespace archlab;
using archlab::testing::contains;

namespace {

const std::string kPhold = R"(stop_time = "20 ns"
[system.components]
[workloads.lp]
type = "workload.phold"
count = 100
events_per_lp = 4
[[links]]
from = "lp[*].out"
to = "lp[*].in"
latency = "0.1 ns"
)";

const std::string kEnsemble = R"([ensemble]
replicas = 3
[ensemble.vary]
"workloads.lp.remote" = [0.1, 0.5, 0.9]
"workloads.lp.mean" = ["1 ns", "2 ns", "0.5 ns"]
)";

ExperimentSpec load(const std::string& text, const std::vector<Override>& overrides = {}) {
  return load_experiment_text(text, "ensemble.toml", ".", overrides, archlab::testing::test_registry());
}

/// Per-instance statistics of one run, split by replica.
std::vector<std::vector<double>> per_replica(const ExperimentSpec& spec, const std::string& engine) {
  SystemInstance system(spec.system, spec.seed);
  EngineOptions options;
  options.stop_time = spec.stop_time;
  options.threads = 2;
  (void)make_engine(engine)->run(system, options, nullptr);
  std::vector<std::vector<double>> split(system.replicas());
  const auto& type = *system.types()[0];
  for (std::uint32_t i = 0; i < type.rt.count; ++i) {
    for (std::uint32_t s = 0; s < type.rt.nstats; ++s) {
      split[system.replica_of(type.rt.base + i)].push_back(type.stats[i * type.rt.nstats + s]);
    }
  }
  return split;
}

}  // namespace

TEST(Ensemble, EachReplicaMatchesItsSoloRun) {
  const ExperimentSpec ensemble = load(kPhold + kEnsemble);
  EXPECT_EQ(ensemble.replicas, 3u);
  EXPECT_EQ(ensemble.system.components.size(), 3u);
  const char* remote[] = {"0.1", "0.5", "0.9"};
  const char* mean[] = {"1 ns", "2 ns", "0.5 ns"};
  for (const char* engine : {"sequential", "windowed"}) {
    const auto together = per_replica(ensemble, engine);
    ASSERT_EQ(together.size(), 3u);
    for (int r = 0; r < 3; ++r) {
      const auto alone = per_replica(load(kPhold, {{"workloads.lp.remote", remote[r]}, {"workloads.lp.mean", mean[r]}}),
                                     "sequential");
      EXPECT_EQ(together[r], alone[0]) << engine << " replica " << r;
    }
    EXPECT_NE(together[0], together[2]);
  }
}

TEST(Ensemble, FileRecordsReplicasAndCliPrintsThem) {
  archlab::testing::TempDir dir;
  const auto path = dir.path() / "ensemble.h5";
  const RunReport report = run_experiment(load(kPhold + kEnsemble, {{"output", "\"" + path.string() + "\""}}));
  EXPECT_EQ(report.replicas, 3u);
  ASSERT_EQ(report.totals.size(), 6u);  // 3 replicas x 2 statistics
  EXPECT_EQ(report.totals[4].replica, 2u);
  archlab::testing::H5File file(path.string());
  EXPECT_EQ(file.shape("/components"), (std::vector<hsize_t>{300}));
  // replica column: the compound's "replica" member
  const hid_t set = H5Dopen2(file.id(), "/components", H5P_DEFAULT);
  const hid_t type = H5Tcreate(H5T_COMPOUND, sizeof(std::uint32_t));
  H5Tinsert(type, "replica", 0, H5T_NATIVE_UINT32);
  std::vector<std::uint32_t> replica(300);
  ASSERT_GE(H5Dread(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, replica.data()), 0);
  H5Tclose(type);
  H5Dclose(set);
  EXPECT_EQ(replica[0], 0u);
  EXPECT_EQ(replica[150], 1u);
  EXPECT_EQ(replica[299], 2u);
}

TEST(Ensemble, BadVaryIsAConfigError) {
  auto error_of = [](const std::string& text) -> std::string {
    try {
      load(text);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_TRUE(contains(error_of(kPhold + "[ensemble]\nreplicas = 2\n[ensemble.vary]\n\"workloads.lp.remote\" = [0.1]\n"),
                       "needs an array of 2 values"));
  EXPECT_TRUE(contains(error_of(kPhold + "[ensemble]\nreplicas = 2\n[ensemble.vary]\n\"seed\" = [1, 2]\n"),
                       "must name a system or workload parameter"));
  EXPECT_TRUE(contains(error_of(kPhold + "[ensemble]\nreplicas = 0\n"), "ensemble.replicas"));
  EXPECT_TRUE(contains(error_of(kPhold + "[ensemble]\nreplicas = 2\n[ensemble.vary]\n\"workloads.lp.remote\" = [0.1, 2.0]\n"),
                       "out of range"));
}
