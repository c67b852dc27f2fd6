// compute.systolic through the real loader and the sequential engine, fed by workload.gemm_driver.
// The cycle counts are SCALE-Sim 3.0.0's "Total Cycles" for the same GEMM (its gemm topology
// format), array and dataflow, with zero stall cycles.
#include <gtest/gtest.h>

#include <string>

#include "archlab/errors.hpp"
#include "compute_run.hpp"

using archlab::testing::contains;
using archlab::testing::expect_config_error;
using archlab::testing::run_text;

namespace {

struct Tile {
  unsigned m, n, k;
};

struct Array {
  unsigned rows, cols;
  const char* dataflow;
};

/// One driver and one array, 1 ns links both ways, 1 GHz: a tile of c cycles answers at c + 2 ns.
std::string one_array(const Array& array, const Tile& tile, unsigned tiles = 1, unsigned outstanding = 1,
                      const std::string& extra = "") {
  return "engine = \"sequential\"\n"
         "[system.components.sa]\ntype = \"compute.systolic\"\nrows = " +
         std::to_string(array.rows) + "\ncols = " + std::to_string(array.cols) + "\ndataflow = \"" + array.dataflow +
         "\"\n" + extra + "[workloads.drv]\ntype = \"workload.gemm_driver\"\nm = " + std::to_string(tile.m) +
         "\nn = " + std::to_string(tile.n) + "\nk = " + std::to_string(tile.k) + "\ntiles = " + std::to_string(tiles) +
         "\noutstanding = " + std::to_string(outstanding) +
         "\n[[links]]\nfrom = \"drv.out\"\nto = \"sa.cmd\"\nlatency = \"1 ns\"\n"
         "[[links]]\nfrom = \"sa.done\"\nto = \"drv.in\"\nlatency = \"1 ns\"\n";
}

struct PinnedCase {
  Array array;
  Tile tile;
  unsigned cycles;
};

class SystolicCycles : public ::testing::TestWithParam<PinnedCase> {};

} // namespace

