// The `archlab` program given hostile input (issue 15): each case once crashed, hung, wrote
// where it should not, or said something wrong. Exit 2 and a clear message is the contract.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "../test_support.hpp"

using archlab::testing::contains;
using archlab::testing::TempDir;

namespace {

struct Outcome {
  int status;
  std::string output; // stdout and stderr together
};

Outcome archlab_cli(const std::string& arguments) {
  const std::string command = std::string("timeout 120 ") + ARCHLAB_EXE + " " + arguments + " 2>&1";
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

std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
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

std::string dotted(std::size_t segments) {
  std::string key = "a";
  for (std::size_t i = 1; i < segments; ++i)
    key += ".a";
  return key;
}

} // namespace

TEST(HostileCli, DeepDottedKeysExitTwoInsteadOfOverflowingTheStack) {
  TempDir dir;
  const auto deep = dir.write("deep.toml", dotted(50'000) + " = 1\n");
  Outcome outcome = archlab_cli("check " + quoted(deep));
  EXPECT_EQ(outcome.status, 2) << outcome.output.substr(0, 500);
  EXPECT_TRUE(contains(outcome.output, "keys nest more than 64 levels")) << outcome.output.substr(0, 500);
  const auto experiment = dir.write("exp.toml", kExperiment);
  outcome = archlab_cli("check " + quoted(experiment) + " --set " + dotted(60'000) + "=1");
  EXPECT_EQ(outcome.status, 2) << outcome.output.substr(0, 500);
  EXPECT_TRUE(contains(outcome.output, "more than 64 dotted segments")) << outcome.output.substr(0, 500);
}

TEST(HostileCli, DevicesPipesAndDirectoriesAreRefusedAtOnce) {
  TempDir dir;
  Outcome outcome = archlab_cli("check /dev/zero");
  EXPECT_EQ(outcome.status, 2) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "/dev/zero: is not a regular file")) << outcome.output;
  const auto fifo = dir.path() / "fifo.toml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  outcome = archlab_cli("check " + quoted(fifo));
  EXPECT_EQ(outcome.status, 2) << outcome.output;
  outcome = archlab_cli("run " + quoted(dir.path()));
  EXPECT_EQ(outcome.status, 2) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "is a directory, not a file")) << outcome.output;
  EXPECT_FALSE(contains(outcome.output, "missing `system`")) << outcome.output;
}

TEST(HostileCli, OutputPathIsTakenLiterally) {
  TempDir dir;
  const auto experiment = dir.write("exp.toml", kExperiment);
  for (const std::string name : {"r\\u0041.h5", "a\"b.h5"}) {
    const Outcome outcome = archlab_cli("run -q " + quoted(experiment) + " -o " + quoted(dir.path() / name));
    EXPECT_EQ(outcome.status, 0) << outcome.output;
    EXPECT_TRUE(std::filesystem::is_regular_file(dir.path() / name)) << name;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "rA.h5"));
}

TEST(HostileCli, OutputNeverReplacesAnInputALinkOrAFileThatIsNotRegular) {
  TempDir dir;
  const auto experiment = dir.write("exp.toml", kExperiment);
  Outcome outcome = archlab_cli("run -q " + quoted(experiment) + " -o " + quoted(experiment));
  EXPECT_EQ(outcome.status, 2) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "one of the run's inputs")) << outcome.output;
  EXPECT_EQ(read(experiment), kExperiment);

  const auto target = dir.write("target.h5", "keep");
  const auto link = dir.path() / "link.h5";
  std::filesystem::create_symlink(target, link);
  outcome = archlab_cli("run -q " + quoted(experiment) + " -o " + quoted(link));
  EXPECT_EQ(outcome.status, 2) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "symbolic link")) << outcome.output;
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  EXPECT_EQ(read(target), "keep");

  const auto fifo = dir.path() / "fifo.h5";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  outcome = archlab_cli("run -q " + quoted(experiment) + " -o " + quoted(fifo));
  EXPECT_EQ(outcome.status, 2) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "not a regular file")) << outcome.output;
  struct stat info {};
  ASSERT_EQ(::lstat(fifo.c_str(), &info), 0);
  EXPECT_TRUE(S_ISFIFO(info.st_mode));
}

