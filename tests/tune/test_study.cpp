// `archlab tune`'s loop on compute.systolic + workload.gemm_driver: the [tune] section, study
// files, failures as trials, resume, bad input.
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

/// The systolic experiment of systolic_tune.toml with its [tune] section replaced.
std::string experiment(const std::string& tune) {
  std::ifstream in(std::string(ARCHLAB_TUNE_TEST_DIR) + "/systolic_tune.toml");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  return text.substr(0, text.find("[tune]")) + tune;
}

const std::string kRandomTune = R"([tune]
tuner = "random"
budget = 12
batch = 4
seed = 7
conditions = ["rows * cols <= 4096"]
[tune.space]
"system.components.sa.rows" = { low = 4, high = 128, log = true }
"system.components.sa.cols" = { low = 4, high = 128, step = 4 }
"system.components.sa.dataflow" = { choices = ["os", "ws", "is"] }
[tune.objectives]
latency = { stat = "workload.gemm_driver.completion_time" }
area = { stat = "compute.systolic.area" }
[tune.constraints]
max_area = { stat = "compute.systolic.area", max = 1.0 }
)";

const std::string kGridTune = R"([tune]
tuner = "grid"
budget = 10
batch = 3
[tune.space]
"system.components.sa.rows" = { low = 8, high = 32, step = 8 }
"system.components.sa.dataflow" = { choices = ["os", "ws", "is"] }
[tune.objectives]
latency = { stat = "workload.gemm_driver.completion_time" }
)";

archlab::TuneSpec load(const std::string& tune) {
  return archlab::load_tune_text(experiment(tune), "study.toml", ARCHLAB_TUNE_TEST_DIR, {}, registry());
}

fs::path temp_file(const std::string& name) {
  return fs::temp_directory_path() / ("archlab_tune_" + std::to_string(::getpid()) + "_" + name);
}

void expect_same_trials(const std::vector<archlab::Trial>& a, const std::vector<archlab::Trial>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].number, b[i].number);
    EXPECT_EQ(a[i].batch, b[i].batch);
    EXPECT_EQ(a[i].point, b[i].point) << "trial " << i;
    EXPECT_EQ(a[i].objectives, b[i].objectives) << "trial " << i;
    EXPECT_EQ(a[i].constraints, b[i].constraints) << "trial " << i;
    EXPECT_EQ(a[i].status, b[i].status);
  }
}

TEST(Study, RandomStudyMeasuresEachReplicaAndWritesTheStudyFile) {
  const auto spec = load(kRandomTune);
  ASSERT_EQ(spec.space.size(), 3u);  // as written: rows, cols, dataflow
  EXPECT_EQ(spec.space[0].path, "system.components.sa.rows");
  const fs::path file = temp_file("random.h5");
  archlab::StudyOptions options;
  options.output = file;
  const auto report = archlab::run_study(spec, registry(), options);
  ASSERT_EQ(report.trials.size(), 12u);
  for (const auto& trial : report.trials) {
    ASSERT_TRUE(trial.ok()) << trial.status;
    const double rows = trial.point[0], cols = trial.point[1];
    EXPECT_LE(rows * cols, 4096);
    // Objectives as written: latency, area. Area is rows * cols * 0.000318 mm^2 of the replica
    // that ran this point, so a mix-up of replicas would show here.
    EXPECT_NEAR(trial.objectives[1], rows * cols * 0.000318, 1e-12);
    EXPECT_GT(trial.objectives[0], 0);
    EXPECT_NEAR(trial.constraints[0], trial.objectives[1] - 1.0, 1e-12);
    EXPECT_EQ(trial.replica, trial.number % 4);
  }
  // The first trial alone gives the same latency as in its ensemble.
  const std::vector<std::vector<double>> alone{report.trials[5].point};
  const auto single = archlab::run_experiment(archlab::batch_experiment(spec, alone, registry()));
  for (const auto& total : single.totals) {
    if (total.type == "workload.gemm_driver" && total.stat == "completion_time") {
      EXPECT_EQ(total.total, report.trials[5].objectives[0]);
    }
  }

  const auto stored = archlab::read_study_file(file, spec);
  expect_same_trials(stored.trials, report.trials);
  EXPECT_EQ(stored.tuner, "random");
  EXPECT_FALSE(stored.tuner_state.empty());
  EXPECT_EQ(report.pareto, archlab::study_pareto(spec, report.trials));
  for (std::uint32_t row : report.pareto) EXPECT_TRUE(report.trials[row].feasible());
  fs::remove(file);
}

