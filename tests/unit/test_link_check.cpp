// Checks across components at load time (check_links, archlab/link_check.hpp) and handlers that
// stop the run with a reason of their own (Context::stop), through the test.fits plugin.
#include <gtest/gtest.h>

#include <string>

#include "archlab/config.hpp"
#include "archlab/engine.hpp"
#include "archlab/errors.hpp"
#include "archlab/run.hpp"
#include "archlab/verify.hpp"
#include "../test_support.hpp"

namespace {

using archlab::ConfigError;
using archlab::testing::contains;

/// test.fits sending to `pong` (test.pingpong, whose `buffer` defaults to 64 KiB) and back.
std::string experiment(const std::string& fits, const std::string& pong, const std::string& to = "pong.in",
                       const std::string& extra = "") {
  return R"(engine = "sequential"
)" + extra + R"(
[system.components.fits]
type = "test.fits"
starter = true
)" + fits + R"(

[system.components.pong]
type = "test.pingpong"
)" + (contains(pong, "rounds") ? pong : pong + "\nrounds = 3") + R"(

[[system.links]]
from = "fits.out"
to = ")" + to + R"("
latency = "1 ns"

[[system.links]]
from = "pong[*].out"
to = "fits.in"
latency = "1 ns"
)";
}

archlab::ExperimentSpec load(const std::string& text) {
  return archlab::load_experiment_text(text, "exp.toml", ".", {}, archlab::testing::test_registry());
}

std::string error_of(const std::string& text) {
  try {
    load(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no ConfigError for:\n" << text;
  return "";
}

TEST(LinkCheck, APeerThatFitsIsAccepted) {
  const auto spec = load(experiment(R"(need = "64 KiB")", ""));
  EXPECT_EQ(archlab::run_experiment(spec).result.status, "completed");
}

TEST(LinkCheck, RefusalNamesBothComponentsThePortAndWhereEachIsDefined) {
  const std::string error = error_of(experiment(R"(need = "128 KiB")", R"(buffer = "32 KiB")"));
  EXPECT_TRUE(contains(error, "exp.toml:3:")) << error;  // where fits is defined
  EXPECT_TRUE(contains(error, "'fits' (test.fits) does not fit 'pong' (test.pingpong) on its port 'out'")) << error;
  EXPECT_TRUE(contains(error, "`need` = 131072 B is more than its `buffer` = 32768 B")) << error;
  EXPECT_TRUE(contains(error, "'pong' is defined at exp.toml:8:")) << error;
}

TEST(LinkCheck, APeerInAnArrayIsNamedWithItsIndex) {
  const std::string error =
      error_of(experiment(R"(need = "1 MiB")", "count = 3", "pong[2].in"));
  EXPECT_TRUE(contains(error, "does not fit 'pong[2]' (test.pingpong)")) << error;
}

TEST(LinkCheck, TooManyComponentsOnAPortIsRefusedWithoutNamingOne) {
  const std::string error = error_of(experiment("max_peers = 4", "count = 5", "pong[*].in"));
  EXPECT_TRUE(contains(error, "'fits' (test.fits): port 'out' reaches 5 components, at most `max_peers` = 4"))
      << error;
  EXPECT_FALSE(contains(error, "does not fit")) << error;
  EXPECT_NO_THROW(load(experiment("max_peers = 5", "count = 5", "pong[*].in")));
}

TEST(LinkCheck, EveryReplicaOfAnEnsembleIsChecked) {
  const std::string ensemble = R"(
[ensemble]
replicas = 2
[ensemble.vary]
"system.components.pong.buffer" = ["64 KiB", "1 KiB"]
)";
  const std::string error = error_of(experiment(R"(need = "2 KiB")", "", "pong.in", ensemble));
  EXPECT_TRUE(contains(error, "`buffer` = 1024 B")) << error;
}

TEST(StopReason, AHandlerStopsTheRunWithItsDeclaredReasonOnEveryEngine) {
  const auto spec = load(experiment("stop_after = 2", "rounds = 100"));
  for (const char* engine : {"sequential", "windowed"}) {
    auto copy = spec;
    copy.engine = engine;
    try {
      archlab::run_experiment(copy);
      ADD_FAILURE() << engine << ": the run did not stop";
    } catch (const archlab::RunError& e) {
      const std::string error = e.what();
      EXPECT_TRUE(contains(error, "fits")) << engine << ": " << error;
      EXPECT_TRUE(contains(error, "stopped the run: received `stop_after` events, as the test asked"))
          << engine << ": " << error;
      EXPECT_FALSE(contains(error, "port")) << engine << ": " << error;
    }
  }
  // The GPU engine's algorithm, on the host: the reason crosses its window status too.
  const auto engine = archlab::make_gpu_emulation_engine();
  try {
    archlab::run_recorded(spec, *engine, 1);
    ADD_FAILURE() << "gpu-emulated: the run did not stop";
  } catch (const archlab::RunError& e) {
    EXPECT_TRUE(contains(e.what(), "stopped the run: received `stop_after` events")) << e.what();
  }
}

}  // namespace
