// workload.dnn on real plugins: the mapping's traffic and commands, double buffering, policies,
// dependencies, the report tables, the errors, and every zoo model on the datacenter machine
// with identical results on the sequential and windowed engines.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "../plugin_run.hpp"
#include "archlab/errors.hpp"
#include "archlab/system.hpp"
#include "dnn.hpp"

namespace archlab::testing {
namespace {

const std::filesystem::path kSource = ARCHLAB_SOURCE_DIR;

std::string zoo(const std::string& name) { return (kSource / "workloads/zoo" / (name + ".toml")).string(); }

/// A small machine: `arrays` 16 x 16 os arrays at 1 GHz, one 16-lane vector unit, a 1 MiB SRAM
/// buffer and a DDR4-3200 channel, all linked directly to the workload `dnn`. The units share
/// the buffer (buffer_size = 1 MiB / units unless `dnn_params` sets it).
std::string machine(const std::string& model, const std::string& dnn_params, int arrays = 1, bool with_vector = true) {
  // Each unit's buffer slots (the arrays' and the vector unit's) take their share of the 1 MiB
  // scratchpad.
  const std::string buffer = dnn_params.find("buffer_size") == std::string::npos
                                 ? "buffer_size = \"" + std::to_string(1024 / (arrays + 1)) + " KiB\"\n"
                                 : "";
  std::string text = R"(engine = "sequential"
seed = 1
[system.components.sa]
type = "compute.systolic"
count = )" + std::to_string(arrays) +
                     R"(
rows = 16
cols = 16
dataflow = "os"
clock = "1 GHz"
[system.components.vu]
type = "compute.vector"
lanes = 16
clock = "1 GHz"
[system.components.spm]
type = "memory.sram"
capacity = "1 MiB"
banks = 8
bytes_per_cycle = "16 B"
clock = "1 GHz"
[system.components.dram]
type = "memory.dram"
preset = "ddr4_3200"
[workloads.dnn]
type = "workload.dnn"
model = ")" + model + "\"\n" +
                     buffer + dnn_params + R"(
[[links]]
from = "dnn.matrix"
to = "sa[*].cmd"
latency = "1 ns"
[[links]]
from = "sa[*].done"
to = "dnn.in"
latency = "1 ns"
[[links]]
from = "dnn.mem"
to = "dram.req"
latency = "1 ns"
[[links]]
from = "dram.resp"
to = "dnn.in"
latency = "1 ns"
[[links]]
from = "dnn.buffer"
to = "spm.req"
latency = "1 ns"
[[links]]
from = "spm.resp"
to = "dnn.in"
latency = "1 ns"
)";
  if (with_vector) {
    text += R"([[links]]
from = "dnn.vector"
to = "vu.cmd"
latency = "1 ns"
[[links]]
from = "vu.done"
to = "dnn.in"
latency = "1 ns"
)";
  }
  return text;
}

/// A run's statistics (PluginRun: `sum(key)` over the instances) with the report tables and text.
struct DnnRun : PluginRun {
  std::vector<ReportTable> tables;
  std::string text;
  std::vector<std::vector<double>> stat_values;

  const ReportTable& table(const std::string& name) const {
    for (const ReportTable& t : tables) {
      if (t.path == "/workload/dnn/" + name) return t;
    }
    throw std::runtime_error("no table " + name);
  }
  const ReportColumn& column(const std::string& table_name, const std::string& name) const {
    for (const ReportColumn& c : table(table_name).columns) {
      if (c.name == name) return c;
    }
    throw std::runtime_error("no column " + name);
  }
  std::vector<std::uint64_t> u(const std::string& name) const { return column("operators", name).u; }
  std::vector<std::string> names() const { return column("operators", "name").s; }
};

DnnRun run_dnn(const ExperimentSpec& spec, const std::string& engine = "sequential", unsigned threads = 1) {
  SystemInstance system(spec.system, spec.seed);
  EngineOptions options;
  options.stop_time = spec.stop_time;
  options.threads = threads;
  DnnRun run;
  run.result =
      (engine == "gpu-emulated" ? make_gpu_emulation_engine() : make_engine(engine))->run(system, options, nullptr);
  run.stats = stats_by_name(system);
  run.tables = system.report_tables(true, &run.text);
  run.stat_values = system.stat_values();
  return run;
}

ExperimentSpec load(const std::string& text) {
  return load_experiment_text(text, "dnn_test.toml", ".", {}, test_registry());
}

DnnRun run_text(const std::string& text, const std::string& engine = "sequential", unsigned threads = 1) {
  return run_dnn(load(text), engine, threads);
}

std::string config_error(const std::string& text) {
  try {
    load(text);
  } catch (const ConfigError& error) {
    return error.what();
  }
  ADD_FAILURE() << "no configuration error";
  return "";
}

TEST(DnnWorkload, MlpRunsToCompletionWithEveryMacAndOperator) {
  const DnnRun r = run_text(machine(zoo("mlp_small"), ""));
  EXPECT_EQ(r.result.status, "completed");
  EXPECT_EQ(r.sum("workload.dnn.done"), 1.0);
  EXPECT_EQ(r.sum("workload.dnn.ops_done"), 6.0);
  EXPECT_EQ(r.sum("workload.dnn.macs"), 17121280.0);
  EXPECT_EQ(r.sum("compute.systolic.macs"), 17121280.0);
  EXPECT_EQ(r.sum("workload.dnn.latency"), static_cast<double>(r.result.final_time))
      << "the last event is the last result's write acknowledgement";
  EXPECT_EQ(r.sum("memory.dram.errors") + r.sum("memory.dram.dropped") + r.sum("memory.sram.errors"), 0.0);
  // Every byte the workload asked for was answered: DRAM and SRAM count the same bytes.
  EXPECT_EQ(r.sum("memory.dram.bytes"), r.sum("workload.dnn.bytes_read") + r.sum("workload.dnn.bytes_written"));
  EXPECT_EQ(r.sum("memory.sram.bytes"), r.sum("workload.dnn.buffer_bytes"));

  EXPECT_EQ(r.names(), (std::vector<std::string>{"fc1", "relu1", "fc2", "relu2", "fc3", "softmax"}));
  const auto start = r.u("start");
  const auto end = r.u("end");
  const auto latency = r.u("latency");
  for (std::size_t i = 0; i < start.size(); ++i) {
    EXPECT_LT(start[i], end[i]) << i;
    EXPECT_EQ(latency[i], end[i] - start[i]) << i;
    if (i > 0) EXPECT_GE(start[i], end[i - 1]) << "the MLP is a chain: operator " << i << " waits for " << i - 1;
  }
  EXPECT_EQ(end.back(), static_cast<std::uint64_t>(r.sum("workload.dnn.latency")));
  EXPECT_EQ(r.u("macs")[0], 32ull * 784 * 512);
  EXPECT_EQ(r.u("macs")[1], 0u);
  const auto& energy = r.column("operators", "energy").f;
  EXPECT_GT(energy[0], 0.0);
  double energy_sum = 0;
  for (double e : energy)
    energy_sum += e;
  EXPECT_NEAR(energy_sum, r.sum("workload.dnn.attributed_energy"), 1e-6 * energy_sum);
  for (double u : r.column("operators", "utilization").f) {
    EXPECT_GT(u, 0.0);
    EXPECT_LE(u, 1.0);
  }
  EXPECT_EQ(r.column("totals", "status").s, (std::vector<std::string>{"completed"}));
  EXPECT_EQ(r.column("totals", "macs").u, (std::vector<std::uint64_t>{17121280}));
  EXPECT_TRUE(contains(r.text, "fc1")) << r.text;
  EXPECT_TRUE(contains(r.text, "total: completed")) << r.text;
}