TEST(Study, GridStudyEnumeratesTheSpaceAndStopsWhenExhausted) {
  const auto spec = load(kGridTune);
  const auto report = archlab::run_study(spec, registry());
  ASSERT_EQ(report.trials.size(), 10u);  // the budget cuts the 12-point grid
  EXPECT_EQ(report.trials[0].point, (std::vector<double>{8, 0}));
  EXPECT_EQ(report.trials[1].point, (std::vector<double>{8, 1}));  // dataflow (the last written) fastest
  EXPECT_EQ(report.trials[9].point, (std::vector<double>{32, 0}));
  EXPECT_EQ(report.trials[9].batch, 3u);
  ASSERT_TRUE(report.best.has_value());

  auto more = load(std::string(kGridTune).replace(kGridTune.find("budget = 10"), 11, "budget = 20"));
  const auto all = archlab::run_study(more, registry());
  EXPECT_EQ(all.trials.size(), 12u);
  EXPECT_TRUE(all.exhausted);
  // The best latency: every point is evaluated, so the reported best is the minimum.
  double best = INFINITY;
  for (const auto& trial : all.trials) best = std::min(best, trial.objectives[0]);
  EXPECT_EQ(all.trials[*all.best].objectives[0], best);
}

TEST(Study, InvalidDesignPointsAreFailedTrialsNotACrashedStudy) {
  // rows = 0 is outside compute.systolic's range: a ConfigError for that point only.
  const auto spec = load(R"([tune]
tuner = "grid"
budget = 3
batch = 3
[tune.space]
"system.components.sa.rows" = { choices = [0, 8, 16] }
[tune.objectives]
latency = { stat = "workload.gemm_driver.completion_time" }
)");
  const fs::path file = temp_file("failed.h5");
  archlab::StudyOptions options;
  options.output = file;
  const auto report = archlab::run_study(spec, registry(), options);
  ASSERT_EQ(report.trials.size(), 3u);
  EXPECT_FALSE(report.trials[0].ok());
  EXPECT_NE(report.trials[0].status.find("failed: invalid design"), std::string::npos) << report.trials[0].status;
  EXPECT_NE(report.trials[0].status.find("out of range"), std::string::npos) << report.trials[0].status;
  EXPECT_TRUE(std::isnan(report.trials[0].objectives[0]));
  EXPECT_TRUE(report.trials[1].ok());
  EXPECT_TRUE(report.trials[2].ok());
  EXPECT_EQ(report.pareto, (std::vector<std::uint32_t>{2}));  // 16 rows beat 8
  const auto stored = archlab::read_study_file(file, spec);
  EXPECT_EQ(stored.trials[0].status.substr(0, 7), "failed:");
  fs::remove(file);
}

/// An interrupted study (stopped after some batches, as a kill between batches leaves it)
/// resumed to the end has the same trials as an uninterrupted one.
void check_resume(const std::string& tune, const std::string& name) {
  const auto spec = load(tune);
  const fs::path whole = temp_file(name + "_whole.h5");
  const fs::path pieces = temp_file(name + "_pieces.h5");
  archlab::StudyOptions options;
  options.output = whole;
  const auto uninterrupted = archlab::run_study(spec, registry(), options);

  options.output = pieces;
  options.max_batches = 1;
  EXPECT_EQ(archlab::run_study(spec, registry(), options).trials.size(), spec.batch);
  options.output.clear();
  options.resume = pieces;
  EXPECT_EQ(archlab::run_study(spec, registry(), options).trials.size(), 2u * spec.batch);
  options.max_batches = 0;
  const auto resumed = archlab::run_study(spec, registry(), options);
  expect_same_trials(resumed.trials, uninterrupted.trials);
  expect_same_trials(archlab::read_study_file(pieces, spec).trials, uninterrupted.trials);
  EXPECT_EQ(resumed.pareto, uninterrupted.pareto);

  // Resuming a finished study runs nothing more.
  EXPECT_EQ(archlab::run_study(spec, registry(), options).trials.size(), uninterrupted.trials.size());
  fs::remove(whole);
  fs::remove(pieces);
}

