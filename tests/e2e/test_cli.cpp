// The `archlab` program as a user runs it: exit codes, messages, and no half-written output.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "../test_support.hpp"

using archlab::testing::contains;
using archlab::testing::TempDir;

namespace {

struct Outcome {
  int status;
  std::string output; // stdout and stderr together
};

Outcome archlab_cli(const std::string& arguments, const std::string& env = "") {
  const std::string command = env + " " + ARCHLAB_EXE + " " + arguments + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  Outcome outcome;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr)
    outcome.output += buffer.data();
  const int raw = ::pclose(pipe);
  outcome.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return outcome;
}

const std::string kTestPlugins = std::string("ARCHLAB_PLUGIN_PATH=") + ARCHLAB_TEST_PLUGIN_DIR;

const std::string kExperiment = R"(engine = "sequential"
stop_time = "20 ns"
stats_interval = "5 ns"
[system.components]
[workloads.lp]
type = "workload.phold"
count = 64
[[links]]
from = "lp[*].out"
to = "lp[*].in"
latency = "0.1 ns"
)";

} // namespace

TEST(Cli, PluginsListsEveryPlugin) {
  const Outcome plain = archlab_cli("plugins", kTestPlugins);
  EXPECT_EQ(plain.status, 0) << plain.output;
  EXPECT_TRUE(contains(plain.output, "workload.phold")) << plain.output;
  EXPECT_TRUE(contains(plain.output, "test.pingpong")) << plain.output;
  EXPECT_FALSE(contains(plain.output, "events_per_lp"));
  const Outcome verbose = archlab_cli("plugins --verbose");
  EXPECT_EQ(verbose.status, 0);
  for (const char* part : {"events_per_lp", "= 16", "remote_sends", "lp[*].in", "time"}) {
    EXPECT_TRUE(contains(verbose.output, part)) << part << "\n" << verbose.output;
  }
}

TEST(Cli, PluginsReportsFilesThatAreNotPlugins) {
  const Outcome outcome = archlab_cli("plugins", std::string("ARCHLAB_PLUGIN_PATH=") + ARCHLAB_BAD_PLUGIN_DIR);
  EXPECT_EQ(outcome.status, 0);
  EXPECT_TRUE(contains(outcome.output, "is not an archlab plugin")) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "ABI 999")) << outcome.output;
}

TEST(Cli, RunWritesTheOutputAndExitsZero) {
  TempDir dir;
  const auto experiment = dir.write("exp.toml", kExperiment);
  const auto output = dir.path() / "out.h5";
  const Outcome outcome = archlab_cli("run " + experiment.string() + " -o " + output.string());
  EXPECT_EQ(outcome.status, 0) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "status      stop_time")) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "remote_sends")) << outcome.output;
  EXPECT_TRUE(std::filesystem::exists(output));
}

TEST(Cli, CheckValidatesWithoutRunning) {
  TempDir dir;
  const auto experiment = dir.write("exp.toml", "output = \"" + (dir.path() / "x.h5").string() + "\"\n" + kExperiment);
  const Outcome good = archlab_cli("check " + experiment.string());
  EXPECT_EQ(good.status, 0) << good.output;
  EXPECT_TRUE(contains(good.output, "OK")) << good.output;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "x.h5"));

  const Outcome bad = archlab_cli("check " + experiment.string() + " --set workloads.lp.remot=0.5");
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_TRUE(contains(bad.output, "did you mean 'remote'")) << bad.output;

  const auto system = dir.write("machine.toml", "[components.a]\ntype = \"workload.phold\"\nlookahead = \"1\"\n");
  const Outcome system_check = archlab_cli("check " + system.string());
  EXPECT_EQ(system_check.status, 2) << system_check.output;
  EXPECT_TRUE(contains(system_check.output, "machine.toml:3:")) << system_check.output;
  EXPECT_TRUE(contains(system_check.output, "has no unit")) << system_check.output;
}

