// [tune.screen]: candidates estimated analytically, the best simulated event by event; the study
// file's fidelity column, fronts of simulated trials only, resume, and the section's errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "archlab/errors.hpp"
#include "archlab/tune.hpp"

namespace {

namespace fs = std::filesystem;

const archlab::PluginRegistry& registry() {
  static const archlab::PluginRegistry instance({ARCHLAB_PLUGIN_DIR});
  return instance;
}

/// The many-core MLP example with a [tune] section: three dimensions that move latency and energy.
std::string experiment(const std::string& tune_extra, const std::string& objectives = "") {
  std::ifstream in(std::string(ARCHLAB_SOURCE_DIR) + "/examples/manycore_mlp.toml");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str() + R"(
[tune]
tuner = "random"
budget = 8
batch = 4
seed = 3
latency = "workload.dnn.latency"
finished = { stat = "workload.dnn.done", min = 1 }
[tune.space]
"system.components.core.rows" = { choices = [4, 8, 16] }
"workloads.dnn.min_tiles" = { choices = [1, 4, 16, 64] }
"workloads.dnn.policy" = { choices = ["round_robin", "least_loaded"] }
[tune.objectives]
)" + (objectives.empty() ? "latency = { stat = \"latency\" }\nenergy = { stat = \"energy\" }\n" : objectives) +
         tune_extra;
}

const std::string kScreen = "[tune.screen]\nfidelity = \"analytical\"\nkeep = 0.25\n";

archlab::TuneSpec load(const std::string& text) {
  return archlab::load_tune_text(text, "screen.toml", std::string(ARCHLAB_SOURCE_DIR) + "/examples", {}, registry());
}

fs::path temp_file(const std::string& name) {
  return fs::temp_directory_path() / ("archlab_screen_" + std::to_string(::getpid()) + "_" + name);
}

TEST(Screen, EstimatesEveryCandidateAndSimulatesTheBestOfEachBatch) {
  const auto spec = load(experiment(kScreen));
  ASSERT_TRUE(spec.screen.enabled);
  EXPECT_DOUBLE_EQ(spec.screen.keep, 0.25);
  const fs::path file = temp_file("whole.h5");
  archlab::StudyOptions options;
  options.output = file;
  const auto report = archlab::run_study(spec, registry(), options);
  // Two batches of 16 candidates (4 / 0.25), 4 of each simulated: the budget counts those.
  ASSERT_EQ(report.trials.size(), 40u);
  std::size_t simulated = 0;
  std::vector<std::vector<double>> done; // points simulated in the batches before
  for (std::uint32_t b = 0; b < 2; ++b) {
    std::vector<archlab::Trial> candidates, kept;
    for (const auto& trial : report.trials) {
      if (trial.batch != b) continue;
      ASSERT_TRUE(trial.ok()) << trial.status;
      (trial.fidelity == "analytical" ? candidates : kept).push_back(trial);
    }
    ASSERT_EQ(candidates.size(), 16u);
    ASSERT_EQ(kept.size(), 4u);
    simulated += kept.size();
    // The simulated points are the four best estimates, in that order, among the designs not
    // simulated before (in an earlier batch, or earlier in this one): the 24-point space gives
    // repeats among 16 random candidates, and a repeat would spend the budget on a known result.
    std::vector<std::size_t> best;
    for (std::size_t i : archlab::screen_best(spec, candidates, candidates.size())) {
      const auto& point = candidates[i].point;
      const bool seen =
          std::find(done.begin(), done.end(), point) != done.end() ||
          std::any_of(best.begin(), best.end(), [&](std::size_t c) { return candidates[c].point == point; });
      if (!seen && best.size() < 4) best.push_back(i);
    }
    ASSERT_EQ(best.size(), 4u) << "batch " << b << ": the test expects enough new designs";
    for (const auto& trial : kept)
      done.push_back(trial.point);
    for (std::size_t i = 0; i < 4; ++i) {
      EXPECT_EQ(kept[i].fidelity, "event");
      EXPECT_EQ(kept[i].point, candidates[best[i]].point) << "batch " << b << " kept " << i;
      // The estimate and the simulation of one design: bytes are exact, latency within 25%.
      EXPECT_NEAR(candidates[best[i]].objectives[1] / kept[i].objectives[1], 1.0, 0.25);
    }
  }
  EXPECT_EQ(simulated, spec.budget);
  // Fronts and "best" are of simulated trials only.
  ASSERT_FALSE(report.pareto.empty());
  for (std::uint32_t t : report.pareto)
    EXPECT_EQ(report.trials[t].fidelity, "event") << "trial " << t;

  // The study file keeps each trial's fidelity.
  const auto stored = archlab::read_study_file(file, spec);
  ASSERT_EQ(stored.trials.size(), report.trials.size());
  for (std::size_t i = 0; i < stored.trials.size(); ++i) {
    EXPECT_EQ(stored.trials[i].fidelity, report.trials[i].fidelity) << "trial " << i;
    EXPECT_EQ(stored.trials[i].objectives, report.trials[i].objectives) << "trial " << i;
  }
  fs::remove(file);
}

