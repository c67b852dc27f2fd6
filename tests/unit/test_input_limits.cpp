// Hostile input: the limits of archlab/input_limits.hpp and what the loaders do with inputs that
// once crashed or hung them (issue 15): deep dotted keys, device files, directories, huge
// values, output paths that are not plain files or that are the run's own inputs.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <fstream>
#include <sstream>
#include <string>

#include "../test_support.hpp"
#include "archlab/config.hpp"
#include "archlab/errors.hpp"
#include "archlab/input_limits.hpp"
#include "archlab/output.hpp"
#include "archlab/plugin_loader.hpp"
#include "archlab/text.hpp"
#include "archlab/tune.hpp"
#include "archlab/units.hpp"

using archlab::testing::contains;
using archlab::testing::TempDir;
namespace limits = archlab::limits;

namespace {

std::string dotted(std::size_t segments) {
  std::string key = "a";
  for (std::size_t i = 1; i < segments; ++i)
    key += ".a";
  return key;
}

const std::string kExperiment = R"(engine = "sequential"
stop_time = "2 ns"
[system.components]
[workloads.lp]
type = "workload.phold"
count = 4
[[links]]
from = "lp[*].out"
to = "lp[*].in"
latency = "0.1 ns"
)";

template <class F> std::string config_error(F&& load) {
  try {
    load();
  } catch (const archlab::ConfigError& error) {
    return error.what();
  }
  ADD_FAILURE() << "no ConfigError thrown";
  return {};
}

template <class F> std::string output_error(F&& check) {
  try {
    check();
  } catch (const archlab::OutputError& error) {
    return error.what();
  }
  ADD_FAILURE() << "no OutputError thrown";
  return {};
}

} // namespace

TEST(InputLimits, TomlDepthCountsDottedSegmentsAndNesting) {
  EXPECT_EQ(limits::toml_depth_problem(dotted(limits::kMaxKeyDepth) + " = 1\n"), "");
  EXPECT_TRUE(contains(limits::toml_depth_problem("x = 1\n" + dotted(limits::kMaxKeyDepth + 1) + " = 1\n"),
                       "line 2: keys nest more than 64 levels"));
  EXPECT_NE(limits::toml_depth_problem("[" + dotted(limits::kMaxKeyDepth + 1) + "]\n"), "");
  EXPECT_NE(limits::toml_depth_problem("a . a . a = 1", 2), ""); // whitespace around dots
  // Dots inside strings and comments are not keys; values are not nested keys.
  const std::string dots(400, '.');
  EXPECT_EQ(limits::toml_depth_problem("a = \"" + dots + "\"\nb = '" + dots + "' # " + dots + "\nc = \"\"\"\n" + dots +
                                       "\n\"\"\"\nd = [1.5, 2.5, 3.5]\n"),
            "");
  // Inline tables and arrays add to the keys inside them.
  std::string nested = "x = ";
  for (int i = 0; i < 40; ++i)
    nested += "{ a.b = ";
  EXPECT_NE(limits::toml_depth_problem(nested), "");
}

TEST(InputLimits, ReadInputFileRefusesWhatIsNotARegularFileOfBoundedSize) {
  TempDir dir;
  EXPECT_EQ(limits::read_input_file(dir.write("ok.toml", "a = 1\n")).text, "a = 1\n");
  EXPECT_EQ(limits::read_input_file(dir.path()).problem, "is a directory, not a file");
  EXPECT_TRUE(contains(limits::read_input_file("/dev/zero").problem, "not a regular file"));
  const auto fifo = dir.path() / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_TRUE(contains(limits::read_input_file(fifo).problem, "not a regular file")); // returns, never waits
  const auto big = dir.write("big.toml", std::string(3u << 20, '#'));
  EXPECT_TRUE(contains(limits::read_input_file(big, 2u << 20).problem, "larger than 2 MiB"));
  EXPECT_TRUE(contains(limits::read_input_file(dir.path() / "missing").problem, "No such file"));
}

TEST(InputLimits, ClipKeepsShortValuesAndCutsLongOnes) {
  EXPECT_EQ(limits::clip("short"), "short");
  const std::string clipped = limits::clip(std::string(10'000'000, 'x'));
  EXPECT_LT(clipped.size(), 120u);
  EXPECT_TRUE(contains(clipped, "(10000000 bytes)"));
}