// `check` on an experiment with a [tune] section checks it as `tune` would (and the values of
// its space against the system), and says what the tuner optimises.
TEST(Cli, CheckValidatesTheTuneSection) {
  TempDir dir;
  std::ifstream in(std::string(ARCHLAB_SOURCE_DIR) + "/tests/tune/systolic_tune.toml");
  const std::string study((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_TRUE(contains(study, "[tune]"));
  const auto file = dir.write("study.toml", study);
  const Outcome good = archlab_cli("check " + file.string() + " --set tune.tuner=\\\"anneal\\\"");
  EXPECT_EQ(good.status, 0) << good.output;
  EXPECT_TRUE(contains(good.output, "OK (study: tuner anneal, 3 dimensions, 2 objectives")) << good.output;
  EXPECT_TRUE(contains(good.output, "anneal optimises the primary objective latency (min) alone")) << good.output;

  const Outcome typo = archlab_cli("check " + file.string() + " --set tune.budgt=3");
  EXPECT_EQ(typo.status, 2) << typo.output;
  EXPECT_TRUE(contains(typo.output, "unknown tune key 'budgt' (did you mean 'budget'?)")) << typo.output;

  const std::string rows = "\"system.components.sa.rows\" = { low = 4, high = 128, log = true }";
  ASSERT_TRUE(contains(study, rows));
  std::string rejected = study;
  rejected.replace(rejected.find(rows), rows.size(), "\"system.components.sa.rows\" = { choices = [8, 0] }");
  const auto bad = dir.write("bad.toml", rejected);
  const Outcome values = archlab_cli("check " + bad.string());
  EXPECT_EQ(values.status, 2) << values.output;
  EXPECT_TRUE(contains(values.output, "\"system.components.sa.rows\" = 0")) << values.output;
  EXPECT_TRUE(contains(values.output, "out of range")) << values.output;
}

TEST(Cli, PluginsVerboseListsTunerParameters) {
  const Outcome verbose = archlab_cli("plugins -v");
  EXPECT_EQ(verbose.status, 0) << verbose.output;
  const auto anneal = verbose.output.find("tuner          anneal");
  ASSERT_NE(anneal, std::string::npos) << verbose.output;
  const std::string section = verbose.output.substr(anneal, verbose.output.find("\ntuner", anneal + 1) - anneal);
  for (const char* part :
       {"optimises: the primary objective alone", "parameters ([tune.params]):", "initial_temperature", "max_tries"}) {
    EXPECT_TRUE(contains(section, part)) << part << "\n" << section;
  }
}

// `archlab verify` runs a plugin found on ARCHLAB_PLUGIN_PATH (as an out-of-tree plugin is) on
// every engine: a plugin that follows the rules passes, one that keeps state outside its State
// is caught with the first difference.
TEST(Cli, VerifyComparesEveryEngineWithTheSequentialOne) {
  const Outcome good =
      archlab_cli(std::string("verify ") + ARCHLAB_SOURCE_DIR + "/tests/plugins/equivalence.toml", kTestPlugins);
  EXPECT_EQ(good.status, 0) << good.output;
  for (const char* engine : {"windowed x1", "windowed x2", "windowed x3", "windowed x4", "gpu-emulated"}) {
    EXPECT_TRUE(contains(good.output, std::string(engine))) << engine << "\n" << good.output;
  }
  std::size_t identical = 0;
  for (auto at = good.output.find("identical"); at != std::string::npos; at = good.output.find("identical", at + 1)) {
    ++identical;
  }
  EXPECT_GE(identical, 5u) << good.output;
  EXPECT_TRUE(contains(good.output, "OK: every engine gave the same statistics")) << good.output;

  const Outcome racy = archlab_cli(std::string("verify ") + ARCHLAB_SOURCE_DIR + "/tests/plugins/racy.toml",
                                   std::string("ARCHLAB_PLUGIN_PATH=") + ARCHLAB_RACY_PLUGIN_DIR);
  EXPECT_EQ(racy.status, 1) << racy.output;
  EXPECT_TRUE(contains(racy.output, "DIFFERS: final statistics: r[0] (test.racy) statistic 'seen'")) << racy.output;
  EXPECT_TRUE(contains(racy.output, "FAILED")) << racy.output;

  const Outcome missing = archlab_cli("verify /nonexistent/experiment.toml");
  EXPECT_EQ(missing.status, 2) << missing.output;
}

// A plugin name in two places: the first on the path runs, and the user hears which, when one copy
// is on ARCHLAB_PLUGIN_PATH.
TEST(Cli, APluginFoundTwiceIsAWarningNamingBothFiles) {
  TempDir dir;
  const auto copy = dir.path() / "archlab_phold.so";
  std::filesystem::copy_file(std::filesystem::path(ARCHLAB_PLUGIN_DIR) / "archlab_phold.so", copy);
  const std::string env = "ARCHLAB_PLUGIN_PATH=" + dir.path().string();
  const std::string experiment = std::string(ARCHLAB_SOURCE_DIR) + "/examples/phold.toml";
  const Outcome check = archlab_cli("check " + experiment, env);
  EXPECT_EQ(check.status, 0) << check.output;
  EXPECT_TRUE(contains(check.output, "warning: plugin 'workload.phold' is found twice on the plugin path: using " +
                                         copy.string()))
      << check.output;
  EXPECT_TRUE(contains(check.output, "archlab_phold.so\n")) << check.output;
  const Outcome listing = archlab_cli("plugins", env);
  EXPECT_TRUE(contains(listing.output, "Plugins found more than once")) << listing.output;
  EXPECT_TRUE(contains(listing.output, "ignored: ")) << listing.output;
  // The build tree named twice (on the path and as the default) is one file: no warning.
  const Outcome same = archlab_cli("check " + experiment, std::string("ARCHLAB_PLUGIN_PATH=") + ARCHLAB_PLUGIN_DIR);
  EXPECT_FALSE(contains(same.output, "warning")) << same.output;
}

TEST(Cli, BadInputExitsTwoAndWritesNothing) {
  TempDir dir;
  const auto output = dir.path() / "never.h5";
  const auto broken = dir.write("broken.toml", kExperiment + "[workloads.lp2\n");
  const Outcome syntax = archlab_cli("run " + broken.string() + " -o " + output.string());
  EXPECT_EQ(syntax.status, 2) << syntax.output;
  EXPECT_TRUE(contains(syntax.output, "broken.toml:12:")) << syntax.output;
  EXPECT_FALSE(std::filesystem::exists(output));

  const auto experiment = dir.write("exp.toml", kExperiment);
  const Outcome unit =
      archlab_cli("run " + experiment.string() + " -o " + output.string() + " --set \"workloads.lp.mean=1 parsec\"");
  EXPECT_EQ(unit.status, 2) << unit.output;
  EXPECT_FALSE(std::filesystem::exists(output));

  const Outcome unknown_type = archlab_cli("run " + experiment.string() + " --set workloads.lp.type=\\\"x.y\\\"");
  EXPECT_EQ(unknown_type.status, 2) << unknown_type.output;
  EXPECT_TRUE(contains(unknown_type.output, "known plugins: ")) << unknown_type.output;

  const Outcome flag = archlab_cli("run --no-such-flag");
  EXPECT_EQ(flag.status, 2) << flag.output;
}

TEST(Cli, UnwritableOutputPathIsBadInput) {
  TempDir dir;
  const auto experiment = dir.write("exp.toml", kExperiment);
  const Outcome missing_dir = archlab_cli("run " + experiment.string() + " -o /nonexistent-dir/out.h5");
  EXPECT_EQ(missing_dir.status, 2) << missing_dir.output;
  EXPECT_TRUE(contains(missing_dir.output, "/nonexistent-dir/out.h5")) << missing_dir.output;
  const Outcome is_dir = archlab_cli("run " + experiment.string() + " -o " + dir.path().string());
  EXPECT_EQ(is_dir.status, 2) << is_dir.output;
}

TEST(Cli, FailureAtRunTimeExitsOne) {
  TempDir dir;
  const auto experiment = dir.write("exp.toml", R"([system.components.ping]
type = "test.pingpong"
starter = true
rounds = 1
)");
  const auto output = dir.path() / "failed.h5";
  const Outcome outcome = archlab_cli("run " + experiment.string() + " -o " + output.string(), kTestPlugins);
  EXPECT_EQ(outcome.status, 1) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "no link connects")) << outcome.output;
}