/// One 256 x 256 x 256 GEMM in 128-cubed tiles: 4 output tiles of 2 K steps each.
std::string one_gemm(const TempDir& dir, std::uint64_t m, std::uint64_t n, std::uint64_t k) {
  return dir
      .write("gemm.toml", "[model]\nname = \"one_gemm\"\n[[ops]]\nname = \"g\"\ntype = \"gemm\"\ninputs = []\nm = " +
                              std::to_string(m) + "\nn = " + std::to_string(n) + "\nk = " + std::to_string(k) + "\n")
      .string();
}

TEST(DnnWorkload, GemmTrafficAndCommandsFollowTheTiling) {
  const TempDir dir;
  const DnnRun r = run_text(
      machine(one_gemm(dir, 256, 256, 256), "tile_m = 128\ntile_n = 128\ntile_k = 128\nrequest_size = \"8 KiB\""));
  EXPECT_EQ(r.sum("workload.dnn.done"), 1.0);
  EXPECT_EQ(r.sum("workload.dnn.commands"), 8.0); // 2 x 2 output tiles x 2 K steps
  EXPECT_EQ(r.sum("compute.systolic.tiles"), 8.0);
  EXPECT_EQ(r.sum("workload.dnn.macs"), 256.0 * 256 * 256);
  // Each step reads a 128 x 128 A tile and a 128 x 128 B tile of 2-byte elements; each output
  // tile is written once: 8 x 64 KiB read, 4 x 32 KiB written, in 8 KiB requests.
  EXPECT_EQ(r.sum("workload.dnn.bytes_read"), 8.0 * 65536);
  EXPECT_EQ(r.sum("workload.dnn.bytes_written"), 4.0 * 32768);
  EXPECT_EQ(r.sum("memory.dram.reads"), 8.0 * 65536 / 8192);
  EXPECT_EQ(r.sum("memory.dram.writes"), 4.0 * 32768 / 8192);
  // Operands fill the buffer as they arrive; results are read out of it as they are written.
  EXPECT_EQ(r.sum("workload.dnn.buffer_bytes"), 8.0 * 65536 + 4.0 * 32768);
  EXPECT_EQ(r.u("tiles"), (std::vector<std::uint64_t>{8}));
}

TEST(DnnWorkload, DoubleBufferingOverlapsFetchesWithCompute) {
  const TempDir dir;
  const std::string model = one_gemm(dir, 256, 256, 1024);
  const std::string tiles = "tile_m = 128\ntile_n = 128\ntile_k = 128\n";
  const DnnRun single = run_text(machine(model, tiles + "double_buffer = false"));
  const DnnRun doubled = run_text(machine(model, tiles + "double_buffer = true"));
  const DnnRun depth1 = run_text(machine(model, tiles + "depth = 1"));
  for (const DnnRun* r : {&single, &doubled, &depth1}) {
    EXPECT_EQ(r->sum("workload.dnn.done"), 1.0);
    EXPECT_EQ(r->sum("workload.dnn.bytes_read"), single.sum("workload.dnn.bytes_read"));
  }
  EXPECT_LT(doubled.sum("workload.dnn.latency"), 0.9 * single.sum("workload.dnn.latency"));
  EXPECT_EQ(depth1.sum("workload.dnn.latency"), single.sum("workload.dnn.latency"));
  // The array waits less for operands: fetches overlap the previous step's compute.
  EXPECT_EQ(doubled.sum("compute.systolic.busy_time"), single.sum("compute.systolic.busy_time"));
}

TEST(DnnWorkload, PoliciesSpreadTilesOverTheArrays) {
  const TempDir dir;
  const std::string model = one_gemm(dir, 512, 512, 128);
  const std::string tiles = "tile_m = 128\ntile_n = 128\n"; // 16 output tiles of one step
  const DnnRun rr = run_text(machine(model, tiles + "policy = \"round_robin\"", 4));
  const DnnRun ll = run_text(machine(model, tiles + "policy = \"least_loaded\"", 4));
  EXPECT_EQ(rr.stats.at("compute.systolic.tiles"), (std::vector<double>{4, 4, 4, 4}));
  double sum = 0;
  for (double tiles_done : ll.stats.at("compute.systolic.tiles")) {
    EXPECT_GT(tiles_done, 0.0);
    sum += tiles_done;
  }
  EXPECT_EQ(sum, 16.0);
  EXPECT_EQ(rr.sum("workload.dnn.done"), 1.0);
  EXPECT_EQ(ll.sum("workload.dnn.done"), 1.0);
  // Four arrays finish the same work sooner than one.
  const DnnRun one = run_text(machine(model, tiles, 1));
  EXPECT_LT(ll.sum("workload.dnn.latency"), one.sum("workload.dnn.latency"));
}

TEST(DnnWorkload, OperatorsWaitForEveryInputAndIndependentOnesOverlap) {
  const TempDir dir;
  const std::string gemm = "type = \"gemm\"\nm = 128\nn = 128\nk = 256\n";
  const auto model = dir.write("diamond.toml", "[[ops]]\nname = \"a\"\ninputs = []\n" + gemm +
                                                   "[[ops]]\nname = \"b\"\ninputs = [\"a\"]\n" + gemm +
                                                   "[[ops]]\nname = \"c\"\ninputs = [\"a\"]\n" + gemm +
                                                   "[[ops]]\nname = \"d\"\ntype = \"elementwise\"\nvariant = \"add\"\n"
                                                   "inputs = [\"b\", \"c\"]\nelements = 16384\n");
  const DnnRun r = run_text(machine(model.string(), "tile_m = 64\ntile_n = 64\nlookahead = 4", 2));
  ASSERT_EQ(r.names(), (std::vector<std::string>{"a", "b", "c", "d"}));
  const auto start = r.u("start");
  const auto end = r.u("end");
  EXPECT_GE(start[1], end[0]);
  EXPECT_GE(start[2], end[0]);
  EXPECT_GE(start[3], std::max(end[1], end[2]));
  EXPECT_LT(start[2], end[1]) << "b and c are independent and run side by side";
}

// ---- prefetch: the next operator's weights while the operators before it run ----------------

/// Everything a run moves and computes, which prefetch must leave as it is (it changes when, not
/// what): the program's traffic and commands, the memories' and units' counts, and per operator
/// its bytes, MACs and tiles.
void expect_same_work(const DnnRun& a, const DnnRun& b, const std::string& what) {
  for (const char* stat :
       {"workload.dnn.done", "workload.dnn.ops_done", "workload.dnn.bytes_read", "workload.dnn.bytes_written",
        "workload.dnn.buffer_bytes", "workload.dnn.commands", "workload.dnn.macs", "memory.dram.reads",
        "memory.dram.writes", "memory.dram.bytes", "memory.sram.reads", "memory.sram.writes", "memory.sram.bytes",
        "compute.systolic.tiles", "compute.systolic.macs", "compute.systolic.cycles"}) {
    EXPECT_EQ(a.sum(stat), b.sum(stat)) << what << ": " << stat;
  }
  if (a.stats.count("compute.vector.ops") != 0) {
    EXPECT_EQ(a.sum("compute.vector.ops"), b.sum("compute.vector.ops")) << what;
    EXPECT_EQ(a.sum("compute.vector.elements"), b.sum("compute.vector.elements")) << what;
  }
  if (a.stats.count("workload.dnn_dma.requests") != 0) {
    EXPECT_EQ(a.sum("workload.dnn_dma.requests"), b.sum("workload.dnn_dma.requests")) << what;
  }
  for (const char* column : {"bytes", "macs", "tiles"})
    EXPECT_EQ(a.u(column), b.u(column)) << what << ": " << column;
}

/// Some operator's first request came before the operator ahead of it in the program ended.
bool starts_before_its_predecessor_ends(const DnnRun& r) {
  const auto start = r.u("start");
  const auto end = r.u("end");
  for (std::size_t i = 1; i < start.size(); ++i) {
    if (start[i] < end[i - 1]) return true;
  }
  return false;
}

