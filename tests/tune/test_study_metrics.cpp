// Failures as trials (simulated-time limit, event limit, deadlock), named objectives (latency,
// energy, area, edp, throughput) and workload variants with aggregates, on compute.systolic +
// workload.gemm_driver (tests/tune/systolic_tune.toml).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "archlab/errors.hpp"
#include "archlab/run.hpp"
#include "archlab/tune.hpp"

namespace {

namespace fs = std::filesystem;

const archlab::PluginRegistry& registry() {
  static const archlab::PluginRegistry instance({ARCHLAB_PLUGIN_DIR});
  return instance;
}

/// The systolic experiment with `top` (top-level keys) first and its [tune] section replaced.
std::string experiment(const std::string& tune, const std::string& top = "") {
  std::ifstream in(std::string(ARCHLAB_TUNE_TEST_DIR) + "/systolic_tune.toml");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  return top + text.substr(0, text.find("[tune]")) + tune;
}

archlab::TuneSpec load(const std::string& tune, const std::string& top = "") {
  return archlab::load_tune_text(experiment(tune, top), "metrics.toml", ARCHLAB_TUNE_TEST_DIR, {}, registry());
}

double stat(const archlab::RunReport& report, std::uint32_t replica, const std::string& type, const std::string& name) {
  double sum = 0;
  for (const auto& total : report.totals) {
    if (total.replica == replica && total.type == type && total.stat == name) sum += total.total;
  }
  return sum;
}

/// A single point's run (no limits): its report.
archlab::RunReport alone(const archlab::TuneSpec& spec, const std::vector<double>& point, std::size_t variant = 0) {
  const std::vector<std::vector<double>> points{point};
  return archlab::run_experiment(archlab::batch_experiment(spec, points, registry(), variant));
}

// rows: choices [64, 4] (the grid proposes 64 first, then 4): 4 rows is the slow point.
const std::string kRowsTune = R"([tune]
tuner = "grid"
budget = 2
batch = 2
[tune.space]
"system.components.sa.rows" = { choices = [64, 4] }
[tune.objectives]
latency = { stat = "workload.gemm_driver.completion_time" }
)";

TEST(StudyFailures, PassingTheSimulatedTimeLimitFailsOnlyThatPoint) {
  const auto free = load(kRowsTune);
  const double fast = stat(alone(free, {0}), 0, "workload.gemm_driver", "completion_time");
  const double slow = stat(alone(free, {1}), 0, "workload.gemm_driver", "completion_time");
  ASSERT_LT(fast * 2, slow);
  const auto stop = static_cast<long long>((fast + slow) / 2);
  for (const char* batch : {"batch = 2", "batch = 1"}) {
    std::string tune = kRowsTune;
    tune.replace(tune.find("batch = 2"), 9, batch);
    const auto spec = load(tune, "stop_time = \"" + std::to_string(stop) + " ps\"\n");
    const auto report = archlab::run_study(spec, registry());
    ASSERT_EQ(report.trials.size(), 2u);
    EXPECT_TRUE(report.trials[0].ok()) << report.trials[0].status;
    EXPECT_EQ(report.trials[0].objectives[0], fast);
    EXPECT_EQ(report.trials[1].status, "failed: passed the simulated-time limit") << batch;
    EXPECT_TRUE(std::isnan(report.trials[1].objectives[0]));
    EXPECT_EQ(report.pareto, (std::vector<std::uint32_t>{0}));
  }
}

TEST(StudyFailures, PassingTheEventLimitFailsOnlyThatPoint) {
  const std::string tune = R"([tune]
tuner = "grid"
budget = 2
batch = 2
[tune.space]
"workloads.ctrl.tiles" = { choices = [40, 2] }
[tune.objectives]
latency = { stat = "workload.gemm_driver.completion_time" }
)";
  const auto free = load(tune);
  const auto many = alone(free, {0}).result.events;
  const auto few = alone(free, {1}).result.events;
  ASSERT_LT(few * 4, many);
  const auto spec = load(tune, "max_events = " + std::to_string((many + few) / 2) + "\n");
  const auto report = archlab::run_study(spec, registry());
  ASSERT_EQ(report.trials.size(), 2u);
  EXPECT_EQ(report.trials[0].status, "failed: passed the event limit");
  EXPECT_TRUE(report.trials[1].ok()) << report.trials[1].status;
}