TEST(Cli, ExamplesRun) {
  TempDir dir;
  const Outcome phold = archlab_cli(std::string("run ") + ARCHLAB_SOURCE_DIR + "/examples/phold.toml -o " +
                                    (dir.path() / "phold.h5").string());
  EXPECT_EQ(phold.status, 0) << phold.output;
  EXPECT_TRUE(contains(phold.output, "status      stop_time")) << phold.output;
}

// The README's main job: `archlab tune` without a file runs the built-in co-design study
// (examples/codesign.toml, found through ARCHLAB_DATA_DIR here) and writes codesign.h5 in the
// working directory. One design on the three models keeps it to seconds.
TEST(Cli, TuneWithoutAFileRunsTheBuiltInCodesignStudy) {
  TempDir dir;
  const Outcome outcome =
      archlab_cli("tune --set tune.budget=1 --set tune.batch=1 -q",
                  "cd " + dir.path().string() + " && ARCHLAB_DATA_DIR=" + std::string(ARCHLAB_SOURCE_DIR));
  EXPECT_EQ(outcome.status, 0) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "examples/codesign.toml with nsga2")) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "nsga2 optimises every objective: ")) << outcome.output;
  // Screened: ceil(1 / keep) = 13 candidates estimated, the best one simulated on the three models.
  EXPECT_TRUE(contains(outcome.output, "14 trials (0 failed)")) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "1 simulated event by event, 13 estimated analytically")) << outcome.output;
  for (const char* column : {"resnet50, ps (min)", "bert, ps (min)", "gpt2_decode, ps (min)", "area, mm^2 (min)"}) {
    EXPECT_TRUE(contains(outcome.output, column)) << column << "\n" << outcome.output;
  }
  // One simulated design is every workload's best, and the table says so instead of starring.
  EXPECT_TRUE(contains(outcome.output, "best design for each workload")) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "one design, trial 13, is the best for every workload")) << outcome.output;
  EXPECT_FALSE(contains(outcome.output, " *")) << outcome.output;
  EXPECT_TRUE(std::filesystem::is_regular_file(dir.path() / "codesign.h5"));
  EXPECT_TRUE(contains(outcome.output, "picture     codesign.png")) << outcome.output;
  EXPECT_TRUE(std::filesystem::is_regular_file(dir.path() / "codesign.png"));
  // Bad input to the built-in study is bad input like any other: exit 2 before any trial.
  const Outcome bad = archlab_cli("tune --set tune.budget=0", "cd " + dir.path().string() + " &&");
  EXPECT_TRUE(contains(bad.output, "tune.budget")) << bad.output;
  EXPECT_EQ(bad.status, 2) << bad.output;
}

