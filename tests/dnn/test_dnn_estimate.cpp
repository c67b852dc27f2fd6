// workload.dnn's analytical estimate (archlab::estimate, dnn_estimate.cpp): exact values of the
// closed forms on small graphs, its error against the event-level run of the three example
// machines, and its errors.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "../plugin_run.hpp"
#include "archlab/analytical.hpp"
#include "archlab/errors.hpp"
#include "archlab/system.hpp"

namespace archlab::testing {
namespace {

const std::filesystem::path kSource = ARCHLAB_SOURCE_DIR;

/// One 4 x 4 os array and one 16-lane vector unit at 1 GHz, and one SRAM as memory that moves
/// 8 bytes per 1 GHz cycle (8 GB/s) at 2 pJ per access: every number below is easy to derive.
std::string small_machine(const std::string& model) {
  return R"(engine = "sequential"
[system.components.sa]
type = "compute.systolic"
rows = 4
cols = 4
dataflow = "os"
clock = "1 GHz"
mac_energy_pj = 0.5
pe_area_mm2 = 0.01
[system.components.vu]
type = "compute.vector"
lanes = 16
clock = "1 GHz"
pipeline_latency = 8
lane_op_energy_pj = 1.5
lane_area_mm2 = 0.1
[system.components.mem]
type = "memory.sram"
capacity = "1 MiB"
banks = 1
interleave = "8 B"
bytes_per_cycle = "8 B"
clock = "1 GHz"
access_energy_pj = 2.0
[workloads.dnn]
type = "workload.dnn"
model = ")" +
         model + R"("
element_bytes = 1
min_tiles = 1
request_size = "64 B"
address_range = "64 KiB"
[[links]]
from = "dnn.matrix"
to = "sa.cmd"
latency = "1 ns"
[[links]]
from = "sa.done"
to = "dnn.in"
latency = "1 ns"
[[links]]
from = "dnn.vector"
to = "vu.cmd"
latency = "1 ns"
[[links]]
from = "vu.done"
to = "dnn.in"
latency = "1 ns"
[[links]]
from = "dnn.mem"
to = "mem.req"
latency = "1 ns"
[[links]]
from = "mem.resp"
to = "dnn.in"
latency = "1 ns"
)";
}

std::vector<WorkloadEstimate> estimate_text(const std::string& text) {
  return estimate(load_experiment_text(text, "test.toml", ".", {}, test_registry()));
}

TEST(DnnEstimate, GemmThenActivationExactClosedForms) {
  const TempDir dir;
  const auto model = dir.write("g.toml", R"([model]
name = "two_ops"
[[ops]]
name = "g"
type = "gemm"
inputs = []
m = 16
n = 16
k = 16
[[ops]]
name = "r"
type = "elementwise"
variant = "relu"
inputs = ["g"]
elements = 256
)");
  const auto results = estimate_text(small_machine(model.string()));
  ASSERT_EQ(results.size(), 1u);
  const WorkloadEstimate& e = results[0];
  EXPECT_EQ(e.component, "dnn");
  EXPECT_EQ(e.model, "two_ops");
  ASSERT_EQ(e.rows.size(), 2u);
  // g: one tile, one step. os on 4 x 4: 4 x 4 folds of (4 + 4 + 16 - 2) cycles, minus 1 = 351.
  // Operands 512 B in and 256 B out at 8 GB/s: 64 ns and 32 ns. One wave: read, compute, write.
  const EstimateRow& g = e.rows[0];
  EXPECT_STREQ(g.name, "g");
  EXPECT_STREQ(g.unit, "matrix");
  EXPECT_EQ(g.compute, 351000u);
  EXPECT_EQ(g.memory, 96000u);
  EXPECT_EQ(g.interconnect, 0u);
  EXPECT_EQ(g.start, 0u);
  EXPECT_EQ(g.latency, 64000u + 351000u + 32000u);
  EXPECT_EQ(g.bytes, 768u);
  EXPECT_EQ(g.macs, 4096u);
  EXPECT_EQ(g.tiles, 1u);
  // 4096 MACs x 0.5 pJ, 768 B in 96 accesses of 8 B x 2 pJ.
  EXPECT_DOUBLE_EQ(g.energy, 2048.0 + 192.0);
  // r: ceil(256 / 16) vectors x 1 pass + 8 cycles of pipeline = 24; 256 B each way (32 ns).
  const EstimateRow& r = e.rows[1];
  EXPECT_STREQ(r.unit, "vector");
  EXPECT_EQ(r.compute, 24000u);
  EXPECT_EQ(r.start, g.latency); // after its producer
  EXPECT_EQ(r.latency, 32000u + 24000u + 32000u);
  EXPECT_DOUBLE_EQ(r.energy, 256.0 * 1.5 + 64.0 * 2.0);
  EXPECT_EQ(e.latency, g.latency + r.latency);
  EXPECT_EQ(e.bytes, 768u + 512u);
  EXPECT_EQ(e.macs, 4096u);
  EXPECT_DOUBLE_EQ(e.energy, g.energy + r.energy);
  EXPECT_DOUBLE_EQ(e.area_mm2, 16 * 0.01 + 16 * 0.1);
  EXPECT_TRUE(contains(e.text, "two_ops: 2 operators (estimated)")) << e.text;
  EXPECT_TRUE(contains(e.text, "total: estimated, latency 535.000 ns")) << e.text;
}

TEST(DnnEstimate, ManyTilesPipelineOverTheirWaves) {
  const TempDir dir;
  const auto model =
      dir.write("g.toml", "[[ops]]\nname = \"g\"\ntype = \"gemm\"\ninputs = []\nm = 64\nn = 64\nk = 16\n");
  // Tiles of 16 x 16 x 16: 16 items of one step on one array, two slots: 8 waves.
  auto text = small_machine(model.string());
  text.replace(text.find("min_tiles = 1"), 13, "min_tiles = 1\ntile_m = 16\ntile_n = 16");
  const auto results = estimate_text(text);
  const EstimateRow& g = results[0].rows[0];
  EXPECT_EQ(g.tiles, 16u);
  EXPECT_EQ(g.compute, 16u * 351000u);
  // A read once per column tile, B once per row tile: (64 x 16 x 4 + 16 x 64 x 4) in, 64 x 64 out.
  EXPECT_EQ(g.bytes, 4096u + 4096u + 4096u);
  EXPECT_EQ(g.memory, 12288u * 125u);
  // Compute-bound: the first wave's operands (1/8 of 8 KiB), 7/8 of the compute, one step, one
  // item's result (1/16 of 4 KiB).
  const double expected = 8192.0 * 125 / 8 + 16 * 351000.0 * 7 / 8 + 351000.0 + 4096.0 * 125 / 16;
  EXPECT_EQ(g.latency, static_cast<Tick>(std::llround(expected)));
}

// The estimate costs a tile with the array's own parameters, double_buffer included, so it and
// the event run count the same cycles. 16 x 16 x 16 on 4 x 4 ws: Sr = K, Sc = N, 4 x 4 folds,
// T = M = 16: SCALE-Sim 16 x (4 + 4 + 4 + 16 - 2) - 1 = 415; double-buffered
// 4 + 15 x 16 + (16 + 4 + 4 - 2) - 1 = 265.
TEST(DnnEstimate, GemmCyclesFollowTheArraysDoubleBuffer) {
  const TempDir dir;
  const auto model =
      dir.write("g.toml", "[[ops]]\nname = \"g\"\ntype = \"gemm\"\ninputs = []\nm = 16\nn = 16\nk = 16\n");
  for (const bool double_buffer : {false, true}) {
    auto text = small_machine(model.string());
    text.replace(text.find("dataflow = \"os\""), 15,
                 std::string("dataflow = \"ws\"\ndouble_buffer = ") + (double_buffer ? "true" : "false"));
    const std::uint64_t cycles = double_buffer ? 265 : 415;
    const auto results = estimate_text(text);
    ASSERT_EQ(results.size(), 1u);
    const EstimateRow& g = results[0].rows[0];
    EXPECT_EQ(g.tiles, 1u);
    EXPECT_EQ(g.compute, cycles * 1000u) << double_buffer;
    const PluginRun run = run_plugins(text);
    EXPECT_EQ(run.result.status, "completed");
    EXPECT_EQ(run.stat("compute.systolic.cycles"), static_cast<double>(cycles)) << double_buffer;
    EXPECT_EQ(run.stat("compute.systolic.busy_time"), static_cast<double>(g.compute)) << double_buffer;
  }
}

/// The example's event-level run and its estimate: bytes exact, energy and latency close.
void expect_close_to_events(const std::string& example, double latency_tolerance, double energy_tolerance) {
  const ExperimentSpec spec = load_experiment(kSource / "examples" / example, {}, test_registry());
  const auto estimates = estimate(spec);
  ASSERT_EQ(estimates.size(), 1u);
  SystemInstance system(spec.system, spec.seed);
  EngineOptions options;
  options.stop_time = spec.stop_time;
  (void)make_engine("sequential")->run(system, options, nullptr);
  const auto stats = stats_by_name(system);
  const double latency = stats.at("workload.dnn.latency")[0];
  const double bytes = stats.at("workload.dnn.bytes_read")[0] + stats.at("workload.dnn.bytes_written")[0];
  const double energy = stats.at("workload.dnn.attributed_energy")[0];
  ASSERT_GT(latency, 0);
  EXPECT_EQ(static_cast<double>(estimates[0].bytes), bytes) << example;
  EXPECT_NEAR(estimates[0].energy / energy, 1.0, energy_tolerance) << example;
  EXPECT_NEAR(static_cast<double>(estimates[0].latency) / latency, 1.0, latency_tolerance) << example;
}

// The measured errors are in workloads/dnn/README.md; these bounds leave a little room.
TEST(DnnEstimate, ManycoreMlpWithinBoundsOfTheEventRun) { expect_close_to_events("manycore_mlp.toml", 0.05, 0.01); }
TEST(DnnEstimate, EdgeMobilenetWithinBoundsOfTheEventRun) {
  expect_close_to_events("edge_mobilenet_v2.toml", 0.15, 0.06);
}
// With a DMA engine per unit no one port sets the pace on the datacenter machine; what the
// estimate leaves out (mesh contention, DRAM row conflicts between streams, a step's operands
// arriving late) leaves the estimate 11% under the event run here (with prefetch, which it does not model,
// and the example's 4 KiB controller interleave).
TEST(DnnEstimate, DatacenterResnetWithinBoundsOfTheEventRun) {
  expect_close_to_events("datacenter_resnet50.toml", 0.2, 0.03);
}

/// Four 4 x 4 arrays and two SRAMs on a 3 x 2 mesh of 8 GB/s links; the SRAMs are endpoints 0
/// and 1, then the command processor (endpoint 2) or `engines` DMA engines (2, 3, ...).
std::string mesh_machine(const std::string& model, int engines) {
  std::string text = R"(engine = "sequential"
[system.components.sa]
type = "compute.systolic"
count = 4
rows = 4
cols = 4
dataflow = "os"
clock = "1 GHz"
[system.components.mem]
type = "memory.sram"
count = 2
capacity = "1 MiB"
banks = 4
bytes_per_cycle = "8 B"
clock = "1 GHz"
via_interconnect = true
[system.components.noc]
type = "interconnect.mesh"
x = 3
y = 2
flit_size = "8 B"
link_bandwidth = "8 GB/s"
[workloads.dnn]
type = "workload.dnn"
model = ")" + model + R"("
element_bytes = 1
tile_m = 16
tile_n = 16
request_size = "64 B"
address_range = "64 KiB"
mem_via_interconnect = true
mem_route = 0
mem_count = 2
)";
  if (engines > 0) {
    text += "dma_engines = " + std::to_string(engines) +
            "\n[workloads.dma]\ntype = \"workload.dnn_dma\"\ncount = " + std::to_string(engines) + "\n";
  }
  text += R"([[links]]
from = "noc.hop"
to = "noc.hop_in"
latency = "1 ns"
[[links]]
from = "noc.out"
to = "mem[*].req"
latency = "1 ns"
[[links]]
from = "mem[*].resp"
to = "noc.in"
latency = "1 ns"
[[links]]
from = "dnn.matrix"
to = "sa[*].cmd"
latency = "1 ns"
[[links]]
from = "sa[*].done"
to = "dnn.in"
latency = "1 ns"
)";
  const std::string requester = engines > 0 ? "dma[*]" : "dnn";
  if (engines > 0) {
    text += "[[links]]\nfrom = \"dnn.dma\"\nto = \"dma[*].cmd\"\nlatency = \"1 ns\"\n"
            "[[links]]\nfrom = \"dma[*].done\"\nto = \"dnn.in\"\nlatency = \"1 ns\"\n";
  }
  text += "[[links]]\nfrom = \"" + requester +
          ".mem\"\nto = \"noc.in\"\nlatency = \"1 ns\"\n[[links]]\nfrom = "
          "\"noc.out\"\nto = \"" +
          requester + ".in\"\nlatency = \"1 ns\"\n";
  return text;
}