TEST_P(SystolicCycles, MatchScaleSim) {
  const PinnedCase& c = GetParam();
  const auto run = run_text(one_array(c.array, c.tile));
  const double macs = static_cast<double>(c.tile.m) * c.tile.n * c.tile.k;
  EXPECT_EQ(run.result.status, "completed");
  EXPECT_EQ(run.result.final_time, (c.cycles + 2) * 1000ull);
  EXPECT_EQ(run.stat("workload.gemm_driver.cycles"), c.cycles);
  EXPECT_EQ(run.stat("workload.gemm_driver.macs"), macs);
  EXPECT_EQ(run.stat("workload.gemm_driver.done"), 1.0);
  EXPECT_EQ(run.stat("workload.gemm_driver.completion_time"), (c.cycles + 2) * 1000.0);
  EXPECT_EQ(run.stat("compute.systolic.cycles"), c.cycles);
  EXPECT_EQ(run.stat("compute.systolic.busy_time"), c.cycles * 1000.0);
  EXPECT_EQ(run.stat("compute.systolic.tiles"), 1.0);
  EXPECT_EQ(run.stat("compute.systolic.macs"), macs);
  EXPECT_EQ(run.stat("compute.systolic.queue_delay"), 0.0);
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(ScaleSim, SystolicCycles, ::testing::Values(
    // 4 x 4, one fold: os streams K = 4 cycles plus 3 + 3 of skew (10 cycles, numbered 0..9);
    // ws and is first load the stationary operand (4 more).
    PinnedCase{{4, 4, "os"}, {4, 4, 4}, 9}, PinnedCase{{4, 4, "ws"}, {4, 4, 4}, 13},
    PinnedCase{{4, 4, "is"}, {4, 4, 4}, 13},
    // 5 x 7 x 3 folds: os 2 x 2 folds of 3 + 6; ws 1 x 2 of 4 + 6 + 5; is 1 x 2 of 4 + 6 + 7.
    PinnedCase{{4, 4, "os"}, {5, 7, 3}, 35}, PinnedCase{{4, 4, "ws"}, {5, 7, 3}, 29},
    PinnedCase{{4, 4, "is"}, {5, 7, 3}, 33},
    PinnedCase{{4, 4, "os"}, {1, 1, 1}, 6}, PinnedCase{{4, 4, "ws"}, {1, 1, 1}, 10},
    PinnedCase{{4, 4, "is"}, {1, 1, 1}, 10},
    PinnedCase{{4, 4, "os"}, {9, 4, 4}, 29}, PinnedCase{{4, 4, "ws"}, {9, 4, 4}, 18},
    PinnedCase{{4, 4, "is"}, {9, 4, 4}, 41},
    PinnedCase{{4, 4, "os"}, {10, 3, 7}, 38}, PinnedCase{{4, 4, "ws"}, {10, 3, 7}, 39},
    PinnedCase{{4, 4, "is"}, {10, 3, 7}, 77},
    // Not square: rows and columns must not be swapped.
    PinnedCase{{2, 3, "os"}, {5, 7, 3}, 53}, PinnedCase{{2, 3, "ws"}, {5, 7, 3}, 59},
    PinnedCase{{2, 3, "is"}, {5, 7, 3}, 47},
    PinnedCase{{2, 3, "os"}, {10, 3, 7}, 49}, PinnedCase{{2, 3, "ws"}, {10, 3, 7}, 59},
    PinnedCase{{2, 3, "is"}, {10, 3, 7}, 127},
    PinnedCase{{3, 2, "os"}, {5, 7, 3}, 47}, PinnedCase{{3, 2, "ws"}, {5, 7, 3}, 43},
    PinnedCase{{3, 2, "is"}, {5, 7, 3}, 38},
    PinnedCase{{8, 4, "os"}, {10, 3, 7}, 33}, PinnedCase{{8, 4, "ws"}, {10, 3, 7}, 27},
    PinnedCase{{8, 4, "is"}, {10, 3, 7}, 62}),
    [](const ::testing::TestParamInfo<PinnedCase>& info) {
      const PinnedCase& c = info.param;
      return std::to_string(c.array.rows) + "x" + std::to_string(c.array.cols) + "_" + c.array.dataflow + "_" +
             std::to_string(c.tile.m) + "x" + std::to_string(c.tile.n) + "x" + std::to_string(c.tile.k);
    });
// clang-format on

TEST(Systolic, TilesQueueFirstComeFirstServed) {
  // ws 4 x 4, 5 x 7 x 3: 29 cycles a tile. Tiles 1 and 2 arrive at 1 ns; tile 2 waits 29 ns.
  // Tile 1's answer (31 ns) releases tile 3, which arrives at 32 ns and waits until 59 ns.
  const auto run = run_text(one_array({4, 4, "ws"}, {5, 7, 3}, 3, 2));
  EXPECT_EQ(run.result.final_time, 89000u);
  EXPECT_EQ(run.stat("compute.systolic.tiles"), 3.0);
  EXPECT_EQ(run.stat("compute.systolic.queue_delay"), (29.0 + 27.0) * 1000);
  EXPECT_EQ(run.stat("compute.systolic.busy_time"), 3 * 29000.0);
  EXPECT_EQ(run.stat("workload.gemm_driver.latency"), (31.0 + 60.0 + 58.0) * 1000);
  EXPECT_EQ(run.stat("workload.gemm_driver.completion_time"), 89000.0);
}

TEST(Systolic, ClockSetsTheCycleTime) {
  const auto run = run_text(one_array({4, 4, "os"}, {5, 7, 3}, 1, 1, "clock = \"1.5 GHz\"\n"));
  const double busy = 23333.0; // 35 cycles of 666.67 ps, to the nearest picosecond
  EXPECT_EQ(run.stat("compute.systolic.busy_time"), busy);
  EXPECT_EQ(run.result.final_time, 2000 + 23333u);
}

TEST(Systolic, EnergyAndArea) {
  const auto defaults = run_text(one_array({4, 4, "os"}, {5, 7, 3}));
  EXPECT_DOUBLE_EQ(defaults.stat("compute.systolic.energy"), 105 * 0.23);
  EXPECT_DOUBLE_EQ(defaults.stat("compute.systolic.area"), 16 * 0.000318);
  const auto fp16 = run_text(one_array({8, 2, "ws"}, {5, 7, 3}, 2, 1, "mac_energy_pj = 1.5\npe_area_mm2 = 0.01\n"));
  EXPECT_DOUBLE_EQ(fp16.stat("compute.systolic.energy"), 2 * 105 * 1.5);
  EXPECT_DOUBLE_EQ(fp16.stat("compute.systolic.area"), 16 * 0.01);
}

TEST(Systolic, AnswersGoBackToTheSenderThroughAnArrayLink) {
  // Three controllers share one array; the answers reach each controller by index_of.
  const std::string text = R"(engine = "sequential"
[system.components.sa]
type = "compute.systolic"
rows = 4
cols = 4
[workloads.ctrl]
type = "workload.gemm_driver"
count = 3
m = 4
n = 4
k = 4
tiles = 2
[[links]]
from = "ctrl[*].out"
to = "sa.cmd"
latency = "1 ns"
[[links]]
from = "sa.done"
to = "ctrl[*].in"
latency = "1 ns"
)";
  const auto run = run_text(text);
  EXPECT_EQ(run.result.status, "completed");
  EXPECT_EQ(run.stat("compute.systolic.tiles"), 6.0);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(run.stat("workload.gemm_driver.done", i), 2.0) << "ctrl[" << i << "]";
    EXPECT_EQ(run.stat("workload.gemm_driver.cycles", i), 2 * 9.0) << "ctrl[" << i << "]";
  }
  // All three first tiles arrive at 1 ns and queue: 9 ns each, back to back, then the second
  // tiles (sent when the first answers arrive) keep the array busy until 1 + 6 * 9 ns.
  EXPECT_EQ(run.result.final_time, (1 + 6 * 9 + 1) * 1000u);
}