TEST(DnnWorkload, PrefetchChangesWhenDataMovesNotWhatMoves) {
  // The MLP (three GEMMs with weights, activations and a softmax between them) on two arrays,
  // with both policies and with one buffer slot per unit, and on the datacenter example (DMA
  // engines over a mesh, results kept on chip).
  for (const std::string mapping :
       {"policy = \"least_loaded\"\nmin_tiles = 8\n", "policy = \"round_robin\"\nmin_tiles = 8\n", "depth = 1\n"}) {
    const DnnRun off = run_text(machine(zoo("mlp_small"), mapping, 2));
    const DnnRun on = run_text(machine(zoo("mlp_small"), mapping + "prefetch = true", 2));
    EXPECT_EQ(on.result.status, "completed") << mapping;
    expect_same_work(off, on, mapping);
    EXPECT_FALSE(starts_before_its_predecessor_ends(off)) << mapping << ": the MLP is a chain";
    EXPECT_TRUE(starts_before_its_predecessor_ends(on)) << mapping << ": some weights were read early";
  }
  const auto example = kSource / "examples/datacenter_resnet50.toml";
  const std::vector<Override> mlp{{"workloads.dnn.model", zoo("mlp_small")}};
  std::vector<Override> without = mlp;
  without.push_back({"workloads.dnn.prefetch", "false"});
  std::vector<Override> with = mlp;
  with.push_back({"workloads.dnn.prefetch", "true"});
  const DnnRun off = run_dnn(load_experiment(example, without, test_registry()));
  const DnnRun on = run_dnn(load_experiment(example, with, test_registry()));
  expect_same_work(off, on, "datacenter example");
  EXPECT_TRUE(starts_before_its_predecessor_ends(on));
}

TEST(DnnWorkload, PrefetchReadsTheNextWeightsWhileTheOperatorsBeforeRun) {
  // The MLP with its activations kept on chip: while relu1 runs on the vector unit, the array's
  // free slots read fc2's weights (fc2 waits for relu1, but its B operand is a weight), so the
  // memory, idle during relu1 without prefetch, is busy; fc2's A tile (relu1's result) follows.
  const std::string mapping = "buffer_size = \"256 KiB\"\nresident_size = \"256 KiB\"\n";
  const DnnRun off = run_text(machine(zoo("mlp_small"), mapping));
  const DnnRun on = run_text(machine(zoo("mlp_small"), mapping + "prefetch = true"));
  expect_same_work(off, on, "mlp");
  ASSERT_EQ(on.names(), (std::vector<std::string>{"fc1", "relu1", "fc2", "relu2", "fc3", "softmax"}));
  const auto start_off = off.u("start");
  const auto end_off = off.u("end");
  const auto start = on.u("start");
  const auto end = on.u("end");
  for (std::size_t i = 1; i < start.size(); ++i)
    EXPECT_GE(start_off[i], end_off[i - 1]) << i;
  EXPECT_LT(start[2], end[1]) << "fc2's weights are read before relu1 ends";
  EXPECT_LT(start[2], start[1]) << "and before relu1 starts: the slots free while fc1's last tile computes";
  EXPECT_LT(start[4], end[3]) << "fc3's likewise, during relu2";
  EXPECT_EQ(start[1], end[0]) << "vector operators are not prefetched";
  // fc2 then needs less time after relu1 than it did, and the inference ends sooner.
  EXPECT_LT(end[2] - end[1], end_off[2] - end_off[1]);
  EXPECT_LT(on.sum("workload.dnn.latency"), off.sum("workload.dnn.latency"));
}

/// A GEMM and, after it, a `second_type` of 16 x 512 x 512 whose A operand is the GEMM's result.
std::string gemm_then(const TempDir& dir, const std::string& second_type) {
  return dir
      .write("chain.toml", "[[ops]]\nname = \"first\"\ntype = \"gemm\"\ninputs = []\nm = 256\nn = 64\nk = 64\n"
                           "[[ops]]\nname = \"second\"\ntype = \"" +
                               second_type + "\"\ninputs = [\"first\"]\nm = 16\nn = 512\nk = 512\n")
      .string();
}

TEST(DnnWorkload, PrefetchTakesOnlyOperatorsWhoseBIsAWeight) {
  // A matmul's B operand is not a weight (b_is_weight = false, as attention's keys and values):
  // nothing of `second` is read before `first` is done, prefetch or not.
  const TempDir dir;
  const std::string tiles = "tile_n = 128\ntile_k = 128\n";
  const DnnRun off = run_text(machine(gemm_then(dir, "matmul"), tiles, 1, false));
  const DnnRun on = run_text(machine(gemm_then(dir, "matmul"), tiles + "prefetch = true", 1, false));
  EXPECT_EQ(on.sum("workload.dnn.done"), 1.0);
  expect_same_work(off, on, "matmul");
  EXPECT_GE(on.u("start")[1], on.u("end")[0]);
  EXPECT_EQ(on.u("start"), off.u("start"));
  EXPECT_EQ(on.u("end"), off.u("end"));
}

TEST(DnnWorkload, PrefetchMustBeABoolean) {
  for (const std::string value : {"\"yes\"", "1"}) {
    const std::string error = config_error(machine(zoo("mlp_small"), "prefetch = " + value));
    EXPECT_TRUE(contains(error, "component 'dnn'") && contains(error, "'prefetch'") &&
                contains(error, "must be true or false"))
        << error;
  }
}

TEST(DnnWorkload, ScaleSimTopologiesRunUnchanged) {
  const TempDir dir;
  const auto csv = dir.write("gemms.csv", "Layer, M, N, K,\nfc1, 64, 96, 128,\nfc2, 64, 32, 96,\n");
  const DnnRun r = run_text(machine(csv.string(), ""));
  EXPECT_EQ(r.sum("workload.dnn.done"), 1.0);
  EXPECT_EQ(r.sum("workload.dnn.macs"), 64.0 * 96 * 128 + 64.0 * 32 * 96);
  EXPECT_EQ(r.names(), (std::vector<std::string>{"fc1", "fc2"}));
  EXPECT_GE(r.u("start")[1], r.u("end")[0]) << "CSV rows run in layer order";
}

// SCALE-Sim's Transformer topology has 891 layers, the same eight names over and over, a
// section title and rows with and without the trailing comma; it loads and runs as it is.
TEST(DnnWorkload, ScaleSimTransformerOf891LayersRuns) {
  struct Layer {
    const char* name;
    std::uint64_t h, w, c, filters;
  };
  const Layer block[] = {{"Attn_Xmap", 1, 1, 512, 64},  {"Attn_Kmap", 1, 1, 512, 64},
                         {"Attn_Qmap", 1, 1, 512, 64},  {"Attn_QxK'", 1, 64, 1, 64},
                         {"Attn_SFMXxV", 1, 64, 64, 1}, {"Attn_Concat_map", 1, 1, 512, 512},
                         {"FFN1", 1, 1, 512, 2048},     {"FFN2", 1, 1, 2048, 512}};
  std::string text = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
                     "Strides,\n\nTransformer,\n";
  double macs = 0;
  for (int i = 0; i < 891; ++i) {
    const Layer& l = block[i % 8];
    text += std::string(l.name) + ", " + std::to_string(l.h) + ", " + std::to_string(l.w) + ", 1, 1, " +
            std::to_string(l.c) + ", " + std::to_string(l.filters) + ", 1" +
            (i % 3 == 0   ? ""
             : i % 3 == 1 ? ", "
                          : ",") +
            "\n";
    macs += static_cast<double>(l.h * l.w * l.c * l.filters);
    if (i % 100 == 99) text += ",,,,,,,,\n";
  }
  const TempDir dir;
  const DnnRun r = run_text(machine(dir.write("Transformer.csv", text).string(), ""));
  EXPECT_EQ(r.sum("workload.dnn.done"), 1.0);
  EXPECT_EQ(r.sum("workload.dnn.ops_done"), 891.0);
  EXPECT_EQ(r.sum("workload.dnn.macs"), macs);
  const std::vector<std::string> names = r.names();
  ASSERT_EQ(names.size(), 891u);
  EXPECT_EQ(names[0], "Attn_Xmap");
  EXPECT_EQ(names[8], "Attn_Xmap_2");
  EXPECT_EQ(names[890], "Attn_Qmap_112"); // row 891 is the 112th of its name
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 891u);
}

