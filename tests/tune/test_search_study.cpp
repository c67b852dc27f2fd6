// anneal, genetic and nsga2 end to end: `archlab tune` on systolic_tune.toml's setup with a small
// budget, and a study interrupted and resumed ends with the trials of an uninterrupted one.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "archlab/tune.hpp"

namespace {

namespace fs = std::filesystem;

const archlab::PluginRegistry& registry() {
  static const archlab::PluginRegistry instance({ARCHLAB_PLUGIN_DIR});
  return instance;
}

/// systolic_tune.toml with its tuner (and [tune.params]) replaced.
std::string experiment(const std::string& tuner, const std::string& params) {
  std::ifstream in(std::string(ARCHLAB_TUNE_TEST_DIR) + "/systolic_tune.toml");
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  const std::string from = "tuner = \"random\"";
  text.replace(text.find(from), from.size(), "tuner = \"" + tuner + "\"");
  const std::string space = "[tune.space]";
  text.insert(text.find(space), "[tune.params]\n" + params + "\n");
  return text;
}

fs::path temp_file(const std::string& name) {
  return fs::temp_directory_path() / ("archlab_search_" + std::to_string(::getpid()) + "_" + name);
}

struct Case {
  const char* tuner;
  const char* params;
};

class SearchStudy : public ::testing::TestWithParam<Case> {};

TEST_P(SearchStudy, RunsWithinTheSpaceAndResumesToTheSameTrials) {
  const Case c = GetParam();
  const auto spec = archlab::load_tune_text(experiment(c.tuner, c.params), "study.toml", ARCHLAB_TUNE_TEST_DIR, {},
                                            registry());
  ASSERT_EQ(spec.tuner, c.tuner);
  const fs::path whole = temp_file(std::string(c.tuner) + "_whole.h5");
  const fs::path pieces = temp_file(std::string(c.tuner) + "_pieces.h5");
  archlab::StudyOptions options;
  options.output = whole;
  const auto report = archlab::run_study(spec, registry(), options);
  ASSERT_EQ(report.trials.size(), 12u);
  for (const auto& trial : report.trials) {
    ASSERT_TRUE(trial.ok()) << trial.status;
    const double rows = trial.point[0], cols = trial.point[1], flow = trial.point[2];  // as written
    EXPECT_LE(rows * cols, 4096);
    EXPECT_GE(rows, 4);
    EXPECT_LE(rows, 128);
    EXPECT_EQ(rows, std::round(rows));
    EXPECT_EQ(std::fmod(cols - 4, 4), 0);
    EXPECT_LE(cols, 128);
    EXPECT_TRUE(flow == 0 || flow == 1 || flow == 2);
  }
  EXPECT_FALSE(report.pareto.empty());

  options.output = pieces;
  options.max_batches = 1;
  EXPECT_EQ(archlab::run_study(spec, registry(), options).trials.size(), 4u);
  options.output.clear();
  options.resume = pieces;
  options.max_batches = 0;
  const auto resumed = archlab::run_study(spec, registry(), options);
  ASSERT_EQ(resumed.trials.size(), report.trials.size());
  for (std::size_t i = 0; i < resumed.trials.size(); ++i) {
    EXPECT_EQ(resumed.trials[i].point, report.trials[i].point) << "trial " << i;
    EXPECT_EQ(resumed.trials[i].objectives, report.trials[i].objectives) << "trial " << i;
  }
  EXPECT_EQ(resumed.pareto, report.pareto);
  fs::remove(whole);
  fs::remove(pieces);
}

INSTANTIATE_TEST_SUITE_P(Tuners, SearchStudy,
                         ::testing::Values(Case{"anneal", "step = 0.2"}, Case{"genetic", "population = 4\nelitism = 1"},
                                           Case{"nsga2", "population = 4"}),
                         [](const auto& info) { return std::string(info.param.tuner); });

}  // namespace