TEST(Systolic, DriverSpreadsTilesOverAnArrayOfArrays) {
  const std::string text = R"(engine = "sequential"
[system.components.sa]
type = "compute.systolic"
count = 2
rows = 4
cols = 4
dataflow = "is"
[workloads.ctrl]
type = "workload.gemm_driver"
m = 9
n = 4
k = 4
tiles = 5
outstanding = 5
[[links]]
from = "ctrl.out"
to = "sa[*].cmd"
latency = "1 ns"
[[links]]
from = "sa[*].done"
to = "ctrl.in"
latency = "1 ns"
)";
  const auto run = run_text(text);
  EXPECT_EQ(run.stat("compute.systolic.tiles", 0), 3.0);
  EXPECT_EQ(run.stat("compute.systolic.tiles", 1), 2.0);
  EXPECT_EQ(run.stat("workload.gemm_driver.cycles"), 5 * 41.0);
  EXPECT_EQ(run.result.final_time, (1 + 3 * 41 + 1) * 1000u);
}

TEST(Systolic, AnswerToASenderTheDoneLinkDoesNotReachStopsTheRun) {
  const std::string text = R"(engine = "sequential"
[system.components.sa]
type = "compute.systolic"
[workloads.a]
type = "workload.gemm_driver"
[workloads.b]
type = "workload.gemm_driver"
[[links]]
from = "a.out"
to = "sa.cmd"
latency = "1 ns"
[[links]]
from = "b.out"
to = "sa.cmd"
latency = "1 ns"
[[links]]
from = "sa.done"
to = "a.in"
latency = "1 ns"
)";
  try {
    (void)run_text(text);
    FAIL() << "expected a RunError";
  } catch (const archlab::RunError& e) {
    EXPECT_TRUE(contains(e.what(), "sa (compute.systolic) sent to an index beyond the receivers of port 'done'"))
        << e.what();
  }
}