TEST(DnnEstimate, DmaEnginesSplitTheEndpointTimeUpToTheMemoriesPorts) {
  const TempDir dir;
  const auto model =
      dir.write("g.toml", "[[ops]]\nname = \"g\"\ntype = \"gemm\"\ninputs = []\nm = 16\nn = 64\nk = 16\n");
  // Four output tiles, one per array. In: A (16 x 16) once per column tile and B (16 x 64) once,
  // 2048 B in 32 requests with 8 B headers: 2304 B; out: 1024 B in 16 requests, 1152 B.
  const EstimateRow own = estimate_text(mesh_machine(model.string(), 0))[0].rows[0];
  EXPECT_EQ(own.interconnect, 2304u * 125u) << "all of it through the command processor's port at 8 GB/s";
  // Four engines, one per array: a quarter each (576 B), but the two memories' ports each send half
  // the reads (1152 B): they are the busiest now.
  const EstimateRow four = estimate_text(mesh_machine(model.string(), 4))[0].rows[0];
  EXPECT_EQ(four.interconnect, 1152u * 125u);
  EXPECT_EQ(four.bytes, own.bytes);
  EXPECT_EQ(four.compute, own.compute);
  // Two engines for four arrays (unit f on engine f mod 2): half each, as much as a memory's.
  const EstimateRow two = estimate_text(mesh_machine(model.string(), 2))[0].rows[0];
  EXPECT_EQ(two.interconnect, 1152u * 125u);
  // One engine carries everything, like the command processor.
  const EstimateRow one = estimate_text(mesh_machine(model.string(), 1))[0].rows[0];
  EXPECT_EQ(one.interconnect, own.interconnect);
  // More engines asked for than linked: refused when the configuration loads, before any estimate.
  auto text = mesh_machine(model.string(), 2);
  text.replace(text.find("dma_engines = 2"), 15, "dma_engines = 4");
  try {
    (void)estimate_text(text);
    ADD_FAILURE() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_TRUE(contains(e.what(), "'dnn' (workload.dnn): dma_engines = 4 but port 'dma' reaches 2 engines")) << e.what();
  }
}