TEST(StudyFailures, AWorkloadThatStopsUnfinishedIsADeadlock) {
  // 2 tiles end with no pending events but only 2 answers of the 4 that `finished` asks for.
  for (const char* batch : {"batch = 2", "batch = 1"}) {
    const auto spec = load(std::string(R"([tune]
tuner = "grid"
budget = 2
)") + batch + R"(
finished = { stat = "workload.gemm_driver.done", min = 4 }
[tune.space]
"workloads.ctrl.tiles" = { choices = [2, 4] }
[tune.objectives]
latency = { stat = "workload.gemm_driver.completion_time" }
)");
    const auto report = archlab::run_study(spec, registry());
    ASSERT_EQ(report.trials.size(), 2u);
    EXPECT_EQ(report.trials[0].status, "failed: deadlock: no pending events while workload.gemm_driver.done = 2 < 4")
        << batch;
    EXPECT_TRUE(report.trials[1].ok()) << report.trials[1].status;
  }
}

TEST(StudyMetrics, NamedObjectivesMeasureEachReplica) {
  const auto spec = load(R"([tune]
tuner = "random"
budget = 6
batch = 3
seed = 3
latency = "workload.gemm_driver.completion_time"
work = "workload.gemm_driver.macs"
[tune.space]
"system.components.sa.rows" = { low = 4, high = 64, log = true }
"system.components.sa.cols" = { low = 4, high = 64 }
[tune.objectives]
area = { stat = "area" }
edp = { stat = "edp" }
energy = { stat = "energy" }
latency = { stat = "latency" }
throughput = { stat = "throughput" }
[tune.constraints]
small = { stat = "area", max = 0.5 }
)");
  ASSERT_EQ(spec.objectives.size(), 5u);
  EXPECT_TRUE(spec.objectives[4].maximize);  // throughput's goal defaults to max
  EXPECT_FALSE(spec.objectives[0].maximize);
  const auto report = archlab::run_study(spec, registry());
  ASSERT_EQ(report.trials.size(), 6u);
  for (const auto& trial : report.trials) {
    ASSERT_TRUE(trial.ok()) << trial.status;
    EXPECT_EQ(trial.replica, trial.number % 3);  // ensembles: no whole-run metric
    const auto single = alone(spec, trial.point);
    const double area = stat(single, 0, "compute.systolic", "area");
    const double energy = stat(single, 0, "compute.systolic", "energy");
    const double latency = stat(single, 0, "workload.gemm_driver", "completion_time");
    const double macs = stat(single, 0, "workload.gemm_driver", "macs");
    EXPECT_NEAR(trial.objectives[0], trial.point[0] * trial.point[1] * 0.000318, 1e-12);
    EXPECT_DOUBLE_EQ(trial.objectives[0], area);
    EXPECT_DOUBLE_EQ(trial.objectives[2], energy);
    EXPECT_GT(energy, 0);
    EXPECT_DOUBLE_EQ(trial.objectives[3], latency);
    EXPECT_DOUBLE_EQ(trial.objectives[1], energy * latency);
    EXPECT_DOUBLE_EQ(trial.objectives[4], macs / (latency * 1e-12));
    EXPECT_DOUBLE_EQ(trial.constraints[0], area - 0.5);
  }
}

TEST(StudyMetrics, LatencyWithoutALatencyStatisticIsTheRunsFinalTime) {
  const auto spec = load(R"([tune]
tuner = "grid"
budget = 2
batch = 2
[tune.space]
"system.components.sa.rows" = { choices = [64, 4] }
[tune.objectives]
latency = { stat = "latency" }
)");
  const auto report = archlab::run_study(spec, registry());
  ASSERT_EQ(report.trials.size(), 2u);
  for (const auto& trial : report.trials) {
    ASSERT_TRUE(trial.ok()) << trial.status;
    EXPECT_EQ(trial.replica, 0u);  // every point alone
    EXPECT_EQ(trial.objectives[0], static_cast<double>(alone(spec, trial.point).result.final_time));
  }
}

const std::string kVariantsTune = R"([tune]
tuner = "random"
budget = 4
batch = 2
seed = 5
latency = "workload.gemm_driver.completion_time"
workloads = [{ name = "small", set = { "workloads.ctrl.m" = 32, "workloads.ctrl.tiles" = 2 } },
             { name = "large", set = { "workloads.ctrl.m" = 256, "workloads.ctrl.tiles" = 6 } }]
[tune.space]
"system.components.sa.rows" = { low = 4, high = 64 }
"system.components.sa.cols" = { low = 4, high = 64 }
[tune.objectives]
energy = { stat = "energy", aggregate = "max" }
latency = { stat = "latency", aggregate = "geomean" }
small_latency = { stat = "latency", workload = "small" }
mean_latency = { stat = "latency" }
[tune.constraints]
quick = { stat = "latency", max = 1e12 }
)";