TEST(Systolic, UnconnectedDoneStopsTheRun) {
  std::string text = one_array({4, 4, "os"}, {4, 4, 4});
  text = text.substr(0, text.find("[[links]]\nfrom = \"sa.done\""));
  try {
    (void)run_text(text);
    FAIL() << "expected a RunError";
  } catch (const archlab::RunError& e) {
    EXPECT_TRUE(contains(e.what(), "sent on port 'done', which no link connects")) << e.what();
  }
}

TEST(Systolic, OtherCommandsAreRejectedWithoutAnAnswer) {
  const std::string text = R"(engine = "sequential"
[system.components.sa]
type = "compute.systolic"
[workloads.vec]
type = "workload.vector_driver"
ops = 3
outstanding = 3
[[links]]
from = "vec.out"
to = "sa.cmd"
latency = "1 ns"
[[links]]
from = "sa.done"
to = "vec.in"
latency = "1 ns"
)";
  const auto run = run_text(text);
  EXPECT_EQ(run.stat("compute.systolic.rejected"), 3.0);
  EXPECT_EQ(run.stat("compute.systolic.tiles"), 0.0);
  EXPECT_EQ(run.stat("workload.vector_driver.done"), 0.0);
}

TEST(Systolic, BadParametersAreConfigurationErrors) {
  expect_config_error(one_array({0, 4, "os"}, {4, 4, 4}), "parameter 'rows' is out of range");
  expect_config_error(one_array({4, 4, "rs"}, {4, 4, 4}), "dataflow");
  expect_config_error(one_array({4, 4, "os"}, {4, 4, 4}, 1, 1, "clock = 1000000000\n"), "clock");
}

namespace {

class SystolicDoubleBuffered : public ::testing::TestWithParam<PinnedCase> {};

} // namespace

