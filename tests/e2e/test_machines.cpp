// The whole-machine models of models/machines/ (edge, datacenter, many-core): each synthetic
// experiment loads through the real loader with its technology table, runs on the sequential
// engine to completion, and gives the same statistics on the windowed engine; plus the bad
// inputs a machine file can have (a missing technology table, a mesh link to a missing port).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "../plugin_run.hpp"
#include "../test_support.hpp"
#include "archlab/config.hpp"
#include "archlab/engine.hpp"
#include "archlab/errors.hpp"
#include "archlab/system.hpp"

using namespace archlab;
using archlab::testing::contains;
using archlab::testing::TempDir;

namespace {

const std::filesystem::path kMachines = std::filesystem::path(ARCHLAB_SOURCE_DIR) / "models" / "machines";

ExperimentSpec load_machine(const std::string& experiment) {
  return load_experiment(kMachines / experiment, {}, archlab::testing::test_registry());
}

struct MachineRun {
  RunResult result;
  std::map<std::string, std::vector<double>> stats;  ///< "memory.sram.energy" -> one value per instance

  std::vector<double> values(const std::string& key) const {
    const auto found = stats.find(key);
    if (found == stats.end()) {
      ADD_FAILURE() << "no statistic " << key;
      return {};
    }
    return found->second;
  }
  double total(const std::string& key) const {
    double sum = 0;
    for (double v : values(key)) sum += v;
    return sum;
  }
};

MachineRun run(const ExperimentSpec& spec, const std::string& engine) {
  SystemInstance system(spec.system, spec.seed);
  EngineOptions options;
  options.stop_time = spec.stop_time;
  options.threads = 2;
  MachineRun out;
  out.result = make_engine(engine)->run(system, options, nullptr);
  out.stats = archlab::testing::stats_by_name(system);
  return out;
}

/// Instances of each plugin type: {"compute.systolic": 4, ...}.
std::map<std::string, std::uint32_t> type_counts(const ExperimentSpec& spec) {
  std::map<std::string, std::uint32_t> counts;
  for (const ComponentSpec& c : spec.system.components) counts[c.type] += c.count;
  return counts;
}

const ComponentSpec& component(const ExperimentSpec& spec, const std::string& name) {
  const ComponentSpec* c = spec.system.find(name);
  if (c == nullptr) throw std::runtime_error("no component " + name);
  return *c;
}

/// A Float parameter's value as the loader filled it in.
double float_param(const ComponentSpec& c, const std::string& name) {
  const ComponentDescriptor& d = *c.plugin->component();
  for (std::uint32_t i = 0; i < d.nparams; ++i) {
    if (name == d.params[i].name) {
      EXPECT_EQ(d.params[i].type, ParamType::Float) << name;
      double value = 0;
      std::memcpy(&value, c.params.data() + d.params[i].offset, sizeof value);
      return value;
    }
  }
  ADD_FAILURE() << c.type << " has no parameter " << name;
  return -1;
}

/// The plugin's own default of a Float parameter (what applies without a technology table).
double plugin_default(const ComponentSpec& c, const std::string& name) {
  const ComponentDescriptor& d = *c.plugin->component();
  for (std::uint32_t i = 0; i < d.nparams; ++i) {
    if (name == d.params[i].name) return std::stod(d.params[i].default_text);
  }
  return -1;
}

/// Energy statistics of every hardware type present are positive; areas are not negative.
void expect_energy(const MachineRun& r, const std::vector<std::string>& types) {
  for (const std::string& type : types) {
    const auto energy = r.values(type + ".energy");
    ASSERT_FALSE(energy.empty()) << type;
    for (std::size_t i = 0; i < energy.size(); ++i) EXPECT_GT(energy[i], 0.0) << type << "[" << i << "]";
    for (double area : r.values(type + ".area")) EXPECT_GE(area, 0.0) << type;
  }
}

void expect_windowed_identical(const ExperimentSpec& spec, const MachineRun& sequential) {
  const MachineRun windowed = run(spec, "windowed");
  EXPECT_EQ(windowed.result.status, sequential.result.status);
  EXPECT_EQ(windowed.result.events, sequential.result.events);
  EXPECT_EQ(windowed.result.final_time, sequential.result.final_time);
  ASSERT_EQ(windowed.stats.size(), sequential.stats.size());
  // Bitwise, as archlab verify compares: a derived statistic with a zero denominator is NaN on both.
  for (const auto& [key, values] : sequential.stats) {
    const std::vector<double>& got = windowed.values(key);
    EXPECT_TRUE(got.size() == values.size() &&
                (values.empty() || std::memcmp(got.data(), values.data(), values.size() * sizeof(double)) == 0))
        << key;
  }
}

/// Instances are numbered by component name, not by the order of the file: compare as sets.
std::vector<double> sorted(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

}  // namespace

TEST(Machines, EdgeLoadsRunsAndCompletes) {
  const ExperimentSpec spec = load_machine("edge_synthetic.toml");
  EXPECT_EQ(type_counts(spec), (std::map<std::string, std::uint32_t>{{"compute.systolic", 1},
                                                                     {"compute.vector", 1},
                                                                     {"memory.sram", 1},
                                                                     {"memory.dram", 1},
                                                                     {"interconnect.link", 1},
                                                                     {"workload.gemm_driver", 1},
                                                                     {"workload.mem_traffic", 2}}));
  // Technology table (models/tech/horowitz_45nm.toml): the 8-bit MAC, the SRAM area per MiB, the link.
  EXPECT_EQ(float_param(component(spec, "sa"), "mac_energy_pj"), 0.23);
  EXPECT_EQ(float_param(component(spec, "sa"), "pe_area_mm2"), 0.000318);
  EXPECT_EQ(float_param(component(spec, "spm"), "area_per_mib"), 4.15);
  EXPECT_EQ(float_param(component(spec, "spm"), "access_energy_pj"), 20.0);  // set by the machine: it wins
  EXPECT_EQ(float_param(component(spec, "bus"), "energy_per_bit_pj"), 0.04);
  EXPECT_EQ(float_param(component(spec, "lpddr"), "read_energy"), 0.0);  // 0: the LPDDR5 preset's

  const MachineRun r = run(spec, "sequential");
  EXPECT_EQ(r.result.status, "completed");
  EXPECT_LT(r.result.final_time, spec.stop_time);
  // every workload finished: 16 tiles, 2,000 scratchpad and 400 DRAM requests
  EXPECT_EQ(r.total("workload.gemm_driver.done"), 16.0);
  EXPECT_EQ(r.total("compute.systolic.tiles"), 16.0);
  EXPECT_EQ(r.total("compute.systolic.macs"), 16.0 * 128 * 128 * 128);
  EXPECT_EQ(sorted(r.values("workload.mem_traffic.completed")), (std::vector<double>{400, 2000}));  // dma, lsu
  EXPECT_EQ(r.total("memory.sram.reads") + r.total("memory.sram.writes"), 2000.0);
  EXPECT_EQ(r.total("memory.dram.reads") + r.total("memory.dram.writes"), 400.0);
  EXPECT_EQ(r.total("memory.dram.bytes"), 400.0 * 1024);
  EXPECT_EQ(r.total("interconnect.link.packets"), 800.0);  // every request and its answer
  for (const char* type : {"compute.systolic", "memory.sram", "memory.dram", "workload.mem_traffic"})
    EXPECT_EQ(r.total(std::string(type) + ".rejected"), 0.0) << type;
  EXPECT_EQ(r.total("memory.sram.errors") + r.total("memory.dram.errors"), 0.0);
  expect_energy(r, {"compute.systolic", "memory.sram", "memory.dram", "interconnect.link"});
  EXPECT_DOUBLE_EQ(r.total("compute.systolic.energy"), 16.0 * 128 * 128 * 128 * 0.23);
  EXPECT_DOUBLE_EQ(r.total("compute.systolic.area"), 32 * 32 * 0.000318);
  EXPECT_DOUBLE_EQ(r.total("memory.sram.area"), 0.5 * 4.15);
  expect_windowed_identical(spec, r);
}

TEST(Machines, DatacenterLoadsRunsAndCompletes) {
  const ExperimentSpec spec = load_machine("datacenter_synthetic.toml");
  EXPECT_EQ(type_counts(spec), (std::map<std::string, std::uint32_t>{{"compute.systolic", 4},
                                                                     {"compute.vector", 4},
                                                                     {"memory.sram", 4},
                                                                     {"memory.dram", 4},
                                                                     {"interconnect.mesh", 1},
                                                                     {"workload.gemm_driver", 4},
                                                                     {"workload.vector_driver", 4},
                                                                     {"workload.mem_traffic", 8}}));
  // The mesh router area is the table's 45 nm figure, not the plugin's 65 nm default.
  const ComponentSpec& noc = component(spec, "noc");
  EXPECT_EQ(float_param(noc, "router_area_mm2"), 0.163);
  EXPECT_NE(plugin_default(noc, "router_area_mm2"), 0.163);
  EXPECT_EQ(float_param(noc, "flit_hop_energy_pj"), 176.0);  // the machine's own value wins over the table
  EXPECT_EQ(float_param(component(spec, "vu"), "lane_op_energy_pj"), 1.5);
  EXPECT_EQ(float_param(component(spec, "gbuf"), "area_per_mib"), 4.15);
  EXPECT_EQ(float_param(component(spec, "sa"), "mac_energy_pj"), 1.5);

  const MachineRun r = run(spec, "sequential");
  EXPECT_EQ(r.result.status, "completed");
  EXPECT_EQ(r.total("workload.gemm_driver.done"), 32.0);
  EXPECT_EQ(r.values("compute.systolic.tiles"), (std::vector<double>{8, 8, 8, 8}));  // round robin
  EXPECT_EQ(r.total("workload.vector_driver.done"), 32.0);
  EXPECT_EQ(r.total("compute.vector.ops"), 32.0);
  // one engine on each HBM3 controller (300 requests) and on each buffer slice (500)
  EXPECT_EQ(sorted(r.values("workload.mem_traffic.completed")),
            (std::vector<double>{300, 300, 300, 300, 500, 500, 500, 500}));
  // HBM3: each controller served its engine; each slice its own
  EXPECT_EQ(r.values("memory.dram.reads"), (std::vector<double>{300, 300, 300, 300}));
  const auto sram_reads = r.values("memory.sram.reads");
  const auto sram_writes = r.values("memory.sram.writes");
  ASSERT_EQ(sram_reads.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i)
    EXPECT_EQ(sram_reads[i] + sram_writes[i], 500.0) << "gbuf[" << i << "]";
  EXPECT_EQ(r.total("interconnect.mesh.packets"), 2.0 * 3200);  // requests and answers
  EXPECT_EQ(r.total("memory.dram.rejected") + r.total("memory.sram.rejected"), 0.0);
  expect_energy(r, {"compute.systolic", "compute.vector", "memory.sram", "memory.dram", "interconnect.mesh"});
  EXPECT_DOUBLE_EQ(r.total("interconnect.mesh.area"), 16 * 0.163);
  EXPECT_DOUBLE_EQ(r.total("interconnect.mesh.energy"), r.total("interconnect.mesh.flit_hops") * 176.0);
  expect_windowed_identical(spec, r);
}

TEST(Machines, ManycoreLoadsRunsAndCompletes) {
  const ExperimentSpec spec = load_machine("manycore_synthetic.toml");
  EXPECT_EQ(type_counts(spec), (std::map<std::string, std::uint32_t>{{"compute.systolic", 64},
                                                                     {"compute.vector", 64},
                                                                     {"memory.sram", 64},
                                                                     {"interconnect.mesh", 1},
                                                                     {"workload.gemm_driver", 64},
                                                                     {"workload.mem_traffic", 64},
                                                                     {"workload.noc_traffic", 64}}));
  const ComponentSpec& noc = component(spec, "noc");
  EXPECT_EQ(float_param(noc, "flit_hop_energy_pj"), 22.0);
  EXPECT_EQ(float_param(noc, "router_area_mm2"), 0.163);
  EXPECT_EQ(float_param(component(spec, "spm"), "access_energy_pj"), 10.0);

  const MachineRun r = run(spec, "sequential");
  EXPECT_EQ(r.result.status, "completed");
  // each core ran its own controller's 8 tiles (per-index links), each SRAM its own unit's 300 requests
  EXPECT_EQ(r.values("compute.systolic.tiles"), std::vector<double>(64, 8.0));
  EXPECT_EQ(r.values("workload.gemm_driver.done"), std::vector<double>(64, 8.0));
  const auto reads = r.values("memory.sram.reads");
  const auto writes = r.values("memory.sram.writes");
  ASSERT_EQ(reads.size(), 64u);
  for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(reads[i] + writes[i], 300.0) << "spm[" << i << "]";
  EXPECT_EQ(r.values("workload.mem_traffic.completed"), std::vector<double>(64, 300.0));
  // the mesh traffic drained: every message arrived at the node it was meant for
  const double sent = r.total("workload.noc_traffic.sent");
  EXPECT_GT(sent, 64 * 0.05 / 2 * 2000 * 0.8);  // about 3,200 two-flit messages in 2 us
  EXPECT_EQ(r.total("workload.noc_traffic.received"), sent);
  EXPECT_EQ(r.total("workload.noc_traffic.misdelivered"), 0.0);
  EXPECT_EQ(r.total("interconnect.mesh.packets"), sent);
  EXPECT_EQ(r.total("interconnect.mesh.hops"), r.total("workload.noc_traffic.distance"));
  expect_energy(r, {"compute.systolic", "memory.sram"});
  EXPECT_GT(r.total("interconnect.mesh.energy"), 0.0);
  EXPECT_DOUBLE_EQ(r.total("interconnect.mesh.energy"), r.total("interconnect.mesh.flit_hops") * 22.0);
  EXPECT_DOUBLE_EQ(r.total("interconnect.mesh.area"), 64 * 0.163);
  EXPECT_DOUBLE_EQ(r.total("memory.sram.area"), 64 * 0.25 * 4.15);
  expect_windowed_identical(spec, r);
}

TEST(Machines, MissingTechnologyTableNamesTheFile) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "machines");
  dir.write("machines/edge.toml", replace_once(read_text(kMachines / "edge.toml"), "../tech/horowitz_45nm.toml",
                                               "../tech/horowitz_7nm.toml"));
  dir.write("machines/edge_synthetic.toml", read_text(kMachines / "edge_synthetic.toml"));
  try {
    load_experiment(dir.path() / "machines" / "edge_synthetic.toml", {}, archlab::testing::test_registry());
    FAIL() << "a missing technology table was accepted";
  } catch (const ConfigError& e) {
    EXPECT_TRUE(contains(e.what(), "technology table")) << e.what();
    EXPECT_TRUE(contains(e.what(), "horowitz_7nm.toml")) << e.what();
    EXPECT_TRUE(contains(e.what(), "edge.toml:4")) << e.what();  // the `technology` line of the machine
  }
}

TEST(Machines, MeshLinkToAMissingPortNamesThePort) {
  // The real datacenter experiment with one DMA link aimed at a port the mesh does not have.
  const std::string text =
      replace_once(read_text(kMachines / "datacenter_synthetic.toml"), "from = \"hbm0_dma[*].out\"\nto = \"noc.in\"",
                   "from = \"hbm0_dma[*].out\"\nto = \"noc.inject\"");
  try {
    load_experiment_text(text, "bad_datacenter.toml", kMachines, {}, archlab::testing::test_registry());
    FAIL() << "a link to a missing mesh port was accepted";
  } catch (const ConfigError& e) {
    EXPECT_TRUE(contains(e.what(), "bad_datacenter.toml:")) << e.what();
    EXPECT_TRUE(contains(e.what(), "'inject'")) << e.what();
    EXPECT_TRUE(contains(e.what(), "interconnect.mesh")) << e.what();
  }
}
