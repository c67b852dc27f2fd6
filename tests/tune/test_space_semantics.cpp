// What a [tune] section means, where a newcomer got silently wrong answers: objectives keep the
// order the file writes them and single-objective tuners follow the primary one; choices and
// conditions compare quantities in base units; `check_space_values` finds values the system
// rejects before a study runs.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "archlab/errors.hpp"
#include "archlab/tune.hpp"

namespace {

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

archlab::TuneSpec load(const std::string& tune) {
  return archlab::load_tune_text(experiment(tune), "study.toml", ARCHLAB_TUNE_TEST_DIR, {}, registry());
}

std::string error_of(const std::string& tune) {
  try {
    (void)load(tune);
  } catch (const archlab::ConfigError& error) {
    return error.what();
  }
  return "(no error)";
}

/// A single-objective study over rows and cols, where latency and area pull opposite ways
/// (a bigger array is faster and larger); `objectives` is the [tune.objectives] body.
std::string single_objective_study(const std::string& tuner, const std::string& objectives,
                                   const std::string& extra = "") {
  // genetic: small generations, so that 16 trials see selection at work.
  const std::string params = tuner == "genetic" ? "[tune.params]\npopulation = 4\nelitism = 1\n" : "";
  return "[tune]\ntuner = \"" + tuner + "\"\nbudget = 16\nbatch = 4\nseed = 3\n" + extra + params +
         "[tune.space]\n"
         "\"system.components.sa.rows\" = { low = 4, high = 64 }\n"
         "\"system.components.sa.cols\" = { low = 4, high = 64 }\n"
         "[tune.objectives]\n" +
         objectives;
}

std::vector<std::vector<double>> points_of(const archlab::StudyReport& report) {
  std::vector<std::vector<double>> points;
  for (const auto& trial : report.trials)
    points.push_back(trial.point);
  return points;
}

const std::string kLatency = "latency = { stat = \"workload.gemm_driver.completion_time\" }\n";
const std::string kArea = "area = { stat = \"compute.systolic.area\" }\n";

TEST(ObjectiveOrder, ObjectivesDimensionsAndConstraintsKeepTheFileOrder) {
  const auto spec = load(R"([tune]
tuner = "random"
budget = 4
[tune.space]
"system.components.sa.rows" = { low = 4, high = 8 }
"system.components.sa.cols" = { low = 4, high = 8 }
[tune.objectives]
latency = { stat = "workload.gemm_driver.completion_time" }
area = { stat = "compute.systolic.area" }
[tune.constraints]
small = { stat = "compute.systolic.area", max = 1.0 }
fast = { stat = "workload.gemm_driver.completion_time", max = 1e12 }
)");
  ASSERT_EQ(spec.objectives.size(), 2u);
  EXPECT_EQ(spec.objectives[0].name, "latency"); // alphabetical order would put area first
  EXPECT_EQ(spec.objectives[1].name, "area");
  EXPECT_EQ(spec.space[0].path, "system.components.sa.rows");
  EXPECT_EQ(spec.space[1].path, "system.components.sa.cols");
  EXPECT_EQ(spec.constraints[0].name, "small");
  EXPECT_EQ(spec.constraints[1].name, "fast");
  EXPECT_EQ(spec.optimises(),
            "random explores the space without looking at results; recorded: latency (min), area (min)");
}

TEST(ObjectiveOrder, PrimaryMovesAnObjectiveFirstAndTheTunerSaysWhatItOptimises) {
  const auto written = load(single_objective_study("anneal", kLatency + kArea));
  EXPECT_EQ(written.objectives[0].name, "latency");
  EXPECT_EQ(written.optimises(),
            "anneal optimises the primary objective latency (min) alone; also recorded: area (min) "
            "([tune] primary picks another)");
  const auto chosen = load(single_objective_study("genetic", kLatency + kArea, "primary = \"area\"\n"));
  EXPECT_EQ(chosen.objectives[0].name, "area");
  EXPECT_EQ(chosen.objectives[1].name, "latency");
  EXPECT_EQ(chosen.optimises().substr(0, 47), "genetic optimises the primary objective area (m");
  const auto nsga2 = load(single_objective_study("nsga2", kLatency + kArea));
  EXPECT_EQ(nsga2.optimises(), "nsga2 optimises every objective: latency (min), area (min)");

  const std::string bad = error_of(single_objective_study("anneal", kLatency + kArea, "primary = \"latncy\"\n"));
  EXPECT_NE(bad.find("study.toml:"), std::string::npos) << bad;
  EXPECT_NE(bad.find("tune.primary must name an objective of [tune.objectives] (did you mean 'latency'?)"),
            std::string::npos)
      << bad;
}

/// A single-objective tuner proposes the same points whatever else is recorded, as long as the
/// primary objective is the same: what it optimises is the primary objective, not the
/// alphabetically first one.
class PrimaryObjective : public ::testing::TestWithParam<const char*> {};

TEST_P(PrimaryObjective, SingleObjectiveTunersFollowThePrimaryObjective) {
  const std::string tuner = GetParam();
  const auto latency_only = points_of(archlab::run_study(load(single_objective_study(tuner, kLatency)), registry()));
  const auto area_only = points_of(archlab::run_study(load(single_objective_study(tuner, kArea)), registry()));
  ASSERT_NE(latency_only, area_only) << "the test needs objectives that steer the tuner differently";
  // Written latency, area: latency is primary (the alphabetical order would have picked area).
  EXPECT_EQ(points_of(archlab::run_study(load(single_objective_study(tuner, kLatency + kArea)), registry())),
            latency_only);
  // Written area, latency with primary = "latency".
  EXPECT_EQ(points_of(archlab::run_study(
                load(single_objective_study(tuner, kArea + kLatency, "primary = \"latency\"\n")), registry())),
            latency_only);
  // Written latency, area with primary = "area".
  EXPECT_EQ(points_of(archlab::run_study(load(single_objective_study(tuner, kLatency + kArea, "primary = \"area\"\n")),
                                         registry())),
            area_only);
}

INSTANTIATE_TEST_SUITE_P(Tuners, PrimaryObjective, ::testing::Values("anneal", "genetic"),
                         [](const auto& info) { return std::string(info.param); });

// ---------------------------------------------------------------------------------------------
// Quantities in choices and conditions
// ---------------------------------------------------------------------------------------------

archlab::SpaceParam choice_dim(const std::string& path, std::vector<std::string> labels) {
  archlab::SpaceParam dim;
  dim.path = path;
  dim.kind = archlab::DimensionKind::Choice;
  dim.choices = std::move(labels);
  return dim;
}

TEST(SpaceConditions, QuantityChoicesCompareByValueInBaseUnits) {
  // Index order differs from size order, so a condition over indices would pick the wrong ones.
  const std::vector<archlab::SpaceParam> space{choice_dim("system.components.buf.size", {"1 MiB", "16 KiB", "32 KiB"})};
  const archlab::SpaceCondition condition("size <= 32768", space, "test");
  const double one_mib[] = {0}, sixteen[] = {1}, thirty_two[] = {2};
  EXPECT_FALSE(condition.holds(one_mib));
  EXPECT_TRUE(condition.holds(sixteen));
  EXPECT_TRUE(condition.holds(thirty_two));
  EXPECT_EQ(condition.base_value(0, 0), 1048576.0);
  // A quantity in the condition is in base units too.
  const archlab::SpaceCondition quantity("size < 32 KiB", space, "test");
  EXPECT_FALSE(quantity.holds(thirty_two));
  EXPECT_TRUE(quantity.holds(sixteen));
  const archlab::SpaceCondition bandwidth("size / 1 B/s < 20000", space, "test"); // a unit with a slash
  EXPECT_TRUE(bandwidth.holds(sixteen));
  EXPECT_FALSE(bandwidth.holds(thirty_two));
  // Labels that are not numbers or quantities count as their index (documented).
  const std::vector<archlab::SpaceParam> flows{choice_dim("system.components.sa.dataflow", {"os", "ws", "is"})};
  const archlab::SpaceCondition index("dataflow >= 1", flows, "test");
  EXPECT_FALSE(index.holds(one_mib));
  EXPECT_TRUE(index.holds(sixteen));
}

TEST(SpaceConditions, RangeDimensionsWithAUnitCompareInBaseUnits) {
  archlab::SpaceParam clock;
  clock.path = "system.components.sa.clock";
  clock.kind = archlab::DimensionKind::Float;
  clock.low = 0.5;
  clock.high = 2;
  clock.unit = "GHz";
  const std::vector<archlab::SpaceParam> space{clock};
  const archlab::SpaceCondition condition("clock <= 1.5 GHz", space, "test");
  const double slow[] = {1.0}, fast[] = {2.0};
  EXPECT_TRUE(condition.holds(slow));
  EXPECT_FALSE(condition.holds(fast));
  EXPECT_TRUE(archlab::SpaceCondition("clock == 1e9", space, "test").holds(slow));
  try {
    archlab::SpaceCondition("clock <= 2 parsec", space, "space.toml:3:1");
    ADD_FAILURE() << "no error for an unknown unit";
  } catch (const archlab::ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("'parsec' after a number is not a unit"), std::string::npos)
        << error.what();
  }
}