// Each operator's run-time state is the component's state tail, sized by the model: a chain of
// 5000 vector operators (an instance once held at most 4096) runs to completion, each operator
// after the one before, and the windowed engine and the GPU algorithm give the same run.
TEST(DnnWorkload, AChainOfFiveThousandOperatorsRunsOnEveryEngine) {
  constexpr std::uint32_t kOps = 5000;
  std::string text = "[model]\nname = \"chain\"\n";
  for (std::uint32_t i = 0; i < kOps; ++i) {
    text += "[[ops]]\nname = \"v" + std::to_string(i) + "\"\ntype = \"elementwise\"\nvariant = \"relu\"\ninputs = [" +
            (i == 0 ? std::string() : "\"v" + std::to_string(i - 1) + "\"") + "]\nshape = [4, 64]\n";
  }
  const TempDir dir;
  const ExperimentSpec spec = load(machine(dir.write("chain.toml", text).string(), ""));
  {
    const SystemInstance system(spec.system, spec.seed);
    for (const auto& type : system.types()) {
      if (type->name != "workload.dnn") continue;
      EXPECT_EQ(type->rt.state_size, type->descriptor->state_size + kOps * sizeof(dnn_workload::OpState))
          << "State, then 72 bytes an operator";
    }
  }
  const DnnRun sequential = run_dnn(spec);
  EXPECT_EQ(sequential.result.status, "completed");
  EXPECT_EQ(sequential.sum("workload.dnn.done"), 1.0);
  EXPECT_EQ(sequential.sum("workload.dnn.ops_done"), static_cast<double>(kOps));
  EXPECT_GE(sequential.sum("workload.dnn.commands"), static_cast<double>(kOps));
  EXPECT_EQ(sequential.sum("compute.vector.ops"), sequential.sum("workload.dnn.commands"));
  const std::vector<std::string> names = sequential.names();
  ASSERT_EQ(names.size(), kOps);
  EXPECT_EQ(names.back(), "v4999");
  const auto start = sequential.u("start");
  const auto end = sequential.u("end");
  for (std::uint32_t i = 1; i < kOps; ++i) {
    ASSERT_GE(start[i], end[i - 1]) << "v" << i << " waits for v" << i - 1;
    ASSERT_LT(start[i], end[i]) << "v" << i;
  }
  EXPECT_EQ(end.back(), static_cast<std::uint64_t>(sequential.sum("workload.dnn.latency")));
  for (const auto& [engine, threads] : {std::pair<const char*, unsigned>{"windowed", 2}, {"gpu-emulated", 1}}) {
    SCOPED_TRACE(engine);
    const DnnRun other = run_dnn(spec, engine, threads);
    EXPECT_EQ(other.result.status, sequential.result.status);
    EXPECT_EQ(other.result.events, sequential.result.events);
    EXPECT_EQ(other.result.final_time, sequential.result.final_time);
    EXPECT_EQ(other.stat_values, sequential.stat_values);
    for (const char* column : {"start", "end", "bytes"})
      EXPECT_EQ(other.u(column), sequential.u(column)) << column;
  }
}

TEST(DnnWorkload, BadGraphsAndMappingsAreConfigurationErrors) {
  const TempDir dir;
  // A model file that is not there.
  std::string error = config_error(machine((dir.path() / "missing.toml").string(), ""));
  EXPECT_TRUE(contains(error, "parameter 'model'") && contains(error, "no such file")) << error;
  // A cycle in the graph.
  const auto cycle =
      dir.write("cycle.toml", "[[ops]]\nname = \"a\"\ntype = \"gemm\"\ninputs = [\"b\"]\nm = 2\nn = 2\nk = 2\n"
                              "[[ops]]\nname = \"b\"\ntype = \"gemm\"\ninputs = [\"a\"]\nm = 2\nn = 2\nk = 2\n");
  error = config_error(machine(cycle.string(), ""));
  EXPECT_TRUE(contains(error, "component 'dnn' (workload.dnn)") && contains(error, "cycle")) << error;
  // A malformed SCALE-Sim row: file, line and row.
  const auto csv = dir.write("bad.csv", "Layer, M, N, K,\nfc1, 64, x, 128,\n");
  error = config_error(machine(csv.string(), ""));
  EXPECT_TRUE(contains(error, "bad.csv:2") && contains(error, "row 1")) << error;
  // An operator whose smallest tile cannot fit: explicit tiles and a small buffer.
  error = config_error(
      machine(one_gemm(dir, 1024, 1024, 1024), "buffer_size = \"64 KiB\"\ntile_m = 256\ntile_n = 256\ntile_k = 256"));
  EXPECT_TRUE(contains(error, "operator 'g'") && contains(error, "does not fit") && contains(error, "gemm.toml:"))
      << error;
  // A softmax row longer than the buffer holds.
  const auto wide = dir.write("wide.toml", "[[ops]]\nname = \"sm\"\ntype = \"softmax\"\ninputs = []\nrows = 2\n"
                                           "cols = 1048576\n");
  error = config_error(machine(wide.string(), "buffer_size = \"1 MiB\""));
  EXPECT_TRUE(contains(error, "operator 'sm'") && contains(error, "one row")) << error;
  // A tile larger than the array takes in one pass, when folding is not allowed.
  error = config_error(machine(zoo("mlp_small"), "one_pass = true\narray_rows = 16\narray_cols = 16\ntile_k = 64"));
  EXPECT_TRUE(contains(error, "component 'dnn'") && contains(error, "'tile_k' = 64") && contains(error, "one pass"))
      << error;
  error = config_error(machine(zoo("mlp_small"), "one_pass = true"));
  EXPECT_TRUE(contains(error, "array_rows")) << error;
  error = config_error(machine(zoo("mlp_small"), "mem_via_interconnect = true"));
  EXPECT_TRUE(contains(error, "mem_count")) << error;
}

TEST(DnnWorkload, ResultsKeptOnChipSkipTheMemory) {
  // 256 KiB of slots for each of the two units, 512 KiB resident: the 1 MiB scratchpad is full.
  const std::string mapping = "buffer_size = \"256 KiB\"\n";
  const DnnRun off = run_text(machine(zoo("mlp_small"), mapping));
  const DnnRun on = run_text(machine(zoo("mlp_small"), mapping + "resident_size = \"512 KiB\""));
  for (const DnnRun* r : {&off, &on}) {
    EXPECT_EQ(r->sum("workload.dnn.done"), 1.0);
    EXPECT_EQ(r->sum("workload.dnn.macs"), 17121280.0);
    EXPECT_EQ(r->sum("memory.sram.errors"), 0.0);
  }
  // Every intermediate result (32 KiB at most) stays on chip; only the graph's output, the
  // softmax's 32 x 10 fp16 values, goes to memory, and only weights and the input come from it.
  EXPECT_EQ(on.sum("workload.dnn.bytes_written"), 32.0 * 10 * 2);
  // Without: every result is written, fc1 and relu1 32 x 512, fc2 and relu2 32 x 256, fc3 and
  // the softmax 32 x 10.
  EXPECT_EQ(off.sum("workload.dnn.bytes_written"), 2.0 * (32 * 512 + 32 * 256 + 32 * 10) * 2);
  EXPECT_LT(on.sum("workload.dnn.bytes_read"), off.sum("workload.dnn.bytes_read"));
  EXPECT_EQ(on.u("bytes")[1], 0u) << "relu1 reads fc1's result and writes its own on chip";
  EXPECT_GT(on.sum("workload.dnn.buffer_bytes"), 0.0);
  EXPECT_EQ(on.sum("memory.dram.bytes"), on.sum("workload.dnn.bytes_read") + on.sum("workload.dnn.bytes_written"));
  EXPECT_EQ(on.sum("memory.sram.bytes"), on.sum("workload.dnn.buffer_bytes"));
  EXPECT_LT(on.sum("workload.dnn.latency"), off.sum("workload.dnn.latency"));
  // Too small a region keeps nothing: the same traffic as without one.
  const DnnRun tiny = run_text(machine(zoo("mlp_small"), mapping + "resident_size = \"256 B\""));
  EXPECT_EQ(tiny.sum("workload.dnn.bytes_written"), off.sum("workload.dnn.bytes_written"));
}