// double_buffer = true: cycles = R + (folds - 1) * max(T, R) + (T + R + C - 2) - 1 for ws and
// is (README.md, "Double buffering"), each count worked out by hand in the comment beside it.
TEST_P(SystolicDoubleBuffered, FoldsOverlapAsTheFormulaSays) {
  const PinnedCase& c = GetParam();
  const auto run = run_text(one_array(c.array, c.tile, 1, 1, "double_buffer = true\n"));
  EXPECT_EQ(run.result.status, "completed");
  EXPECT_EQ(run.result.final_time, (c.cycles + 2) * 1000ull);
  EXPECT_EQ(run.stat("compute.systolic.cycles"), c.cycles);
  EXPECT_EQ(run.stat("compute.systolic.busy_time"), c.cycles * 1000.0);
  EXPECT_EQ(run.stat("workload.gemm_driver.cycles"), c.cycles);
  EXPECT_EQ(run.stat("compute.systolic.macs"), static_cast<double>(c.tile.m) * c.tile.n * c.tile.k);
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(ByHand, SystolicDoubleBuffered, ::testing::Values(
    // ws 4 x 4, 5 x 7 x 3: Sr = K = 3, Sc = N = 7, 2 folds, T = M = 5 >= R: 4 + 5 + 11 - 1 = 19
    // (29 single-buffered).
    PinnedCase{{4, 4, "ws"}, {5, 7, 3}, 19},
    // ws 4 x 4, 2 x 8 x 8: 2 x 2 folds, T = 2 < R, the load sets the pace: 4 + 3 * 4 + 8 - 1 = 23 (47).
    PinnedCase{{4, 4, "ws"}, {2, 8, 8}, 23},
    // ws 4 x 4, 4 x 8 x 4: 2 folds, T = R = 4: 4 + 4 + 10 - 1 = 17 (27).
    PinnedCase{{4, 4, "ws"}, {4, 8, 4}, 17},
    // is 4 x 4, 5 x 7 x 3: Sr = K = 3, Sc = M = 5, 2 folds, T = N = 7: 4 + 7 + 13 - 1 = 23 (33).
    PinnedCase{{4, 4, "is"}, {5, 7, 3}, 23},
    // is 2 x 3, 10 x 3 x 7: 4 x 4 folds, T = 3 >= R = 2: 2 + 15 * 3 + 6 - 1 = 52 (127).
    PinnedCase{{2, 3, "is"}, {10, 3, 7}, 52},
    // ws 3 x 2, 5 x 7 x 3: 1 x 4 folds, T = 5: 3 + 3 * 5 + 8 - 1 = 25 (43): rows and columns not swapped.
    PinnedCase{{3, 2, "ws"}, {5, 7, 3}, 25},
    // A GEMV (M = 1) on 128 x 128 ws, 256 x 256 weights: 4 folds paced by the 128-cycle load:
    // 128 + 3 * 128 + 255 - 1 = 766 (4 x 383 - 1 = 1531).
    PinnedCase{{128, 128, "ws"}, {1, 256, 256}, 766},
    // One fold: nothing to overlap, SCALE-Sim's count.
    PinnedCase{{4, 4, "ws"}, {4, 4, 4}, 13}, PinnedCase{{4, 4, "is"}, {1, 1, 1}, 10},
    PinnedCase{{8, 4, "ws"}, {10, 3, 7}, 27},
    // os loads nothing: unchanged.
    PinnedCase{{4, 4, "os"}, {5, 7, 3}, 35}, PinnedCase{{2, 3, "os"}, {10, 3, 7}, 49}),
    [](const ::testing::TestParamInfo<PinnedCase>& info) {
      const PinnedCase& c = info.param;
      return std::to_string(c.array.rows) + "x" + std::to_string(c.array.cols) + "_" + c.array.dataflow + "_" +
             std::to_string(c.tile.m) + "x" + std::to_string(c.tile.n) + "x" + std::to_string(c.tile.k);
    });
// clang-format on

TEST(Systolic, DoubleBufferFalseIsScaleSim) {
  for (const PinnedCase& c : {PinnedCase{{4, 4, "ws"}, {5, 7, 3}, 29}, PinnedCase{{4, 4, "is"}, {5, 7, 3}, 33},
                              PinnedCase{{2, 3, "is"}, {10, 3, 7}, 127}, PinnedCase{{4, 4, "os"}, {5, 7, 3}, 35}}) {
    const auto run = run_text(one_array(c.array, c.tile, 1, 1, "double_buffer = false\n"));
    EXPECT_EQ(run.stat("compute.systolic.cycles"), c.cycles) << c.array.dataflow;
    EXPECT_EQ(run.result.final_time, (c.cycles + 2) * 1000ull) << c.array.dataflow;
  }
}

TEST(Systolic, DoubleBufferedTilesStillRunOneAfterAnother) {
  // The overlap is between the folds of one tile: ws 4 x 4, 5 x 7 x 3 takes 19 cycles a tile,
  // and tile 2 (arriving with tile 1 at 1 ns) waits the whole 19 ns.
  const auto run = run_text(one_array({4, 4, "ws"}, {5, 7, 3}, 2, 2, "double_buffer = true\n"));
  EXPECT_EQ(run.stat("compute.systolic.tiles"), 2.0);
  EXPECT_EQ(run.stat("compute.systolic.queue_delay"), 19000.0);
  EXPECT_EQ(run.stat("compute.systolic.busy_time"), 2 * 19000.0);
  EXPECT_EQ(run.result.final_time, (2 * 19 + 2) * 1000ull);
}

TEST(Systolic, DoubleBufferMustBeABoolean) {
  for (const std::string value : {"\"yes\"", "1"}) {
    const std::string text = one_array({4, 4, "ws"}, {4, 4, 4}, 1, 1, "double_buffer = " + value + "\n");
    expect_config_error(text, "'double_buffer'");
    expect_config_error(text, "must be true or false");
  }
}