TEST(Screen, AnInterruptedStudyResumesToTheSameTrials) {
  const auto spec = load(experiment(kScreen));
  const auto whole = archlab::run_study(spec, registry());
  const fs::path file = temp_file("pieces.h5");
  archlab::StudyOptions options;
  options.output = file;
  options.max_batches = 1;
  EXPECT_EQ(archlab::run_study(spec, registry(), options).trials.size(), 20u);
  options.output.clear();
  options.resume = file;
  options.max_batches = 0;
  const auto resumed = archlab::run_study(spec, registry(), options);
  ASSERT_EQ(resumed.trials.size(), whole.trials.size());
  for (std::size_t i = 0; i < whole.trials.size(); ++i) {
    EXPECT_EQ(resumed.trials[i].point, whole.trials[i].point) << "trial " << i;
    EXPECT_EQ(resumed.trials[i].fidelity, whole.trials[i].fidelity) << "trial " << i;
    EXPECT_EQ(resumed.trials[i].objectives, whole.trials[i].objectives) << "trial " << i;
  }
  EXPECT_EQ(resumed.pareto, whole.pareto);
  fs::remove(file);
}

TEST(Screen, WithoutTheSectionEveryTrialIsSimulated) {
  const auto spec = load(experiment(""));
  EXPECT_FALSE(spec.screen.enabled);
  const auto report = archlab::run_study(spec, registry());
  ASSERT_EQ(report.trials.size(), 8u);
  for (const auto& trial : report.trials)
    EXPECT_EQ(trial.fidelity, "event");
}

TEST(Screen, BestIsFrontFirstThenInfeasibleThenFailed) {
  const auto spec = load(experiment(kScreen)); // objectives energy, latency (key order), both minimized
  const auto trial = [](double energy, double latency, std::vector<double> constraints = {}, bool ok = true) {
    archlab::Trial t;
    t.objectives = {energy, latency};
    t.constraints = std::move(constraints);
    if (!ok) t.status = "failed: invalid design";
    return t;
  };
  std::vector<archlab::Trial> trials{trial(5, 5), trial(1, 9), trial(9, 1),
                                     trial(2, 2), trial(6, 6), trial(0, 0, {}, false)};
  EXPECT_EQ(archlab::screen_best(spec, trials, 6), (std::vector<std::size_t>{3, 1, 2, 0, 4, 5}));
  EXPECT_EQ(archlab::screen_best(spec, trials, 2), (std::vector<std::size_t>{3, 1}));
}

void expect_error(const std::string& text, const std::string& part) {
  try {
    (void)load(text);
    ADD_FAILURE() << "expected a ConfigError containing: " << part;
  } catch (const archlab::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST(Screen, BadSectionsAreRefusedBeforeAnyTrial) {
  expect_error(experiment("[tune.screen]\nfidelity = \"analytical\"\nkeep = 0\n"),
               "tune.screen needs `keep`, the fraction of the candidates simulated event by event, in (0, 1]");
  expect_error(experiment("[tune.screen]\nfidelity = \"analytical\"\n"), "tune.screen needs `keep`");
  expect_error(experiment("[tune.screen]\nfidelity = \"event\"\nkeep = 0.5\n"),
               "tune.screen needs `fidelity = \"analytical\"`");
  expect_error(experiment("[tune.screen]\nfidelity = \"analytical\"\nkeep = 0.5\nkepe = 1\n"),
               "unknown tune.screen key 'kepe'");
  expect_error(experiment(kScreen, "time = { stat = \"sim_time\" }\n"),
               "[tune.screen] fidelity = \"analytical\": objective 'time' measures 'sim_time', which the analytical "
               "estimate does not give");
  expect_error(experiment(kScreen, "reads = { stat = \"workload.dnn.bytes_read\" }\n"),
               "objective 'reads' measures 'workload.dnn.bytes_read'");
  expect_error(experiment("", "fidelity = { stat = \"latency\" }\n"), "the name 'fidelity' is already taken");
}

} // namespace