// Per-workload objectives: the table of each workload's best design stars the parameters the
// winners differ in, and the picture is drawn by the Python package, or skipped with a note when
// Python is missing: the study never fails for it. A GEMM that is tall (m) wants another dataflow
// than one that is deep (k) on this space.
TEST(Cli, TuneWithPerWorkloadObjectivesPrintsEachWorkloadsBestDesign) {
  TempDir dir;
  const auto file = dir.path() / "gemms.toml";
  {
    std::ofstream out(file);
    out << R"(engine = "sequential"
[system.components.sa]
type = "compute.systolic"
rows = 16
cols = 16
[workloads.ctrl]
type = "workload.gemm_driver"
m = 128
n = 128
k = 128
tiles = 4
outstanding = 2
[[links]]
from = "ctrl.out"
to = "sa.cmd"
latency = "1 ns"
[[links]]
from = "sa.done"
to = "ctrl.in"
latency = "1 ns"
[tune]
tuner = "grid"
budget = 12
batch = 12
latency = "workload.gemm_driver.completion_time"
workloads = [{ name = "tall", set = { "workloads.ctrl.m" = 512, "workloads.ctrl.n" = 8, "workloads.ctrl.k" = 8 } },
             { name = "deep", set = { "workloads.ctrl.m" = 8, "workloads.ctrl.n" = 8, "workloads.ctrl.k" = 512 } }]
[tune.space]
"system.components.sa.rows" = { choices = [8, 64] }
"system.components.sa.cols" = { choices = [8, 64] }
"system.components.sa.dataflow" = { choices = ["os", "ws", "is"] }
[tune.objectives]
tall = { stat = "latency", workload = "tall" }
deep = { stat = "latency", workload = "deep" }
area = { stat = "area" }
[tune.constraints]
budget = { stat = "area", max = 1.0 }
)";
  }
  const std::string cd = "cd " + dir.path().string() + " &&";
  const Outcome outcome = archlab_cli("tune gemms.toml -o s.h5 -q", cd);
  ASSERT_EQ(outcome.status, 0) << outcome.output;
  const auto table = outcome.output.substr(outcome.output.find("best design for each workload"));
  EXPECT_TRUE(contains(table, "*dataflow")) << outcome.output;
  EXPECT_FALSE(contains(table, "*rows")) << outcome.output;
  EXPECT_FALSE(contains(table, "*cols")) << outcome.output;
  EXPECT_TRUE(contains(table, "\n  deep ")) << outcome.output;
  EXPECT_TRUE(contains(table, "\n  tall ")) << outcome.output;
  EXPECT_FALSE(contains(table, "is the best for every workload")) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "picture     s.png")) << outcome.output;
  EXPECT_TRUE(std::filesystem::is_regular_file(dir.path() / "s.png"));

  // No python3 on the PATH: the study stands, the note says why there is no picture.
  const Outcome no_python = archlab_cli("tune gemms.toml -o t.h5 -q", cd + " PATH=/nonexistent");
  EXPECT_EQ(no_python.status, 0) << no_python.output;
  EXPECT_TRUE(contains(no_python.output, "picture     not drawn")) << no_python.output;
  EXPECT_TRUE(std::filesystem::is_regular_file(dir.path() / "t.h5"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "t.png"));

  const Outcome unpictured = archlab_cli("tune gemms.toml -o u.h5 -q --no-picture", cd);
  EXPECT_EQ(unpictured.status, 0) << unpictured.output;
  EXPECT_FALSE(contains(unpictured.output, "picture")) << unpictured.output;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "u.png"));
}

TEST(Cli, EstimatePrintsTheOperatorTableAndWritesCsv) {
  const TempDir dir;
  const std::string csv = (dir.path() / "e.csv").string();
  const Outcome outcome =
      archlab_cli(std::string("estimate ") + ARCHLAB_SOURCE_DIR + "/examples/manycore_mlp.toml --csv " + csv);
  EXPECT_EQ(outcome.status, 0) << outcome.output;
  for (const char* part : {"analytical: no events", "mlp_small: 6 operators (estimated)", "fc1", "bound",
                           "total: estimated, latency"}) {
    EXPECT_TRUE(contains(outcome.output, part)) << part << "\n" << outcome.output;
  }
  EXPECT_TRUE(std::filesystem::exists(csv));
  // A workload without an estimate: bad input (status 2), nothing simulated.
  const auto experiment = dir.write("exp.toml", kExperiment);
  const Outcome refused = archlab_cli("estimate " + experiment.string());
  EXPECT_EQ(refused.status, 2) << refused.output;
  EXPECT_TRUE(contains(refused.output, "no workload of this experiment has an analytical estimate")) << refused.output;
}
