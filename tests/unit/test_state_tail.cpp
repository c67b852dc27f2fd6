// Per-instance state sized by the parameters (ComponentDescriptor::state_tail_bytes): the stride
// between a type's instances is State plus the largest tail of its groups, tails start zeroed,
// two groups with different tails each keep their own cells on every engine, and a tail beyond
// what an instance may hold is refused naming the component. test.tail (tests/plugins/tail.cpp)
// checks its cells itself at every event; these tests also read them back from the states.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "../plugin_run.hpp"
#include "../test_support.hpp"
#include "archlab/config.hpp"
#include "archlab/engine.hpp"
#include "archlab/errors.hpp"
#include "archlab/system.hpp"

namespace archlab::testing {
namespace {

/// `a` (count 4, starter) and `b` (count 4) of test.tail with `cells_a` and `cells_b` cells,
/// playing ping-pong for `rounds` answers each; `pp` a test.pingpong pair beside them (no tail).
std::string tails(std::uint64_t cells_a, std::uint64_t cells_b, std::uint64_t rounds = 20) {
  return R"(engine = "sequential"
[system.components.a]
type = "test.tail"
count = 4
starter = true
cells = )" +
         std::to_string(cells_a) + "\nrounds = " + std::to_string(rounds) + R"(
[system.components.b]
type = "test.tail"
count = 4
cells = )" +
         std::to_string(cells_b) + "\nrounds = " + std::to_string(rounds) + R"(
think = "2 ns"
[system.components.pp]
type = "test.pingpong"
count = 2
starter = true
rounds = 5
[[system.links]]
from = "a[*].out"
to = "b[*].in"
latency = "1 ns"
[[system.links]]
from = "b[*].out"
to = "a[*].in"
latency = "3 ns"
[[system.links]]
from = "pp[*].out"
to = "pp[*].in"
latency = "2 ns"
)";
}

const ComponentType& type_named(const SystemInstance& system, const std::string& name) {
  for (const auto& type : system.types()) {
    if (type->name == name) return *type;
  }
  throw std::runtime_error("no type " + name);
}

std::uint64_t cell(const ComponentType& type, std::uint32_t local, std::uint64_t k) {
  std::uint64_t value;
  std::memcpy(&value,
              type.states.data() + static_cast<std::size_t>(local) * type.rt.state_size + type.descriptor->state_size +
                  k * sizeof value,
              sizeof value);
  return value;
}

TEST(StateTail, StrideIsStatePlusTheLargestTailOfTheTypesGroups) {
  const ExperimentSpec spec = load_experiment_text(tails(3, 50), "tail.toml", ".", {}, test_registry());
  const SystemInstance system(spec.system, spec.seed);
  const ComponentType& tail = type_named(system, "test.tail");
  ASSERT_NE(tail.descriptor->state_tail_bytes, nullptr);
  EXPECT_EQ(tail.descriptor->state_size, 24u); // signature, received, sent
  EXPECT_EQ(tail.rt.state_size, 24u + 50 * 8) << "b's 50 cells, not a's 3, space all eight instances";
  EXPECT_EQ(tail.states.size(), 8u * (24 + 50 * 8));
  for (std::byte b : tail.states)
    ASSERT_EQ(b, std::byte{0}) << "states and tails start zeroed";

  // A type without the hook keeps sizeof(State) as its stride; a tail of 0 bytes adds nothing.
  const ComponentType& pingpong = type_named(system, "test.pingpong");
  EXPECT_EQ(pingpong.descriptor->state_tail_bytes, nullptr);
  EXPECT_EQ(pingpong.rt.state_size, pingpong.descriptor->state_size);
  const ExperimentSpec none = load_experiment_text(tails(0, 0), "tail.toml", ".", {}, test_registry());
  const SystemInstance without(none.system, none.seed);
  EXPECT_EQ(type_named(without, "test.tail").rt.state_size, 24u);
}

class StateTailEngines : public ::testing::TestWithParam<std::pair<const char*, unsigned>> {};

TEST_P(StateTailEngines, EachGroupKeepsItsOwnCells) {
  const auto [engine, threads] = GetParam();
  constexpr std::uint64_t kCellsA = 3, kCellsB = 50, kRounds = 20;
  const ExperimentSpec spec =
      load_experiment_text(tails(kCellsA, kCellsB, kRounds), "tail.toml", ".", {}, test_registry());
  SystemInstance system(spec.system, spec.seed);
  EngineOptions options;
  options.threads = threads;
  const RunResult result = (std::string(engine) == "gpu-emulated" ? make_gpu_emulation_engine() : make_engine(engine))
                               ->run(system, options, nullptr);
  EXPECT_EQ(result.status, "completed");
  const auto stats = stats_by_name(system);
  // a[i] and b[i] each send rounds answers; a also sends the first ball: a receives rounds balls,
  // b rounds + 1.
  double checked = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(stats.at("test.tail.dirty")[i], 0.0) << i;
    EXPECT_EQ(stats.at("test.tail.corrupt")[i], 0.0) << i;
    checked += stats.at("test.tail.checked")[i];
  }
  EXPECT_EQ(checked, 4.0 * kRounds * kCellsA + 4.0 * (kRounds + 1) * kCellsB);

  // The cells as the run left them: tag + balls received, and a's unused room still zero.
  const ComponentType& type = type_named(system, "test.tail");
  for (std::uint32_t local = 0; local < 8; ++local) {
    const bool in_a = local < 4;
    const std::uint64_t received = in_a ? kRounds : kRounds + 1;
    const std::uint64_t cells = in_a ? kCellsA : kCellsB;
    const std::uint64_t id = type.rt.base + local;
    for (std::uint64_t k = 0; k < cells; ++k) {
      EXPECT_EQ(cell(type, local, k), (id + 1) * 100000 + k + received) << local << " cell " << k;
    }
    for (std::uint64_t k = cells; k < kCellsB; ++k)
      EXPECT_EQ(cell(type, local, k), 0u) << local << " room " << k;
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, StateTailEngines,
                         ::testing::Values(std::pair<const char*, unsigned>{"sequential", 1},
                                           std::pair<const char*, unsigned>{"windowed", 1},
                                           std::pair<const char*, unsigned>{"windowed", 3},
                                           std::pair<const char*, unsigned>{"gpu-emulated", 1}),
                         [](const auto& info) {
                           std::string name = std::string(info.param.first) + "_x" + std::to_string(info.param.second);
                           for (char& c : name)
                             c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

TEST(StateTail, ATailBeyondWhatAnInstanceMayHoldIsRefusedNamingTheComponent) {
  const ExperimentSpec spec = load_experiment_text(tails(3, 300'000'000), "tail.toml", ".", {}, test_registry());
  try {
    const SystemInstance system(spec.system, spec.seed);
    ADD_FAILURE() << "a 2.4 GB state per instance was accepted";
  } catch (const ConfigError& error) {
    const std::string message = error.what();
    EXPECT_TRUE(contains(message, "'b' (test.tail)") && contains(message, "2400000024 bytes of state") &&
                contains(message, "2 GiB"))
        << message;
  }
}

} // namespace
} // namespace archlab::testing