TEST(SpaceConditions, ChoicesMayCarryAUnit) {
  const auto spec = load(R"([tune]
tuner = "grid"
budget = 3
batch = 3
conditions = ["clock <= 1500 MHz"]
[tune.space]
"system.components.sa.clock" = { choices = [2, 0.5, 1], unit = "GHz" }
[tune.objectives]
latency = { stat = "workload.gemm_driver.completion_time" }
)");
  ASSERT_EQ(spec.space[0].choices, (std::vector<std::string>{"2 GHz", "0.5 GHz", "1 GHz"}));
  EXPECT_EQ(spec.value_toml(0, 1), "\"0.5 GHz\"");
  const auto report = archlab::run_study(spec, registry());
  // 2 GHz is excluded (by value, not by its index 0); the others run and are valid designs.
  ASSERT_EQ(report.trials.size(), 2u);
  EXPECT_EQ(report.trials[0].point[0], 1.0);
  EXPECT_EQ(report.trials[1].point[0], 2.0);
  for (const auto& trial : report.trials)
    EXPECT_TRUE(trial.ok()) << trial.status;
  // The slower clock is the slower design: the unit reached the parameter.
  EXPECT_GT(report.trials[0].objectives[0], report.trials[1].objectives[0]);

  const std::string words = error_of(R"([tune]
tuner = "grid"
budget = 3
[tune.space]
"system.components.sa.clock" = { choices = [1, "fast"], unit = "GHz" }
[tune.objectives]
latency = { stat = "workload.gemm_driver.completion_time" }
)");
  EXPECT_NE(words.find("every choice is a number ('fast' is not)"), std::string::npos) << words;
  const std::string unit = error_of(R"([tune]
tuner = "grid"
budget = 3
[tune.space]
"system.components.sa.clock" = { low = 1, high = 2, unit = "Ghz" }
[tune.objectives]
latency = { stat = "workload.gemm_driver.completion_time" }
)");
  EXPECT_NE(unit.find("study.toml:"), std::string::npos) << unit;
  EXPECT_NE(unit.find("`unit` must be a unit archlab knows"), std::string::npos) << unit;
}