TEST(Study, ResumedRandomStudyEqualsUninterruptedOne) { check_resume(kRandomTune, "random"); }
TEST(Study, ResumedGridStudyEqualsUninterruptedOne) { check_resume(kGridTune, "grid"); }

TEST(Study, ResumeRefusesAStudyOfAnotherExperiment) {
  const auto spec = load(kGridTune);
  const fs::path file = temp_file("other.h5");
  archlab::StudyOptions options;
  options.output = file;
  options.max_batches = 1;
  (void)archlab::run_study(spec, registry(), options);
  auto other = load(std::string(kGridTune).replace(kGridTune.find("budget = 10"), 11, "budget = 11"));
  archlab::StudyOptions resume;
  resume.resume = file;
  EXPECT_THROW((void)archlab::run_study(other, registry(), resume), archlab::ConfigError);
  resume.resume = temp_file("missing.h5");
  EXPECT_THROW((void)archlab::run_study(spec, registry(), resume), archlab::ConfigError);
  fs::remove(file);
}

void expect_config_error(const std::string& tune, const std::string& words) {
  try {
    (void)load(tune);
    ADD_FAILURE() << "no error for:\n" << tune;
  } catch (const archlab::ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find(words), std::string::npos) << error.what();
  }
}

TEST(TuneConfig, BadInputIsAConfigErrorBeforeAnyTrial) {
  const std::string objectives = "[tune.objectives]\nlatency = { stat = \"workload.gemm_driver.completion_time\" }\n";
  const std::string space = "[tune.space]\n\"system.components.sa.rows\" = { low = 4, high = 8 }\n";
  expect_config_error("[tune]\ntuner = \"random\"\nbudget = 4\n[tune.space]\n" + objectives, "tune.space is empty");
  expect_config_error("[tune]\ntuner = \"random\"\nbudget = 4\n" + objectives, "tune.space is empty");
  expect_config_error("[tune]\ntuner = \"random\"\nbudget = 4\n" + space +
                          "[tune.objectives]\nlatency = { stat = \"workload.gemm_driver.latencyy\" }\n",
                      "has no statistic 'latencyy' (did you mean 'latency'?)");
  expect_config_error("[tune]\ntuner = \"random\"\nbudget = 4\n" + space +
                          "[tune.objectives]\nlatency = { stat = \"compute.nothing.x\" }\n",
                      "unknown statistic 'compute.nothing.x'");
  expect_config_error("[tune]\ntuner = \"random\"\nbudget = 4\nbatch = 8\n" + space + objectives,
                      "tune.budget (4) is smaller than one batch (tune.batch = 8)");
  expect_config_error("[tune]\ntuner = \"randon\"\nbudget = 4\n" + space + objectives,
                      "unknown tuner 'randon' (did you mean 'random'?)");
  expect_config_error("[tune]\ntuner = \"workload.phold\"\nbudget = 4\n" + space + objectives, "not a tuner");
  expect_config_error("[tune]\ntuner = \"random\"\nbudget = 4\n[tune.space]\n\"system.components.sa.rowz\" = { low = 4, "
                      "high = 8 }\n" + objectives,
                      "compute.systolic has no parameter 'rowz' (did you mean 'rows'?)");
  expect_config_error("[tune]\ntuner = \"random\"\nbudget = 4\n[tune.space]\n\"system.components.sa.rows\" = { low = 8, "
                      "high = 4 }\n" + objectives,
                      "low <= high");
  expect_config_error("[tune]\ntuner = \"random\"\nbudget = 4\nconditions = [\"rows * colz <= 9\"]\n" + space + objectives,
                      "'colz' is not a dimension");
  expect_config_error("[tune]\ntuner = \"random\"\nbudget = 4\n[tune.params]\nmax_triez = 3\n" + space + objectives,
                      "unknown parameter 'max_triez'");
  expect_config_error("[tune]\ntuner = \"random\"\nbudget = 4\n" + space, "[tune.objectives] is empty");
}

}  // namespace

TEST(Study, SetReachesTheTuneSection) {
  const archlab::TuneSpec spec = archlab::load_tune_text(experiment(kRandomTune), "study.toml", ARCHLAB_TUNE_TEST_DIR,
                                                         {{"tune.budget", "8"}, {"tune.batch", "2"}}, registry());
  EXPECT_EQ(spec.budget, 8u);
  EXPECT_EQ(spec.batch, 2u);
}