TEST(DnnWorkload, ModelPathsResolveAgainstTheFileThatWroteThem) {
  const TempDir dir;
  std::filesystem::create_directories(dir.path() / "exp");
  std::filesystem::create_directories(dir.path() / "models");
  one_gemm(dir, 64, 64, 64); // dir/gemm.toml
  std::filesystem::copy_file(dir.path() / "gemm.toml", dir.path() / "models" / "g.toml");
  const auto experiment = dir.write("exp/run.toml", machine("../models/g.toml", ""));
  // In the file: relative to the file's directory, whatever the working directory is.
  EXPECT_EQ(run_dnn(load_experiment(experiment, {}, test_registry())).sum("workload.dnn.macs"), 64.0 * 64 * 64);
  // From --set, ensemble.vary or a tuning variant (values without a file of their own): relative
  // to the experiment's directory, like `system = "..."`.
  const auto set = load_experiment(experiment, {{"workloads.dnn.model", "../gemm.toml"}}, test_registry());
  EXPECT_EQ(run_dnn(set).sum("workload.dnn.macs"), 64.0 * 64 * 64);
  const auto vary = load_experiment(
      experiment,
      {{"ensemble", R"({ replicas = 2, vary = { "workloads.dnn.model" = ["../gemm.toml", "../models/g.toml"] } })"}},
      test_registry());
  EXPECT_EQ(run_dnn(vary).stats.at("workload.dnn.macs"), (std::vector<double>{64.0 * 64 * 64, 64.0 * 64 * 64}));
  // A name that leads nowhere: the error says where it looked.
  try {
    load_experiment(experiment, {{"workloads.dnn.model", "nowhere.toml"}}, test_registry());
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& error) {
    EXPECT_TRUE(contains(error.what(), (dir.path() / "exp" / "nowhere.toml").string())) << error.what();
  }
}

TEST(DnnWorkload, OnePassTilesStayWithinTheArray) {
  const TempDir dir;
  const DnnRun r = run_text(machine(one_gemm(dir, 100, 70, 40), "one_pass = true\narray_rows = 16\narray_cols = 16\n"
                                                                "dataflow = \"os\""));
  // os: M on the rows, N on the columns: 7 x 5 output tiles of at most 16 x 16, K whole.
  EXPECT_EQ(r.sum("workload.dnn.commands"), 35.0);
  EXPECT_EQ(r.sum("workload.dnn.macs"), 100.0 * 70 * 40);
}

TEST(DnnWorkload, AnOperatorNoUnitCanRunIsRefusedWhenTheConfigurationLoads) {
  const std::string error = config_error(machine(zoo("mlp_small"), "", 1, /*with_vector=*/false));
  EXPECT_TRUE(contains(error, "'dnn' (workload.dnn): the graph has vector operators and port 'vector' reaches no unit"))
      << error;
}

TEST(DnnWorkload, AnOperatorNoUnitCanRunStopsARunBuiltWithoutTheCheckWithItsReason) {
  // A system put together by hand (no load-time check): the handler stops the run with its reason.
  ExperimentSpec spec = load(machine(zoo("mlp_small"), ""));
  std::erase_if(spec.system.links, [](const archlab::LinkSpec& link) { return link.from.port == "vector"; });
  SystemInstance system(spec.system, spec.seed);
  try {
    make_engine("sequential")->run(system, EngineOptions{}, nullptr);
    ADD_FAILURE() << "the run did not stop";
  } catch (const archlab::RunError& error) {
    EXPECT_TRUE(contains(error.what(), "dnn") &&
                contains(error.what(), "stopped the run: the graph has vector operators and port 'vector' reaches "
                                       "no unit"))
        << error.what();
  }
}

TEST(DnnWorkload, LinkedComponentsThatCannotHoldTheMappingAreRefusedNamingBoth) {
  // 1 MiB buffer slots x 2 (double buffering) in the 1 MiB scratchpad of the small machine.
  std::string error = config_error(machine(zoo("mlp_small"), "buffer_size = \"2 MiB\""));
  EXPECT_TRUE(contains(error, "'dnn' (workload.dnn) does not fit 'spm' (memory.sram) on its port 'buffer'")) << error;
  EXPECT_TRUE(contains(error, "more than its capacity of 1048576 B")) << error;
  // one_pass tiles cut for a larger array than the one linked.
  error = config_error(machine(zoo("mlp_small"), "one_pass = true\narray_rows = 64\narray_cols = 64"));
  EXPECT_TRUE(contains(error, "does not fit 'sa' (compute.systolic) on its port 'matrix': one_pass tiles are cut "
                              "for a 64 x 64 array")) << error;
  // More memories asked for than linked.
  error = config_error(machine(zoo("mlp_small"), "mem_count = 3"));
  EXPECT_TRUE(contains(error, "mem_count = 3 but port 'mem' reaches 1")) << error;
}

// ---- DMA engines (workload.dnn_dma) ----------------------------------------------------------

/// The small machine with `arrays` arrays, a vector unit, `memories` DDR4-3200 channels and the
/// 1 MiB scratchpad, all reached through `engines` DMA engines with direct links.
std::string dma_machine(const std::string& model, const std::string& dnn_params, int arrays, int engines, int memories,
                        const std::string& engine_params = "") {
  std::string text = R"(engine = "sequential"
seed = 1
[system.components.sa]
type = "compute.systolic"
count = )" + std::to_string(arrays) +
                     R"(
rows = 16
cols = 16
dataflow = "os"
clock = "1 GHz"
[system.components.vu]
type = "compute.vector"
lanes = 16
clock = "1 GHz"
[system.components.spm]
type = "memory.sram"
capacity = "1 MiB"
banks = 8
bytes_per_cycle = "16 B"
clock = "1 GHz"
[system.components.dram]
type = "memory.dram"
preset = "ddr4_3200"
count = )" + std::to_string(memories) +
                     R"(
[workloads.dma]
type = "workload.dnn_dma"
count = )" + std::to_string(engines) +
                     "\n" + engine_params + R"(
[workloads.dnn]
type = "workload.dnn"
model = ")" + model + "\"\nbuffer_size = \"" +
                     std::to_string(1024 / (arrays + 1)) + " KiB\"\ndma_engines = " + std::to_string(engines) +
                     "\nmem_count = " + std::to_string(memories) + "\nbuffer_count = 1\n" + dnn_params + R"(
[[links]]
from = "dnn.matrix"
to = "sa[*].cmd"
latency = "1 ns"
[[links]]
from = "sa[*].done"
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
from = "dnn.dma"
to = "dma[*].cmd"
latency = "1 ns"
[[links]]
from = "dma[*].done"
to = "dnn.in"
latency = "1 ns"
[[links]]
from = "dma[*].mem"
to = "dram[*].req"
latency = "1 ns"
[[links]]
from = "dram[*].resp"
to = "dma[*].in"
latency = "1 ns"
[[links]]
from = "dma[*].buffer"
to = "spm.req"
latency = "1 ns"
[[links]]
from = "spm.resp"
to = "dma[*].in"
latency = "1 ns"
)";
  return text;
}

double requests_answered(const DnnRun& r) {
  return r.sum("memory.dram.reads") + r.sum("memory.dram.writes") + r.sum("memory.sram.reads") +
         r.sum("memory.sram.writes");
}

