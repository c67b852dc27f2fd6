// compute.vector through the real loader and the sequential engine, fed by workload.vector_driver.
// Defaults: 128 lanes, 1 GHz, pipeline latency 8; passes: element-wise 1, reduction 1,
// softmax 3, layer norm 2, activation 1.
#include <gtest/gtest.h>

#include <string>

#include "archlab/errors.hpp"
#include "compute_run.hpp"

using archlab::testing::contains;
using archlab::testing::expect_config_error;
using archlab::testing::run_text;

namespace {

struct Op {
  const char* op;
  unsigned elements;
  unsigned row_length;
};

/// One driver and one unit, 1 ns links both ways, 1 GHz: an operation of c cycles answers at c + 2 ns.
std::string one_unit(const Op& op, const std::string& unit_extra = "", unsigned ops = 1, unsigned outstanding = 1) {
  return "engine = \"sequential\"\n"
         "[system.components.vu]\ntype = \"compute.vector\"\n" +
         unit_extra + "[workloads.drv]\ntype = \"workload.vector_driver\"\nop = \"" + op.op +
         "\"\nelements = " + std::to_string(op.elements) + "\nrow_length = " + std::to_string(op.row_length) +
         "\nops = " + std::to_string(ops) + "\noutstanding = " + std::to_string(outstanding) +
         "\n[[links]]\nfrom = \"drv.out\"\nto = \"vu.cmd\"\nlatency = \"1 ns\"\n"
         "[[links]]\nfrom = \"vu.done\"\nto = \"drv.in\"\nlatency = \"1 ns\"\n";
}

struct PinnedCase {
  Op op;
  unsigned passes;
  unsigned cycles;
};

class VectorCycles : public ::testing::TestWithParam<PinnedCase> {};

} // namespace