TEST(HostileConfig, DeepDottedKeyInAFileIsAConfigErrorNotACrash) {
  TempDir dir;
  const auto file = dir.write("deep.toml", dotted(50'000) + " = 1\n");
  const std::string message = config_error([&] { archlab::is_system_file(file); });
  EXPECT_TRUE(contains(message, "deep.toml: line 1: keys nest more than 64 levels")) << message;
}

TEST(HostileConfig, DeepOrHugeSetKeysAndValuesAreConfigErrors) {
  TempDir dir;
  const auto file = dir.write("exp.toml", kExperiment);
  const auto& registry = archlab::testing::test_registry();
  std::string message = config_error([&] { archlab::load_experiment(file, {{dotted(60'000), "1"}}, registry); });
  EXPECT_TRUE(contains(message, "more than 64 dotted segments")) << message.substr(0, 300);
  EXPECT_LT(message.size(), 300u);
  message = config_error([&] {
    archlab::load_experiment(file, {{"engine", std::string(limits::kMaxValueBytes + 1, 'x')}}, registry);
  });
  EXPECT_TRUE(contains(message, "the value is longer than 1 MiB")) << message.substr(0, 300);
  // Under the limit, a long bad value is quoted in part, not whole.
  message = config_error([&] { archlab::load_experiment(file, {{"engine", std::string(500'000, 'x')}}, registry); });
  EXPECT_TRUE(contains(message, "(500000 bytes)")) << message.substr(0, 300);
  EXPECT_LT(message.size(), 400u);
  // A --set value nested too deeply is no TOML value: it stays a string, which `seed` refuses.
  message = config_error([&] { archlab::load_experiment(file, {{"seed", std::string(100, '[')}}, registry); });
  EXPECT_TRUE(contains(message, "`seed` must be an integer")) << message;
}

TEST(HostileConfig, LiteralOverridesAreNeverReadAsToml) {
  TempDir dir;
  const auto file = dir.write("exp.toml", kExperiment);
  const auto& registry = archlab::testing::test_registry();
  for (const std::string path : {"r\\u0041.h5", "a\"b.h5", "x\\\"\ny.h5"}) {
    const auto spec = archlab::load_experiment(file, {{"output", path, true}}, registry);
    EXPECT_EQ(spec.output.string(), path);
  }
}

TEST(HostileConfig, ExperimentRecordsEveryFileItReads) {
  TempDir dir;
  const auto system = dir.write("sys.toml", R"([components.lp]
type = "workload.phold"
count = 4
[[links]]
from = "lp[*].out"
to = "lp[*].in"
latency = "0.1 ns"
)");
  const auto file = dir.write("exp.toml", "system = \"sys.toml\"\nstop_time = \"1 ns\"\n");
  const auto spec = archlab::load_experiment(file, {}, archlab::testing::test_registry());
  ASSERT_EQ(spec.inputs.size(), 2u);
  EXPECT_EQ(spec.inputs[0], std::filesystem::absolute(file));
  EXPECT_EQ(spec.inputs[1], std::filesystem::absolute(system));
}

TEST(HostileConfig, ADirectoryOrDeviceAsTheExperimentSaysSo) {
  TempDir dir;
  const auto& registry = archlab::testing::test_registry();
  std::string message = config_error([&] { archlab::load_experiment(dir.path(), {}, registry); });
  EXPECT_TRUE(contains(message, "is a directory, not a file")) << message;
  message = config_error([&] { archlab::load_experiment("/dev/zero", {}, registry); });
  EXPECT_TRUE(contains(message, "/dev/zero: is not a regular file")) << message;
}

TEST(HostileConfig, CountMessageStatesTheRealLimit) {
  TempDir dir;
  const auto file = dir.write("exp.toml", kExperiment);
  const std::string message = config_error([&] {
    archlab::load_experiment(file, {{"workloads.lp.count", "3000000000"}}, archlab::testing::test_registry());
  });
  EXPECT_TRUE(contains(message, "count must be an integer in [1, 2147483647]")) << message;
}

TEST(HostileUnits, LimitsAreExactAndLongNumbersAreRead) {
  EXPECT_EQ(archlab::units::parse_time("18446744073709551615 ps"), ~std::uint64_t{0});
  try {
    archlab::units::parse_time("18446744073709551616 ps");
    ADD_FAILURE() << "2^64 ps accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_TRUE(contains(error.what(), "at most 18446744073709551615 ps")) << error.what();
  }
  // Thousands of digits once made the value infinity times zero (NaN, then an undefined cast).
  EXPECT_EQ(archlab::units::parse_time("0." + std::string(6000, '9') + " ns"), 1000u);
  EXPECT_EQ(archlab::units::parse_size("1" + std::string(3000, '0') + "e-2998 B"), 100u);
  EXPECT_THROW(archlab::units::parse_time("1" + std::string(6000, '0') + " ps"), std::invalid_argument);
  EXPECT_THROW(archlab::units::parse_frequency("9" + std::string(6000, '9') + " Hz"), std::invalid_argument);
}

TEST(HostileUnits, NearestNameOfAHugeNameIsQuick) {
  EXPECT_EQ(archlab::text::nearest(std::string(10'000'000, 'x'), {"engine", "seed"}), "");
  EXPECT_EQ(archlab::text::nearest("engien", {"engine", "seed"}), "engine");
  // A long list of valid names is cut to its first few and a count; a short one is listed whole.
  std::vector<std::string> many;
  for (int i = 0; i < 1442; ++i)
    many.push_back("map" + std::to_string(i));
  const std::string cut = archlab::text::suggest("map14x", many);
  EXPECT_EQ(cut, " (did you mean 'map14'?); valid: map0, map1, map2, map3, map4, map5, map6, map7, map8, map9, "
                 "map10, map11, ... (1442 in all)");
  EXPECT_EQ(archlab::text::suggest("fif", {"fifo", "lifo"}), " (did you mean 'fifo'?); valid: fifo, lifo");
}

TEST(HostileOutput, OutputMustBeARegularFileThatIsNoInput) {
  TempDir dir;
  const auto input = dir.write("exp.toml", kExperiment);
  EXPECT_NO_THROW(archlab::check_output_path(dir.path() / "new.h5", {input}));
  const auto existing = dir.write("old.h5", "x");
  EXPECT_NO_THROW(archlab::check_output_path(existing, {input}));
  std::string message = output_error([&] { archlab::check_output_path(input, {input}); });
  EXPECT_TRUE(contains(message, "it is one of the run's inputs")) << message;
  const auto hard_link = dir.path() / "hard.toml";
  std::filesystem::create_hard_link(input, hard_link);
  message = output_error([&] { archlab::check_output_path(hard_link, {input}); });
  EXPECT_TRUE(contains(message, "one of the run's inputs")) << message;
  const auto link = dir.path() / "link.h5";
  std::filesystem::create_symlink(dir.path() / "target.h5", link);
  message = output_error([&] { archlab::check_output_path(link); });
  EXPECT_TRUE(contains(message, "symbolic link")) << message;
  const auto fifo = dir.path() / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  message = output_error([&] { archlab::check_output_path(fifo); });
  EXPECT_TRUE(contains(message, "not a regular file")) << message;
  message = output_error([&] { archlab::check_output_path("/dev/null"); });
  EXPECT_TRUE(contains(message, "not a regular file")) << message;
  message = output_error([&] { archlab::check_output_path(dir.path()); });
  EXPECT_TRUE(contains(message, "it is a directory")) << message;
}

TEST(HostileConfig, TuneConditionsAreBoundedInLength) {
  std::ifstream in(std::string(ARCHLAB_SOURCE_DIR) + "/tests/tune/systolic_tune.toml");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  const std::string original = "conditions = [\"rows * cols <= 4096\"]";
  ASSERT_NE(text.find(original), std::string::npos);
  const auto with_condition = [&](const std::string& condition) {
    std::string changed = text;
    changed.replace(changed.find(original), original.size(), "conditions = [\"" + condition + "\"]");
    return archlab::load_tune_text(changed, "study.toml", std::string(ARCHLAB_SOURCE_DIR) + "/tests/tune", {},
                                   archlab::testing::test_registry());
  };
  // 200,000 nested parentheses overflowed the stack of the recursive-descent parser.
  const std::string message =
      config_error([&] { with_condition(std::string(200'000, '(') + "rows" + std::string(200'000, ')') + " <= 4"); });
  EXPECT_TRUE(contains(message, "longer than 4096 characters, the limit on a condition")) << message.substr(0, 300);
  EXPECT_LT(message.size(), 400u);
  // At the limit, the deepest nesting still parses.
  const std::string deep = std::string(2000, '(') + "rows" + std::string(2000, ')') + " <= 4096";
  ASSERT_LE(deep.size(), archlab::limits::kMaxExpressionChars);
  EXPECT_EQ(with_condition(deep).conditions.size(), 1u);
}

TEST(HostilePlugins, FilesInAPluginDirectoryThatAreNotLibrariesAreFailuresNotHangs) {
  TempDir dir;
  const auto fifo = dir.path() / "pipe.so";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::filesystem::create_directory(dir.path() / "folder.so");
  dir.write("text.so", "not a library\n");
  // In a child process: dlopen() of the pipe blocked for ever, and a blocked thread cannot be
  // stopped from inside the test.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const archlab::PluginRegistry registry({dir.path()});
    bool named = registry.failures().size() == 3 && registry.plugins().empty();
    for (const auto& failure : registry.failures()) {
      const bool expected = failure.path == fifo                     ? contains(failure.message, "not a regular file")
                            : failure.path.filename() == "folder.so" ? contains(failure.message, "it is a directory")
                                                                     : contains(failure.message, "cannot load plugin");
      named = named && expected;
    }
    ::_exit(named ? 0 : 3);
  }
  int status = 0;
  pid_t done = 0;
  for (int waited = 0; waited < 200 && done == 0; ++waited) {
    done = ::waitpid(child, &status, WNOHANG);
    if (done == 0) ::usleep(50'000);
  }
  if (done == 0) {
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
    FAIL() << "loading a plugin directory with a pipe in it did not return within 10 s";
  }
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "a failure is missing or does not say what the file is";
}