TEST(DnnWorkload, DmaEnginesMoveEachUnitsDataThemselves) {
  // The MLP on one array and one vector unit: the array's transfers go through engine 0, the
  // vector unit's through engine 1; the program's traffic is the command processor's own.
  const DnnRun own = run_text(machine(zoo("mlp_small"), "buffer_size = \"512 KiB\""));
  const DnnRun dma = run_text(dma_machine(zoo("mlp_small"), "", 1, 2, 1));
  EXPECT_EQ(dma.sum("workload.dnn.done"), 1.0);
  for (const char* stat : {"workload.dnn.bytes_read", "workload.dnn.bytes_written", "workload.dnn.buffer_bytes",
                           "workload.dnn.commands", "workload.dnn.macs", "memory.dram.bytes", "memory.sram.bytes"}) {
    EXPECT_EQ(dma.sum(stat), own.sum(stat)) << stat;
  }
  const std::vector<double> requests = dma.stats.at("workload.dnn_dma.requests");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_GT(requests[0], 0.0);
  EXPECT_GT(requests[1], 0.0);
  EXPECT_EQ(requests[0] + requests[1], requests_answered(dma)) << "every request went through an engine";
  // What the engines received and sent is every memory and buffer transfer: reads from memory and
  // from the buffer (results on their way out), writes to memory and into the buffer (operands).
  const double moved =
      dma.sum("workload.dnn.bytes_read") + dma.sum("workload.dnn.bytes_written") + dma.sum("workload.dnn.buffer_bytes");
  EXPECT_EQ(dma.sum("workload.dnn_dma.bytes_read") + dma.sum("workload.dnn_dma.bytes_written"), moved);
  EXPECT_EQ(dma.sum("workload.dnn_dma.queue_delay"), 0.0) << "no bandwidth of their own: they never wait";
  EXPECT_EQ(dma.sum("workload.dnn_dma.rejected"), 0.0);
  EXPECT_EQ(dma.sum("memory.dram.errors") + dma.sum("memory.sram.errors"), 0.0);
}

TEST(DnnWorkload, DmaGroupsSpreadAUnitsTrafficOverTheirEngines) {
  // Two arrays, round robin (item i on array i mod 2), two memories, four engines.
  const TempDir dir;
  const std::string model = one_gemm(dir, 256, 256, 256);
  const std::string mapping = "tile_m = 128\ntile_n = 128\ntile_k = 128\nrequest_size = \"8 KiB\"\n"
                              "policy = \"round_robin\"\n";
  // One group per engine: array f uses engine f; engines 2 and 3 (the vector unit's and a spare)
  // carry nothing in a graph without vector operators.
  const DnnRun apart = run_text(dma_machine(model, mapping, 2, 4, 2));
  EXPECT_EQ(apart.sum("workload.dnn.done"), 1.0);
  const std::vector<double> one = apart.stats.at("workload.dnn_dma.requests");
  ASSERT_EQ(one.size(), 4u);
  EXPECT_GT(one[0], 0.0);
  EXPECT_GT(one[1], 0.0);
  EXPECT_EQ(one[2] + one[3], 0.0);
  // Two groups: array f (and the vector unit, f = 2, with array 0) uses engines f and f + 2, the
  // first for memory 0's transfers, the second for memory 1's: every engine works.
  const DnnRun grouped = run_text(dma_machine(model, mapping + "dma_groups = 2", 2, 4, 2));
  EXPECT_EQ(grouped.sum("workload.dnn.done"), 1.0);
  const std::vector<double> two = grouped.stats.at("workload.dnn_dma.requests");
  for (double r : two)
    EXPECT_GT(r, 0.0);
  EXPECT_EQ(two[0] + two[2], one[0]) << "array 0's transfers, now on its group's two engines";
  EXPECT_EQ(two[1] + two[3], one[1]);
  EXPECT_EQ(grouped.sum("workload.dnn.bytes_read"), apart.sum("workload.dnn.bytes_read"));
}

TEST(DnnWorkload, DmaBandwidthPacesAnEngine) {
  const TempDir dir;
  const std::string model = one_gemm(dir, 256, 256, 256);
  const std::string mapping = "tile_m = 128\ntile_n = 128\ntile_k = 128\nrequest_size = \"8 KiB\"\n";
  const DnnRun free_running = run_text(dma_machine(model, mapping, 1, 1, 1));
  const DnnRun paced = run_text(dma_machine(model, mapping, 1, 1, 1, "bandwidth = \"2 GB/s\""));
  EXPECT_EQ(paced.sum("workload.dnn.done"), 1.0);
  EXPECT_EQ(free_running.sum("workload.dnn_dma.queue_delay"), 0.0);
  EXPECT_GT(paced.sum("workload.dnn_dma.queue_delay"), 0.0);
  // 512 KiB of operands come in through the one engine at 2 GB/s: at least 262 us.
  EXPECT_GE(paced.sum("workload.dnn.latency"), 8.0 * 65536 / 2e9 * 1e12);
  EXPECT_LT(free_running.sum("workload.dnn.latency"), paced.sum("workload.dnn.latency") / 2);
}

/// A 3 x 2 mesh with 8 GB/s links: two DDR4-3200 channels (endpoints 0 and 1), then the
/// requesters: the command processor itself (endpoint 2) or four DMA engines (2 to 5), one per array.
std::string mesh_machine(const std::string& model, bool with_engines) {
  std::string text = R"(engine = "sequential"
seed = 1
[system.components.sa]
type = "compute.systolic"
count = 4
rows = 16
cols = 16
dataflow = "os"
clock = "1 GHz"
[system.components.dram]
type = "memory.dram"
preset = "ddr4_3200"
count = 2
via_interconnect = true
[system.components.noc]
type = "interconnect.mesh"
x = 3
y = 2
clock = "1 GHz"
flit_size = "16 B"
link_bandwidth = "8 GB/s"
[workloads.dnn]
type = "workload.dnn"
model = ")" + model + R"("
tile_m = 16
tile_n = 64
request_size = "4 KiB"
mem_via_interconnect = true
mem_route = 0
mem_count = 2
)";
  if (with_engines) text += "dma_engines = 4\n[workloads.dma]\ntype = \"workload.dnn_dma\"\ncount = 4\n";
  text += R"([[links]]
from = "noc.hop"
to = "noc.hop_in"
latency = "1 ns"
[[links]]
from = "noc.out"
to = "dram[*].req"
latency = "1 ns"
[[links]]
from = "dram[*].resp"
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
  if (with_engines) {
    text += R"([[links]]
from = "dnn.dma"
to = "dma[*].cmd"
latency = "1 ns"
[[links]]
from = "dma[*].done"
to = "dnn.in"
latency = "1 ns"
[[links]]
from = "dma[*].mem"
to = "noc.in"
latency = "1 ns"
[[links]]
from = "noc.out"
to = "dma[*].in"
latency = "1 ns"
)";
  } else {
    text += R"([[links]]
from = "dnn.mem"
to = "noc.in"
latency = "1 ns"
[[links]]
from = "noc.out"
to = "dnn.in"
latency = "1 ns"
)";
  }
  return text;
}