TEST_P(VectorCycles, FollowTheFormula) {
  const PinnedCase& c = GetParam();
  const auto run = run_text(one_unit(c.op));
  EXPECT_EQ(run.result.status, "completed");
  EXPECT_EQ(run.result.final_time, (c.cycles + 2) * 1000ull);
  EXPECT_EQ(run.stat("workload.vector_driver.cycles"), c.cycles);
  EXPECT_EQ(run.stat("workload.vector_driver.elements"), c.op.elements);
  EXPECT_EQ(run.stat("compute.vector.cycles"), c.cycles);
  EXPECT_EQ(run.stat("compute.vector.busy_time"), c.cycles * 1000.0);
  EXPECT_EQ(run.stat("compute.vector.ops"), 1.0);
  EXPECT_EQ(run.stat("compute.vector.lane_ops"), static_cast<double>(c.op.elements) * c.passes);
  EXPECT_DOUBLE_EQ(run.stat("compute.vector.energy"), c.op.elements * c.passes * 1.5);
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(Defaults, VectorCycles, ::testing::Values(
    PinnedCase{{"elementwise", 1000, 0}, 1, 8 + 8},       // ceil(1000 / 128) = 8 vectors
    PinnedCase{{"elementwise", 1, 0}, 1, 1 + 8},
    PinnedCase{{"elementwise", 0, 0}, 1, 0},              // nothing to do: answered at once
    PinnedCase{{"reduction", 1000, 0}, 1, 8 + 8},
    PinnedCase{{"reduction", 1000, 10}, 1, 100 + 8},      // 100 rows of 10: one vector each
    PinnedCase{{"softmax", 128, 0}, 3, 3 + 8},
    PinnedCase{{"softmax", 1000, 100}, 3, 10 * 3 + 8},
    PinnedCase{{"softmax", 1000, 300}, 3, (3 * 3 + 1) * 3 + 8},  // 3 rows of 3 vectors, 100 left over: 1
    PinnedCase{{"layernorm", 3072, 768}, 2, 4 * 6 * 2 + 8},
    PinnedCase{{"activation", 4096, 0}, 1, 32 + 8}),
    [](const ::testing::TestParamInfo<PinnedCase>& info) {
      return std::string(info.param.op.op) + "_" + std::to_string(info.param.op.elements) + "_row" +
             std::to_string(info.param.op.row_length);
    });
// clang-format on

TEST(Vector, ParametersChangeTheCycles) {
  // 64 lanes, latency 3, softmax in 2 passes (online softmax): 1000 in rows of 100 is 10 x 2 vectors.
  const auto run = run_text(one_unit({"softmax", 1000, 100}, "lanes = 64\npipeline_latency = 3\nsoftmax_passes = 2\n"));
  EXPECT_EQ(run.stat("compute.vector.cycles"), 10 * 2 * 2 + 3.0);
  EXPECT_EQ(run.stat("compute.vector.lane_ops"), 2000.0);
}

TEST(Vector, OperationsQueueFirstComeFirstServed) {
  // 16 cycles each; two arrive at 1 ns, the second waits 16 ns; the first answer (18 ns)
  // releases a third, arriving at 19 ns and waiting until 33 ns.
  const auto run = run_text(one_unit({"elementwise", 1000, 0}, "", 3, 2));
  EXPECT_EQ(run.stat("compute.vector.queue_delay"), (16.0 + 14.0) * 1000);
  EXPECT_EQ(run.stat("compute.vector.ops"), 3.0);
  EXPECT_EQ(run.result.final_time, (1 + 3 * 16 + 1) * 1000u);
  EXPECT_EQ(run.stat("workload.vector_driver.completion_time"), 50000.0);
}

TEST(Vector, EnergyAndArea) {
  const auto run =
      run_text(one_unit({"layernorm", 3072, 768}, "lanes = 32\nlane_op_energy_pj = 0.5\nlane_area_mm2 = 0.01\n"));
  EXPECT_DOUBLE_EQ(run.stat("compute.vector.energy"), 3072 * 2 * 0.5);
  EXPECT_DOUBLE_EQ(run.stat("compute.vector.area"), 32 * 0.01);
  EXPECT_EQ(run.stat("compute.vector.cycles"), 4 * 24 * 2 + 8.0);
}

TEST(Vector, ClockSetsTheCycleTime) {
  const auto run = run_text(one_unit({"elementwise", 1000, 0}, "clock = \"3 GHz\"\n"));
  EXPECT_EQ(run.stat("compute.vector.busy_time"), 5333.0); // 16 cycles of 333.33 ps
}

TEST(Vector, AnswersGoBackToTheSenderThroughAnArrayLink) {
  const std::string text = R"(engine = "sequential"
[system.components.vu]
type = "compute.vector"
[workloads.drv]
type = "workload.vector_driver"
count = 4
op = "activation"
elements = 256
ops = 3
[[links]]
from = "drv[*].out"
to = "vu.cmd"
latency = "1 ns"
[[links]]
from = "vu.done"
to = "drv[*].in"
latency = "1 ns"
)";
  const auto run = run_text(text);
  EXPECT_EQ(run.result.status, "completed");
  EXPECT_EQ(run.stat("compute.vector.ops"), 12.0);
  for (std::size_t i = 0; i < 4; ++i)
    EXPECT_EQ(run.stat("workload.vector_driver.done", i), 3.0) << "drv[" << i << "]";
}

TEST(Vector, OtherCommandsAreRejectedWithoutAnAnswer) {
  const std::string text = R"(engine = "sequential"
[system.components.vu]
type = "compute.vector"
[workloads.gemm]
type = "workload.gemm_driver"
tiles = 2
outstanding = 2
[[links]]
from = "gemm.out"
to = "vu.cmd"
latency = "1 ns"
[[links]]
from = "vu.done"
to = "gemm.in"
latency = "1 ns"
)";
  const auto run = run_text(text);
  EXPECT_EQ(run.stat("compute.vector.rejected"), 2.0);
  EXPECT_EQ(run.stat("compute.vector.ops"), 0.0);
  EXPECT_EQ(run.stat("workload.gemm_driver.done"), 0.0);
}

TEST(Vector, BadParametersAreConfigurationErrors) {
  expect_config_error(one_unit({"softmax", 10, 0}, "lanes = 0\n"), "parameter 'lanes' is out of range");
  expect_config_error(one_unit({"softmax", 10, 0}, "softmax_passes = 0\n"),
                      "parameter 'softmax_passes' is out of range");
  expect_config_error(one_unit({"gelu", 10, 0}), "op");
}