TEST(StudyWorkloads, EachPointRunsEveryVariantInOneEnsembleAndAggregates) {
  const auto spec = load(kVariantsTune);
  ASSERT_EQ(spec.variants(), 2u);
  // objectives as written: energy, latency, small_latency, mean_latency
  ASSERT_EQ(spec.per_variant_objectives(), (std::vector<std::size_t>{0, 1, 3}));
  const std::vector<std::vector<double>> two{{8, 8}, {16, 16}};
  EXPECT_EQ(archlab::batch_experiment(spec, two, registry()).replicas, 4u);

  const fs::path file = fs::temp_directory_path() / ("archlab_variants_" + std::to_string(::getpid()) + ".h5");
  archlab::StudyOptions options;
  options.output = file;
  const auto report = archlab::run_study(spec, registry(), options);
  ASSERT_EQ(report.trials.size(), 4u);
  for (const auto& trial : report.trials) {
    ASSERT_TRUE(trial.ok()) << trial.status;
    EXPECT_EQ(trial.replica, (trial.number % 2) * 2);
    double latency[2], energy[2];
    for (std::size_t v = 0; v < 2; ++v) {
      const auto single = alone(spec, trial.point, v);
      latency[v] = stat(single, 0, "workload.gemm_driver", "completion_time");
      energy[v] = stat(single, 0, "compute.systolic", "energy");
    }
    EXPECT_LT(latency[0], latency[1]);
    EXPECT_DOUBLE_EQ(trial.objectives[0], std::max(energy[0], energy[1]));
    const double geomean = std::sqrt(latency[0] * latency[1]);
    EXPECT_NEAR(trial.objectives[1], geomean, 1e-12 * geomean);
    EXPECT_DOUBLE_EQ(trial.objectives[2], latency[0]);
    EXPECT_DOUBLE_EQ(trial.objectives[3], (latency[0] + latency[1]) / 2);
    EXPECT_DOUBLE_EQ(trial.constraints[0], latency[1] - 1e12);  // the worst variant
    EXPECT_EQ(trial.variant_objectives,
              (std::vector<double>{energy[0], energy[1], latency[0], latency[1], latency[0], latency[1]}));
  }
  const auto stored = archlab::read_study_file(file, spec);
  ASSERT_EQ(stored.trials.size(), 4u);
  for (std::size_t t = 0; t < 4; ++t) EXPECT_EQ(stored.trials[t].variant_objectives, report.trials[t].variant_objectives);

  // Resume reads the per-variant columns back and continues to the same trials.
  archlab::StudyOptions first;
  first.output = file;
  first.max_batches = 1;
  (void)archlab::run_study(spec, registry(), first);
  archlab::StudyOptions resume;
  resume.resume = file;
  const auto resumed = archlab::run_study(spec, registry(), resume);
  ASSERT_EQ(resumed.trials.size(), 4u);
  for (std::size_t t = 0; t < 4; ++t) {
    EXPECT_EQ(resumed.trials[t].objectives, report.trials[t].objectives);
    EXPECT_EQ(resumed.trials[t].variant_objectives, report.trials[t].variant_objectives);
  }
  fs::remove(file);
}

TEST(StudyWorkloads, AVariantThatFailsFailsTheDesignPoint) {
  std::string tune = kVariantsTune;
  tune.replace(tune.find("\"workloads.ctrl.m\" = 256"), 24, "\"workloads.ctrl.m\" = 0");  // out of range
  const auto report = archlab::run_study(load(tune), registry());
  ASSERT_EQ(report.trials.size(), 4u);
  for (const auto& trial : report.trials) {
    EXPECT_FALSE(trial.ok());
    EXPECT_NE(trial.status.find("invalid design"), std::string::npos) << trial.status;
    EXPECT_TRUE(std::isnan(trial.variant_objectives.at(0)));
  }
}