TEST(DnnWorkload, DmaEnginesLiftTheOneEndpointCapOnAMesh) {
  // A matrix-vector product (M = 16) that streams 4 MiB of weights: bound by the bytes the
  // requesters can take in. The command processor's one ejection port takes 8 GB/s; four engines
  // on four routers take more, up to what the two channels (51.2 GB/s) and their links give.
  const TempDir dir;
  const std::string model = one_gemm(dir, 16, 2048, 1024);
  const DnnRun own = run_text(mesh_machine(model, false));
  const DnnRun dma = run_text(mesh_machine(model, true));
  for (const DnnRun* r : {&own, &dma}) {
    EXPECT_EQ(r->sum("workload.dnn.done"), 1.0);
    EXPECT_EQ(r->sum("memory.dram.errors"), 0.0);
  }
  EXPECT_EQ(dma.sum("workload.dnn.bytes_read"), own.sum("workload.dnn.bytes_read"));
  EXPECT_EQ(dma.sum("interconnect.mesh.bytes"), own.sum("interconnect.mesh.bytes")) << "the same packets";
  const double bytes = own.sum("workload.dnn.bytes_read");
  EXPECT_GE(own.sum("workload.dnn.latency"), bytes / 8e9 * 1e12) << "at most 8 GB/s through one port";
  // Four ports: half the time and more. The two channels' routers have three links out between them
  // (24 GB/s), which the engines' traffic now shares.
  EXPECT_LT(dma.sum("workload.dnn.latency"), own.sum("workload.dnn.latency") / 1.8);
  EXPECT_GT(bytes / dma.sum("workload.dnn.latency") * 1e12, 1.5 * 8e9);
  for (double received : dma.stats.at("workload.dnn_dma.bytes_read"))
    EXPECT_GT(received, bytes / 8) << "every array's engine brought in its share";
}

TEST(DnnWorkload, DmaMappingErrorsNameTheParameterOrPort) {
  // The command processor cannot see the memories behind the engines: it needs their number.
  std::string text = dma_machine(zoo("mlp_small"), "", 1, 2, 1);
  text.replace(text.find("mem_count = 1"), 13, "mem_count = 0");
  std::string error = config_error(text);
  EXPECT_TRUE(contains(error, "component 'dnn'") && contains(error, "dma_engines needs mem_count")) << error;
  error = config_error(dma_machine(zoo("mlp_small"), "dma_groups = 3", 1, 2, 1));
  EXPECT_TRUE(contains(error, "dma_groups must not exceed dma_engines")) << error;
  // More engines asked for than linked: refused when the configuration loads.
  text = dma_machine(zoo("mlp_small"), "", 1, 2, 1);
  text.replace(text.find("dma_engines = 2"), 15, "dma_engines = 3");
  error = config_error(text);
  EXPECT_TRUE(contains(error, "'dnn' (workload.dnn): dma_engines = 3 but port 'dma' reaches 2 engines")) << error;
}

// ---- mem_interleave: memories chosen by address ----------------------------------------------

/// What one GEMM's transfers bring to each of `memories` memories under mem_interleave =
/// `block`: the layout prepare() writes (A, then B, then C, one after another from 0) and the
/// tiles extent_of reads and writes, each region cut into requests of at most `request` bytes
/// that do not cross a block boundary.
struct Split {
  std::vector<double> bytes, reads, writes;
  std::uint64_t top = 0; ///< the highest local address + 1 any memory got
};
Split interleaved_split(std::uint64_t m, std::uint64_t n, std::uint64_t k, std::uint64_t tm, std::uint64_t tn,
                        std::uint64_t tk, std::uint64_t request, std::uint64_t block, std::uint64_t memories) {
  const std::uint64_t eb = 2;
  Split split{std::vector<double>(memories), std::vector<double>(memories), std::vector<double>(memories)};
  const auto transfer = [&](std::uint64_t address, std::uint64_t bytes, bool write) {
    for (std::uint64_t end = address + bytes; address < end;) {
      const std::uint64_t piece = std::min({end - address, request, block - address % block});
      const std::uint64_t memory = address / block % memories;
      split.bytes[memory] += static_cast<double>(piece);
      (write ? split.writes : split.reads)[memory] += 1;
      const std::uint64_t local = address / (block * memories) * block + address % block;
      split.top = std::max(split.top, local + piece);
      address += piece;
    }
  };
  const std::uint64_t tiles_m = (m + tm - 1) / tm, tiles_n = (n + tn - 1) / tn, steps = (k + tk - 1) / tk;
  const std::uint64_t weight_base = m * k * eb, out_base = weight_base + k * n * eb;
  for (std::uint64_t item = 0; item < tiles_m * tiles_n; ++item) {
    const std::uint64_t i = item / tiles_n, j = item % tiles_n;
    const std::uint64_t xm = std::min(tm, m - i * tm), xn = std::min(tn, n - j * tn);
    for (std::uint64_t step = 0; step < steps; ++step) {
      const std::uint64_t xk = std::min(tk, k - step * tk);
      transfer((i * steps + step) * tm * tk * eb, xm * xk * eb, false);
      transfer(weight_base + (step * tiles_n + j) * tk * tn * eb, xk * xn * eb, false);
    }
    transfer(out_base + item * tm * tn * eb, xm * xn * eb, true);
  }
  return split;
}

/// `line` added to the workload's parameters.
std::string with_dnn(std::string text, const std::string& line) {
  const std::string section = "[workloads.dnn]\n";
  return text.insert(text.find(section) + section.size(), line + "\n");
}

/// The small machine with `memories` DDR4-3200 channels on direct links.
std::string direct_memories(const std::string& model, const std::string& dnn_params, int memories) {
  std::string text = machine(model, dnn_params);
  const std::string preset = "preset = \"ddr4_3200\"\n";
  text.insert(text.find(preset) + preset.size(), "count = " + std::to_string(memories) + "\n");
  text.replace(text.find("to = \"dram.req\""), 15, "to = \"dram[*].req\"");
  text.replace(text.find("from = \"dram.resp\""), 18, "from = \"dram[*].resp\"");
  return text;
}

void expect_split(const DnnRun& r, const Split& split, const std::string& what) {
  EXPECT_EQ(r.sum("workload.dnn.done"), 1.0) << what;
  EXPECT_EQ(r.stats.at("memory.dram.bytes"), split.bytes) << what;
  EXPECT_EQ(r.stats.at("memory.dram.reads"), split.reads) << what;
  EXPECT_EQ(r.stats.at("memory.dram.writes"), split.writes) << what;
  EXPECT_EQ(r.sum("memory.dram.errors") + r.sum("memory.dram.dropped"), 0.0) << what;
  if (r.stats.count("memory.sram.errors") > 0) EXPECT_EQ(r.sum("memory.sram.errors"), 0.0) << what;
}

TEST(DnnWorkload, MemInterleaveZeroIsTheRoundRobinOfBefore) {
  // "0 B" is the default: the same run, and requests dealt in turn, whatever their address.
  const TempDir dir;
  const std::string model = one_gemm(dir, 200, 160, 136);
  const std::string mapping = "tile_m = 64\ntile_n = 64\ntile_k = 64\nrequest_size = \"4 KiB\"\nelement_bytes = 2";
  const DnnRun implicit = run_text(direct_memories(model, mapping, 3));
  const DnnRun explicit_zero = run_text(direct_memories(model, mapping + "\nmem_interleave = \"0 B\"", 3));
  EXPECT_EQ(implicit.result.final_time, explicit_zero.result.final_time);
  EXPECT_EQ(implicit.stat_values, explicit_zero.stat_values);
  EXPECT_EQ(implicit.sum("workload.dnn.done"), 1.0);
  const Split by_address = interleaved_split(200, 160, 136, 64, 64, 64, 4096, 4096, 3);
  EXPECT_NE(implicit.stats.at("memory.dram.bytes"), by_address.bytes) << "round-robin is not by address";
  // Requests dealt in turn to the memories (with room): each gets its third, give or take one.
  std::vector<double> requests = implicit.stats.at("memory.dram.reads");
  for (std::size_t i = 0; i < requests.size(); ++i)
    requests[i] += implicit.stats.at("memory.dram.writes")[i];
  const auto [low, high] = std::minmax_element(requests.begin(), requests.end());
  EXPECT_LE(*high - *low, 1.0);
}