TEST(DnnEstimate, CsvHasEveryRowAndTheTotal) {
  const TempDir dir;
  const auto model =
      dir.write("g.toml", "[[ops]]\nname = \"g\"\ntype = \"gemm\"\ninputs = []\nm = 16\nn = 16\nk = 16\n");
  const auto results = estimate_text(small_machine(model.string()));
  const auto csv = dir.path() / "e.csv";
  write_estimate_csv(csv, results);
  std::ifstream in(csv);
  std::string header, row, total;
  std::getline(in, header);
  std::getline(in, row);
  std::getline(in, total);
  EXPECT_EQ(header, "component,name,op,unit,start_ps,latency_ps,compute_ps,memory_ps,interconnect_ps,macs,bytes,tiles,"
                    "energy_pj");
  EXPECT_TRUE(contains(row, "dnn,g,gemm,matrix,0,447000,351000,96000,0,4096,768,1,")) << row;
  EXPECT_TRUE(contains(total, "dnn,total,g,,0,447000,")) << total;
  EXPECT_THROW(write_estimate_csv(dir.path() / "no" / "such" / "dir.csv", results), OutputError);
}

TEST(DnnEstimate, WorkloadsWithoutAHookAreRefused) {
  try {
    (void)estimate_text("[system.components.lp]\ntype = \"workload.phold\"\n[[links]]\nfrom = \"lp.out\"\nto = "
                        "\"lp.in\"\nlatency = \"1 ns\"\n");
    ADD_FAILURE() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_TRUE(contains(e.what(), "no workload of this experiment has an analytical estimate")) << e.what();
  }
}

TEST(DnnEstimate, UnitsItCannotCostAreRefusedByName) {
  const TempDir dir;
  const auto model =
      dir.write("g.toml", "[[ops]]\nname = \"g\"\ntype = \"gemm\"\ninputs = []\nm = 16\nn = 16\nk = 16\n");
  auto text = small_machine(model.string());
  text.replace(text.find("to = \"sa.cmd\""), 13, "to = \"vu.cmd\"");
  try {
    (void)estimate_text(text);
    ADD_FAILURE() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_TRUE(contains(e.what(), "component 'dnn' (workload.dnn): no analytical estimate: port 'matrix' reaches "
                                   "'vu', a compute.vector: the estimate costs compute.systolic units on it"))
        << e.what();
  }
}

} // namespace
} // namespace archlab::testing