TEST(HostileCli, AHugeValueIsNotEchoedWhole) {
  TempDir dir;
  const auto experiment = dir.write("exp.toml", "engine = \"" + std::string(10'000'000, 'x') + "\"\n" +
                                                    kExperiment.substr(kExperiment.find('\n') + 1));
  const Outcome outcome = archlab_cli("check " + quoted(experiment));
  EXPECT_EQ(outcome.status, 2);
  EXPECT_TRUE(contains(outcome.output, "unknown engine")) << outcome.output.substr(0, 300);
  EXPECT_LT(outcome.output.size(), 600u);
}

class HostileStudy : public ::testing::Test {
protected:
  void SetUp() override {
    std::string text = read(std::string(ARCHLAB_SOURCE_DIR) + "/tests/tune/systolic_tune.toml");
    ASSERT_FALSE(text.empty());
    experiment_ = dir_.write("study.toml", text);
    study_ = dir_.path() / "study.h5";
    const Outcome first = archlab_cli("tune -q " + quoted(experiment_) + " --set tune.budget=4 -o " + quoted(study_));
    ASSERT_EQ(first.status, 0) << first.output;
  }
  std::string resume(const std::string& extra = "") {
    const Outcome outcome =
        archlab_cli("tune -q " + quoted(experiment_) + " --set tune.budget=8 --resume " + quoted(study_) + " " + extra);
    status_ = outcome.status;
    return outcome.output;
  }
  TempDir dir_;
  std::filesystem::path experiment_;
  std::filesystem::path study_;
  int status_ = -1;
};

TEST_F(HostileStudy, ASecondResumeWhileOneRunsIsRefusedNamingTheHolder) {
  // This test process holds the lock, as a running `archlab tune` would.
  const auto lock_path = dir_.path() / ".study.h5.lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  const std::string pid = std::to_string(::getpid());
  ASSERT_EQ(::write(fd, pid.data(), pid.size()), static_cast<ssize_t>(pid.size()));
  const std::string output = resume();
  EXPECT_EQ(status_, 2) << output;
  EXPECT_TRUE(contains(output, "in use by process " + pid)) << output;
  ::close(fd); // as if the holder had been killed: the lock goes with it
  const std::string after = resume();
  EXPECT_EQ(status_, 0) << after;
  EXPECT_FALSE(std::filesystem::exists(lock_path)) << "the lock file outlives the study";
}

TEST_F(HostileStudy, TemporariesOfAKilledRewriteAreRemoved) {
  const auto stale = dir_.write(".study.h5.tmp-999999", "half a study");
  const auto other = dir_.write(".other.h5.tmp-999999", "another study's");
  const std::string output = resume();
  EXPECT_EQ(status_, 0) << output;
  EXPECT_FALSE(std::filesystem::exists(stale));
  EXPECT_TRUE(std::filesystem::exists(other));
}

TEST_F(HostileStudy, ResumeWithAnotherSeedIsRefused) {
  std::string output = resume("--set tune.seed=8");
  EXPECT_EQ(status_, 2) << output;
  EXPECT_TRUE(contains(output, "the study ran with tune.seed = 7, this experiment has 8")) << output;
  output = resume("--set seed=5");
  EXPECT_EQ(status_, 2) << output;
  EXPECT_TRUE(contains(output, "the study ran with seed = 1, this experiment has 5")) << output;
  output = resume();
  EXPECT_EQ(status_, 0) << output;
}

TEST_F(HostileStudy, StudyOutputIsNeverItsOwnExperiment) {
  const std::string before = read(experiment_);
  const Outcome outcome = archlab_cli("tune -q " + quoted(experiment_) + " -o " + quoted(experiment_));
  EXPECT_EQ(outcome.status, 2) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "one of the run's inputs")) << outcome.output;
  EXPECT_EQ(read(experiment_), before);
}
