#include <gtest/gtest.h>

#include <cstring>

#include "../test_support.hpp"
#include "archlab/config.hpp"
#include "archlab/errors.hpp"

using namespace archlab;
using archlab::testing::contains;
using archlab::testing::TempDir;

namespace {

const std::string kGoodSystem = R"([components.ping]
type = "test.pingpong"
starter = true
rounds = 3

[components.pong]
type = "test.pingpong"
rounds = 3
think = "2 ns"

[[links]]
from = "ping.out"
to = "pong.in"
latency = "1 ns"

[[links]]
from = "pong.out"
to = "ping.in"
latency = "1 ns"
)";

ExperimentSpec load(const std::string& text, const std::vector<Override>& overrides = {}) {
  return load_experiment_text(text, "exp.toml", ".", overrides, archlab::testing::test_registry());
}

/// The error `text` raises; fails the test when it raises none.
std::string error_of(const std::string& text, const std::vector<Override>& overrides = {}) {
  try {
    load(text, overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no ConfigError for:\n" << text;
  return "";
}

std::string with_system(const std::string& system) {
  std::string text = "engine = \"sequential\"\n";
  std::string body = system;
  // Nest the system model's tables under [system].
  std::string nested;
  std::size_t pos = 0;
  while (pos < body.size()) {
    auto end = body.find('\n', pos);
    if (end == std::string::npos) end = body.size();
    std::string line = body.substr(pos, end - pos);
    if (line.rfind("[[links]]", 0) == 0) {
      line = "[[system.links]]";
    } else if (line.rfind("[components.", 0) == 0) {
      line = "[system." + line.substr(1);
    }
    nested += line + "\n";
    pos = end + 1;
  }
  return text + nested;
}

const ParamSpec& param(const ComponentSpec& c, const char* name) {
  const ComponentDescriptor& d = *c.plugin->component();
  for (std::uint32_t i = 0; i < d.nparams; ++i) {
    if (std::strcmp(d.params[i].name, name) == 0) return d.params[i];
  }
  throw std::runtime_error(name);
}

template <class T>
T value_of(const ComponentSpec& c, const char* name) {
  T value;
  std::memcpy(&value, c.params.data() + param(c, name).offset, sizeof value);
  return value;
}

}  // namespace

TEST(Config, GoodSystemFillsParamsAndDefaults) {
  const ExperimentSpec spec = load(with_system(kGoodSystem));
  ASSERT_EQ(spec.system.components.size(), 2u);
  const ComponentSpec& ping = spec.system.components[0];
  EXPECT_TRUE(value_of<bool>(ping, "starter"));
  EXPECT_EQ(value_of<std::uint64_t>(ping, "rounds"), 3u);
  EXPECT_EQ(value_of<Tick>(ping, "think"), 1000u);                    // default "1 ns"
  EXPECT_EQ(value_of<std::uint64_t>(ping, "buffer"), 65536u);         // default "64 KiB"
  EXPECT_DOUBLE_EQ(value_of<double>(ping, "bandwidth"), 256e9);       // default "256 GB/s"
  EXPECT_DOUBLE_EQ(value_of<double>(ping, "clock"), 1e9);             // default "1 GHz"
  EXPECT_EQ(value_of<std::uint32_t>(ping, "policy"), 0u);             // default "fifo"
  EXPECT_EQ(value_of<Tick>(spec.system.components[1], "think"), 2000u);
  EXPECT_EQ(spec.system.links.size(), 2u);
  EXPECT_EQ(spec.system.links[0].latency, 1000u);
  EXPECT_EQ(spec.engine, "sequential");
}

TEST(Config, OverridesReachIntoTheSystem) {
  const ExperimentSpec spec = load(with_system(kGoodSystem), {{"system.components.pong.think", "5 ns"},
                                                              {"system.components.ping.policy", "\"lifo\""},
                                                              {"seed", "7"},
                                                              {"stop_time", "1 us"}});
  EXPECT_EQ(value_of<Tick>(spec.system.components[1], "think"), 5000u);
  EXPECT_EQ(value_of<std::uint32_t>(spec.system.components[0], "policy"), 1u);
  EXPECT_EQ(spec.seed, 7u);
  EXPECT_EQ(spec.stop_time, 1000000u);
  EXPECT_TRUE(contains(spec.effective_text, "5 ns"));
}

TEST(Config, SystemFileIsReadRelativeToTheExperiment) {
  TempDir dir;
  dir.write("machine.toml", kGoodSystem);
  const auto exp = dir.write("exp.toml", "system = \"machine.toml\"\nseed = 3\n");
  const ExperimentSpec spec = load_experiment(exp, {}, archlab::testing::test_registry());
  EXPECT_EQ(spec.system.components.size(), 2u);
  EXPECT_EQ(spec.system_text, kGoodSystem);
  EXPECT_TRUE(is_system_file(dir.path() / "machine.toml"));
  EXPECT_FALSE(is_system_file(exp));
}

TEST(Config, IntegersGivenAsFloatsBeyondTheirRangeAreRefused) {
  // toml++ converts a float to an integer with a cast that is undefined beyond the integer's range.
  EXPECT_TRUE(contains(error_of("seed = 1e28\n" + with_system(kGoodSystem)), "`seed` must be an integer"));
  EXPECT_TRUE(contains(error_of("max_events = -1e300\n" + with_system(kGoodSystem)), "`max_events` must be an integer"));
  EXPECT_TRUE(contains(error_of("threads = nan\n" + with_system(kGoodSystem)), "`threads` must be an integer"));
}

TEST(Config, MalformedTomlGivesFileLineColumn) {
  const std::string message = error_of("seed = 1\nengine = \"sequential\nthreads = 2\n");
  EXPECT_TRUE(contains(message, "exp.toml:2:")) << message;
  EXPECT_TRUE(contains(message, "malformed TOML")) << message;
}

TEST(Config, UnknownComponentTypeListsKnownOnes) {
  std::string system = kGoodSystem;
  system.replace(system.find("test.pingpong"), 13, "test.pingpang");
  const std::string message = error_of(with_system(system));
  EXPECT_TRUE(contains(message, "exp.toml:3:")) << message;
  EXPECT_TRUE(contains(message, "did you mean 'test.pingpong'")) << message;
  EXPECT_TRUE(contains(message, "workload.phold")) << message;
}

TEST(Config, UnknownParameterSuggestsTheNearest) {
  std::string system = kGoodSystem;
  system.replace(system.find("rounds = 3"), 10, "roundz = 3");
  const std::string message = error_of(with_system(system));
  EXPECT_TRUE(contains(message, "unknown parameter 'roundz'")) << message;
  EXPECT_TRUE(contains(message, "did you mean 'rounds'")) << message;
  EXPECT_TRUE(contains(message, "exp.toml:5:")) << message;
}

TEST(Config, WrongTypeNamesParameterAndType) {
  std::string system = kGoodSystem;
  system.replace(system.find("rounds = 3"), 10, "rounds = \"3\"");
  const std::string message = error_of(with_system(system));
  EXPECT_TRUE(contains(message, "'rounds' must be a non-negative integer, got a string")) << message;
  EXPECT_TRUE(contains(error_of(with_system(kGoodSystem + "\n"), {{"system.components.ping.starter", "1"}}),
                       "must be true or false"));
}

TEST(Config, MissingRequiredParameter) {
  std::string system = kGoodSystem;
  system.erase(system.find("rounds = 3"), 10);
  const std::string message = error_of(with_system(system));
  EXPECT_TRUE(contains(message, "missing required parameter 'rounds'")) << message;
  EXPECT_TRUE(contains(message, "component 'ping'")) << message;
}

TEST(Config, BadOrMissingUnit) {
  const std::string bare = error_of(with_system(kGoodSystem), {{"system.components.pong.think", "2"}});
  EXPECT_TRUE(contains(bare, "'think' needs a unit")) << bare;
  const std::string wrong = error_of(with_system(kGoodSystem), {{"system.components.pong.think", "2 GHz"}});
  EXPECT_TRUE(contains(wrong, "unknown time unit 'GHz'")) << wrong;
  const std::string size = error_of(with_system(kGoodSystem), {{"system.components.pong.buffer", "64 kb"}});
  EXPECT_TRUE(contains(size, "KiB")) << size;
}

TEST(Config, OutOfRangeAndInvalidChoiceAndCrossParameterCheck) {
  EXPECT_TRUE(contains(error_of(with_system(kGoodSystem), {{"system.components.ping.policy", "\"lru\""}}),
                       "valid: fifo, lifo, random"));
  EXPECT_TRUE(contains(error_of(with_system(kGoodSystem), {{"system.components.ping.offset", "-5000"}}),
                       "offset must be at least -1000"));
}

TEST(Config, LinkToMissingPortOrComponent) {
  std::string system = kGoodSystem;
  system.replace(system.find("to = \"pong.in\""), 14, "to = \"pong.inn\"");
  const std::string port = error_of(with_system(system));
  EXPECT_TRUE(contains(port, "has no input port 'inn'")) << port;
  EXPECT_TRUE(contains(port, "did you mean 'in'")) << port;

  system = kGoodSystem;
  system.replace(system.find("to = \"pong.in\""), 14, "to = \"pongg.in\"");
  EXPECT_TRUE(contains(error_of(with_system(system)), "no component named 'pongg' (did you mean 'pong'?)"));

  system = kGoodSystem;
  system.replace(system.find("to = \"pong.in\""), 14, "to = \"pong.out\"");
  EXPECT_TRUE(contains(error_of(with_system(system)), "is an output port"));
}

TEST(Config, ZeroLatencyLinkIsRefused) {
  std::string system = kGoodSystem;
  system.replace(system.find("latency = \"1 ns\""), 16, "latency = \"0 ns\"");
  const std::string message = error_of(with_system(system));
  EXPECT_TRUE(contains(message, "at least 1 ps")) << message;
  EXPECT_TRUE(contains(message, "exp.toml:")) << message;
}

TEST(Config, DuplicateComponentNameAcrossSystemAndWorkloads) {
  const std::string text = with_system(kGoodSystem) +
                           "\n[workloads.ping]\ntype = \"workload.phold\"\n";
  const std::string message = error_of(text);
  EXPECT_TRUE(contains(message, "duplicate component name 'ping'")) << message;
  EXPECT_TRUE(contains(message, "first defined at exp.toml:")) << message;
  // Inside one TOML file a repeated table is already a TOML error with its position.
  const std::string twice = error_of(with_system(kGoodSystem + "\n[components.ping]\ntype = \"test.pingpong\"\n"));
  EXPECT_TRUE(contains(twice, "malformed TOML")) << twice;
}

TEST(Config, ArraysNeedAnIndexAndIndexesMustExist) {
  const std::string base = "[workloads.lp]\ntype = \"workload.phold\"\ncount = 4\n[system.components]\n";
  EXPECT_TRUE(contains(error_of(base + "[[links]]\nfrom = \"lp.out\"\nto = \"lp[*].in\"\nlatency = \"1 ns\"\n"),
                       "is an array of 4"));
  EXPECT_TRUE(contains(error_of(base + "[[links]]\nfrom = \"lp[*].out\"\nto = \"lp[4].in\"\nlatency = \"1 ns\"\n"),
                       "index 4 is out of range"));
  EXPECT_NO_THROW(load(base + "[[links]]\nfrom = \"lp[*].out\"\nto = \"lp[*].in\"\nlatency = \"1 ns\"\n"));
  EXPECT_TRUE(contains(error_of(base + "[[links]]\nfrom = \"lp[*].out\"\nto = \"lp[*].in\"\nlatency = \"1 ns\"\n"
                                       "[[links]]\nfrom = \"lp[*].out\"\nto = \"lp[*].in\"\nlatency = \"2 ns\"\n"),
                       "is already defined at exp.toml:"));
  // One port, several links: allowed (receivers are numbered across them).
  EXPECT_NO_THROW(load(base + "[[links]]\nfrom = \"lp[*].out\"\nto = \"lp[*].in\"\nlatency = \"1 ns\"\n"
                              "[[links]]\nfrom = \"lp[2].out\"\nto = \"lp[*].in\"\nlatency = \"3 ns\"\n"));
}

TEST(Config, ExperimentKeysAreChecked) {
  EXPECT_TRUE(contains(error_of("seeed = 3\n" + with_system(kGoodSystem)), "did you mean 'seed'"));
  EXPECT_TRUE(contains(error_of("engine = \"gpu\"\n" + with_system(kGoodSystem)), "malformed TOML"));  // twice
  EXPECT_TRUE(contains(error_of(with_system(kGoodSystem), {{"engine", "\"gpu\""}}), "unknown engine 'gpu'"));
  EXPECT_TRUE(contains(error_of(with_system(kGoodSystem), {{"stop_time", "100"}}), "a time with a unit"));
  EXPECT_TRUE(contains(error_of(with_system(kGoodSystem), {{"stop_time", "100 lightyears"}}), "unknown time unit"));
  EXPECT_TRUE(contains(error_of("seed = 1\n"), "missing `system`"));
  EXPECT_TRUE(contains(error_of("system = \"nope.toml\"\n"), "cannot open file"));
}

TEST(Config, WorkloadsMustBeWorkloadPlugins) {
  const std::string message =
      error_of("[system.components]\n[workloads.x]\ntype = \"test.pingpong\"\nrounds = 1\n");
  EXPECT_TRUE(contains(message, "compute plugin")) << message;
}

TEST(Config, TechnologyTableFillsParametersComponentsDoNotSet) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "tech");
  dir.write("tech/t.toml", "name = \"test\"\n[defaults.\"test.pingpong\"]\nweight = 2.5\nthink = \"7 ns\"\n");
  const auto machine = dir.write("machine.toml", "technology = \"tech/t.toml\"\n" + kGoodSystem);
  const auto exp = dir.write("exp.toml", "system = \"machine.toml\"\n");
  const ExperimentSpec spec = load_experiment(exp, {}, archlab::testing::test_registry());
  EXPECT_DOUBLE_EQ(value_of<double>(spec.system.components[0], "weight"), 2.5);     // from the table
  EXPECT_EQ(value_of<Tick>(spec.system.components[0], "think"), 7000u);             // from the table
  EXPECT_EQ(value_of<Tick>(spec.system.components[1], "think"), 2000u);             // the component's own

  dir.write("tech/bad.toml", "[defaults.\"test.pingpong\"]\nweigth = 2.5\n");
  dir.write("bad_machine.toml", "technology = \"tech/bad.toml\"\n" + kGoodSystem);
  const auto bad = dir.write("bad.toml", "system = \"bad_machine.toml\"\n");
  try {
    load_experiment(bad, {}, archlab::testing::test_registry());
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_TRUE(contains(e.what(), "bad.toml:2:1")) << e.what();
    EXPECT_TRUE(contains(e.what(), "did you mean 'weight'")) << e.what();
  }
  dir.write("missing_machine.toml", "technology = \"tech/nope.toml\"\n" + kGoodSystem);
  const auto missing = dir.write("missing.toml", "system = \"missing_machine.toml\"\n");
  try {
    load_experiment(missing, {}, archlab::testing::test_registry());
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_TRUE(contains(e.what(), "missing_machine.toml:1:")) << e.what();
    EXPECT_TRUE(contains(e.what(), "technology table")) << e.what();
    EXPECT_TRUE(contains(e.what(), "nope.toml")) << e.what();
  }
}