void expect_config_error(const std::string& tune, const std::string& words) {
  try {
    (void)load(tune);
    ADD_FAILURE() << "no error for:\n" << tune;
  } catch (const archlab::ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find(words), std::string::npos) << error.what();
  }
}

TEST(TuneConfigMetrics, BadNamedMetricsAndVariantsAreConfigErrors) {
  const std::string head = "[tune]\ntuner = \"random\"\nbudget = 4\n";
  const std::string space = "[tune.space]\n\"system.components.sa.rows\" = { low = 4, high = 8 }\n";
  expect_config_error(head + space + "[tune.objectives]\nt = { stat = \"throughput\" }\n", "needs [tune] `work");
  expect_config_error(head + "latency = \"compute.systolic.area\"\n" + space + "[tune.objectives]\nl = { stat = \"latency\" }\n",
                      "not a unit of time");
  expect_config_error(head + "latency = \"sim_time\"\n" + space + "[tune.objectives]\nl = { stat = \"latency\" }\n",
                      "must be a statistic");
  expect_config_error(head + space + "[tune.objectives]\nl = { stat = \"latencyy\" }\n", "did you mean 'latency'");
  expect_config_error(head + space + "[tune.objectives]\nl = { stat = \"latency\", aggregate = \"median\" }\n",
                      "`aggregate` is");
  expect_config_error(head + "finished = { stat = \"workload.gemm_driver.done\" }\n" + space +
                          "[tune.objectives]\nl = { stat = \"latency\" }\n",
                      "tune.finished needs");
  const std::string variants =
      "workloads = [{ name = \"a\", set = { \"workloads.ctrl.m\" = 32 } }, { name = \"b\", set = { \"workloads.ctrl.n\" = 32 } }]\n";
  expect_config_error(head + variants + space + "[tune.objectives]\nl = { stat = \"latency\" }\n", "every variant sets the same");
  expect_config_error(head + "workloads = [{ name = \"a\", set = { \"system.components.sa.rows\" = 4 } }]\n" + space +
                          "[tune.objectives]\nl = { stat = \"latency\" }\n",
                      "a dimension of the space");
  expect_config_error(head + "workloads = [{ name = \"a\", set = { \"workloads.ctrl.mm\" = 4 } }]\n" + space +
                          "[tune.objectives]\nl = { stat = \"latency\" }\n",
                      "has no parameter 'mm'");
  expect_config_error(head + "workloads = [{ name = \"a\" }, { name = \"a\" }]\n" + space +
                          "[tune.objectives]\nl = { stat = \"latency\" }\n",
                      "appears twice");
  expect_config_error(head + "workloads = [{ name = \"a\" }]\n" + space +
                          "[tune.objectives]\nl = { stat = \"latency\", workload = \"b\" }\n",
                      "must name a variant");
}

}  // namespace

namespace {

// On the sequential engine a batch is shared out over the experiment's `threads`, one ensemble
// per worker: the trials must be exactly those of one ensemble per batch.
TEST(StudyWorkers, SharingABatchOverThreadsGivesTheSameTrials) {
  const auto one = archlab::run_study(load(kVariantsTune, "threads = 1\n"), registry());
  const auto shared = archlab::run_study(load(kVariantsTune, "threads = 3\n"), registry());
  // `auto` without a GPU shares the batch out the same way (with one, the GPU takes it whole).
  const auto automatic = archlab::run_study(
      archlab::load_tune_text(experiment(kVariantsTune, "threads = 2\n"), "metrics.toml", ARCHLAB_TUNE_TEST_DIR,
                              {{"engine", "auto"}}, registry()),
      registry());
  ASSERT_EQ(one.trials.size(), 4u);
  for (const auto* other : {&shared, &automatic}) {
    ASSERT_EQ(other->trials.size(), one.trials.size());
    for (std::size_t i = 0; i < one.trials.size(); ++i) {
      EXPECT_EQ(other->trials[i].status, one.trials[i].status) << i;
      EXPECT_EQ(other->trials[i].point, one.trials[i].point) << i;
      EXPECT_EQ(other->trials[i].objectives, one.trials[i].objectives) << i;
      EXPECT_EQ(other->trials[i].constraints, one.trials[i].constraints) << i;
      EXPECT_EQ(other->trials[i].variant_objectives, one.trials[i].variant_objectives) << i;
      EXPECT_EQ(other->trials[i].replica, one.trials[i].replica) << i;
    }
  }
}

}  // namespace