// ---------------------------------------------------------------------------------------------
// Values a study would reject only when it runs
// ---------------------------------------------------------------------------------------------

TEST(SpaceValues, CheckFindsValuesTheSystemRejects) {
  const auto good = load(R"([tune]
tuner = "random"
budget = 4
conditions = ["rows * cols <= 4096"]
[tune.space]
"system.components.sa.rows" = { low = 4, high = 128, log = true }
"system.components.sa.cols" = { low = 4, high = 128, step = 4 }
"system.components.sa.dataflow" = { choices = ["os", "ws", "is"] }
[tune.objectives]
latency = { stat = "workload.gemm_driver.completion_time" }
)");
  EXPECT_TRUE(archlab::check_space_values(good, registry()).empty());

  const auto bad = load(R"([tune]
tuner = "random"
budget = 4
[tune.space]
"system.components.sa.rows" = { choices = [8, 0] }
"system.components.sa.clock" = { choices = [1, 2], unit = "KiB" }
[tune.objectives]
latency = { stat = "workload.gemm_driver.completion_time" }
)");
  const auto problems = archlab::check_space_values(bad, registry());
  ASSERT_EQ(problems.size(), 3u) << (problems.empty() ? "" : problems[0]);
  // rows = 8 with clock "1 KiB" fails for the clock, rows = 0 for both; each message names the
  // value and says why.
  EXPECT_NE(problems[1].find("\"system.components.sa.rows\" = 0"), std::string::npos) << problems[1];
  EXPECT_NE(problems[1].find("out of range"), std::string::npos) << problems[1];
  EXPECT_NE(problems[2].find("\"system.components.sa.clock\" = \"2 KiB\""), std::string::npos) << problems[2];
  EXPECT_NE(problems[2].find("study.toml:"), std::string::npos) << problems[2];
}

} // namespace