TEST(DnnWorkload, MemInterleaveSendsEachBlockToItsMemoryAtItsLocalAddress) {
  // A GEMM in 64-cubed tiles, some of them partial: its tensors' blocks of 4 KiB go to memory
  // (address / 4 KiB) mod 3 in requests of at most 8 KiB cut at the block boundaries.
  const TempDir dir;
  const std::string model = one_gemm(dir, 200, 160, 136);
  const std::string mapping = "tile_m = 64\ntile_n = 64\ntile_k = 64\nrequest_size = \"8 KiB\"\nelement_bytes = 2\n"
                              "mem_interleave = \"4 KiB\"";
  const Split split = interleaved_split(200, 160, 136, 64, 64, 64, 8192, 4096, 3);
  EXPECT_NE(split.bytes[0], split.bytes[2]) << "a split the test can tell from an even one";
  const DnnRun r = run_text(direct_memories(model, mapping, 3));
  expect_split(r, split, "direct links");
  EXPECT_EQ(r.sum("workload.dnn.bytes_read") + r.sum("workload.dnn.bytes_written"), r.sum("memory.dram.bytes"));
  // Through DMA engines, the same requests to the same memories.
  expect_split(run_text(dma_machine(model, mapping, 1, 2, 3)), split, "DMA engines");

  // Each memory's addresses stay in its share: SRAM memories exactly that large answer them all.
  std::string text = direct_memories(model, mapping + "\naddress_range = \"1 MiB\"", 3);
  const std::string dram = "type = \"memory.dram\"\npreset = \"ddr4_3200\"\n";
  const std::uint64_t share = ((1u << 20) - 1) / (3 * 4096) * 4096 + 4096;
  EXPECT_LE(split.top, share);
  text.replace(text.find(dram), dram.size(),
               "type = \"memory.sram\"\ncapacity = \"" + std::to_string(share) + " B\"\nbanks = 4\n");
  const DnnRun sram = run_text(text);
  EXPECT_EQ(sram.sum("workload.dnn.done"), 1.0);
  EXPECT_EQ(sram.sum("memory.sram.errors"), 0.0);
  // One byte less and the load refuses it, naming the parameters.
  text.replace(text.find(std::to_string(share) + " B"), std::to_string(share).size() + 2,
               std::to_string(share - 1) + " B");
  const std::string error = config_error(text);
  EXPECT_TRUE(contains(error, "does not fit 'dram[0]' (memory.sram) on its port 'mem': with mem_interleave = 4096 B "
                              "over 3 memories, each holds " +
                                  std::to_string(share) + " B of address_range = 1048576 B"))
      << error;
}

TEST(DnnWorkload, MemInterleaveWorksThroughAnInterconnect) {
  // The mesh machine's two channels behind the mesh, with and without DMA engines.
  const TempDir dir;
  const std::string model = one_gemm(dir, 16, 2048, 1024);
  // 16 x 2048 x 1024 in 16 x 64 x 96 tiles (the K tiles do not fall on block boundaries), in
  // 4 KiB requests over 1 KiB blocks.
  const Split split = interleaved_split(16, 2048, 1024, 16, 64, 96, 4096, 1024, 2);
  for (bool engines : {false, true}) {
    const std::string text = with_dnn(mesh_machine(model, engines), "tile_k = 96\nelement_bytes = 2");
    const DnnRun rr = run_text(text);
    const DnnRun il = run_text(with_dnn(text, "mem_interleave = \"1 KiB\""));
    expect_split(il, split, engines ? "mesh, DMA engines" : "mesh");
    EXPECT_EQ(il.sum("workload.dnn.bytes_read"), rr.sum("workload.dnn.bytes_read")) << engines;
  }
}

TEST(DnnWorkload, MemInterleaveBelowThe32ByteRequestIsRefused) {
  const std::string error = config_error(machine(zoo("mlp_small"), "mem_interleave = \"16 B\""));
  EXPECT_TRUE(contains(error, "mem_interleave must be 0 B (requests round-robin over the memories) or at least 32 B"))
      << error;
}

// ---- the examples: one per machine model -----------------------------------------------------

class MachineExample : public ::testing::TestWithParam<std::string> {};

TEST_P(MachineExample, RunsToTheEndWithNothingDropped) {
  const ExperimentSpec spec = load_experiment(kSource / "examples" / GetParam(), {}, test_registry());
  const DnnRun r = run_dnn(spec);
  EXPECT_EQ(r.result.status, "completed");
  EXPECT_EQ(r.sum("workload.dnn.done"), 1.0);
  EXPECT_EQ(r.sum("workload.dnn.ops_done"), r.sum("workload.dnn.ops_total"));
  EXPECT_EQ(r.column("totals", "status").s, (std::vector<std::string>{"completed"}));
  EXPECT_EQ(r.sum("workload.dnn.macs"), static_cast<double>(r.column("totals", "macs").u.at(0)));
  EXPECT_EQ(r.sum("memory.sram.errors"), 0.0);
  if (r.stats.count("memory.dram.errors") != 0) {
    EXPECT_EQ(r.sum("memory.dram.errors") + r.sum("memory.dram.dropped"), 0.0);
  }
  EXPECT_GT(r.sum("workload.dnn.attributed_energy"), 0.0);
}

INSTANTIATE_TEST_SUITE_P(Examples, MachineExample,
                         ::testing::Values("edge_mobilenet_v2.toml", "datacenter_resnet50.toml", "manycore_mlp.toml"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param.substr(0, info.param.find('.'));
                         });

// ---- every zoo model on the datacenter machine, sequential and windowed ----------------------

class ZooOnDatacenter : public ::testing::TestWithParam<std::string> {};

/// Statistics equal bit for bit: a mean over no samples (a controller that got no writes under
/// mem_interleave) is NaN on both engines, and NaN != NaN.
void expect_same_bits(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].size(), b[i].size()) << i;
    for (std::size_t j = 0; j < a[i].size(); ++j)
      EXPECT_EQ(std::bit_cast<std::uint64_t>(a[i][j]), std::bit_cast<std::uint64_t>(b[i][j]))
          << "statistic " << i << " value " << j << ": " << a[i][j] << " vs " << b[i][j];
  }
}

TEST_P(ZooOnDatacenter, CompletesAndWindowedIsIdentical) {
  const std::string experiment = (kSource / "examples/datacenter_resnet50.toml").string();
  const std::vector<Override> overrides{{"workloads.dnn.model", zoo(GetParam())}};
  const ExperimentSpec spec = load_experiment(experiment, overrides, test_registry());
  const DnnRun sequential = run_dnn(spec, "sequential");
  EXPECT_EQ(sequential.result.status, "completed");
  EXPECT_EQ(sequential.sum("workload.dnn.done"), 1.0);
  EXPECT_EQ(sequential.sum("workload.dnn.ops_done"), sequential.sum("workload.dnn.ops_total"));
  EXPECT_EQ(sequential.column("totals", "macs").u.at(0),
            static_cast<std::uint64_t>(sequential.sum("workload.dnn.macs")));
  EXPECT_EQ(sequential.sum("memory.dram.errors") + sequential.sum("memory.dram.dropped") +
                sequential.sum("memory.sram.errors"),
            0.0);
  // Windowed on two threads (the equivalence suite covers 1 to 4 on workloads/dnn/equivalence*.toml).
  const DnnRun windowed = run_dnn(spec, "windowed", 2);
  EXPECT_EQ(windowed.result.status, sequential.result.status);
  EXPECT_EQ(windowed.result.events, sequential.result.events);
  EXPECT_EQ(windowed.result.final_time, sequential.result.final_time);
  expect_same_bits(windowed.stat_values, sequential.stat_values);
  for (const char* column : {"start", "end", "bytes"})
    EXPECT_EQ(windowed.u(column), sequential.u(column)) << column;
  EXPECT_EQ(windowed.column("operators", "energy").f, sequential.column("operators", "energy").f);
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooOnDatacenter,
                         ::testing::Values("mlp_small", "mobilenet_v2", "resnet50_b1", "resnet50_b8", "bert_base_s128",
                                           "bert_base_s512", "gpt2_small_prefill512", "gpt2_small_decode_kv512",
                                           "llama2_7b_layer_prefill2048", "llama2_7b_layer_decode_kv2048"));

} // namespace
} // namespace archlab::testing
