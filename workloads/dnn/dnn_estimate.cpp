// workload.dnn's analytical estimate (archlab/estimate.hpp): the program prepare() wrote, costed
// from the units' closed forms and the bandwidths on the path, with no events. README.md
// ("Analytical estimate") says what it assumes; its error against the event-level model is
// measured there too.
//
// Per operator, in program (topological) order:
//   compute      the busiest unit's cycles: items dealt over the class's units, each item's
//                steps costed by compute.systolic's tile_cycles or compute.vector's op_cycles
//   memory       memory bytes / the memories' peak bandwidth, buffer bytes / the buffers'
//   interconnect bytes into (and out of) the busiest endpoint that moves them / its bandwidth:
//                the command processor's, or with DMA engines the busiest engine's
//   latency      the largest of the three; an operator starts when its predecessors are done
//                and the previous operator of its unit class is
// Energy is what the units and memories would report: MACs, lane operations, DRAM bursts and
// the row activations of streaming access, SRAM bank accesses.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <archlab/estimate.hpp>

#include "../../plugins/compute/systolic/systolic_model.hpp"
#include "../../plugins/compute/vector/vector_model.hpp"
#include "../../plugins/memory/dram/presets.hpp"
#include "dnn.hpp"
#include "report_text.hpp"

namespace archlab::dnn_workload {
namespace {

/// One instance reached through a port: a component of the system and its index.
struct Reach {
  std::uint32_t component;
  std::uint32_t instance;
};

/// The instances `port` of component `from` sends to, in link order (the engines' receiver order).
std::vector<Reach> receivers(const EstimateSystem& sys, std::uint32_t from, std::string_view port) {
  std::vector<Reach> out;
  for (std::uint32_t l = 0; l < sys.nlinks; ++l) {
    const EstimateLink& link = sys.links[l];
    if (link.from.component != from || port != link.from.port || link.to.component == kEstimateNoIndex) continue;
    const EstimateComponent& to = sys.components[link.to.component];
    if (link.to.all) {
      for (std::uint32_t i = 0; i < to.count; ++i)
        out.push_back({link.to.component, i});
    } else {
      out.push_back({link.to.component, link.to.indexed ? link.to.index : 0});
    }
  }
  return out;
}

/// A memory's peak bandwidth (bytes/s) and energy per byte moved, from its own parameters.
struct MemoryModel {
  double bandwidth = 0;
  double read_pj_per_byte = 0;
  double write_pj_per_byte = 0;
};

bool memory_model(const EstimateComponent& c, MemoryModel& m, std::string& error) {
  const std::string_view type = c.type;
  if (type == "memory.dram") {
    // The preset fills what the configuration leaves at 0, as memory.dram's resolve() does.
    const auto preset_index = estimate_param<std::uint32_t>(c, "preset", 0);
    static const dram::Preset kCustom{};
    const dram::Preset& d = preset_index < std::size(dram::kPresets) && dram::kPresets[preset_index] != nullptr
                                ? *dram::kPresets[preset_index]
                                : kCustom;
    const auto pick = [&](const char* name, std::uint64_t preset) {
      const auto value = estimate_param<std::uint64_t>(c, name, 0);
      return value != 0 ? value : preset;
    };
    const auto pick_f = [&](const char* name, double preset) {
      const auto value = estimate_param<double>(c, name, 0.0);
      return value != 0.0 ? value : preset;
    };
    const std::uint64_t channels = pick("channels", d.channels);
    const std::uint64_t burst_bytes = pick("bus_width", d.bus_width) * pick("burst_length", d.burst_length) / 8;
    const Tick column_gap = std::max(pick("tBL", d.tBL), pick("tCCD_S", d.tCCD_S));
    const std::uint64_t row_size = pick("row_size", d.row_size);
    if (channels == 0 || burst_bytes == 0 || column_gap == 0 || row_size == 0) {
      error = std::string("memory '") + c.name + "' (memory.dram) has no channels, burst or timing to estimate from";
      return false;
    }
    // One burst per column-command gap on each channel; streaming opens one row per row_size bytes.
    m.bandwidth = static_cast<double>(channels * burst_bytes) * 1e12 / static_cast<double>(column_gap);
    const double act = pick_f("act_energy", d.act_energy) / static_cast<double>(row_size);
    m.read_pj_per_byte = pick_f("read_energy", d.read_energy) / static_cast<double>(burst_bytes) + act;
    m.write_pj_per_byte = pick_f("write_energy", d.write_energy) / static_cast<double>(burst_bytes) + act;
    return true;
  }
  if (type == "memory.sram") {
    const auto banks = estimate_param<std::uint64_t>(c, "banks", 0);
    const auto bytes_per_cycle = estimate_param<std::uint64_t>(c, "bytes_per_cycle", 0);
    const auto clock = estimate_param<double>(c, "clock", 0.0);
    const auto access = estimate_param<double>(c, "access_energy_pj", 0.0);
    if (banks == 0 || bytes_per_cycle == 0 || clock <= 0) {
      error = std::string("memory '") + c.name + "' (memory.sram) has no banks or clock to estimate from";
      return false;
    }
    // Every bank moves bytes_per_cycle a cycle; one access energy per bank transfer cycle.
    m.bandwidth = static_cast<double>(banks * bytes_per_cycle) * clock;
    m.read_pj_per_byte = m.write_pj_per_byte = access / static_cast<double>(bytes_per_cycle);
    return true;
  }
  error = std::string("memory '") + c.name + "' is a " + c.type +
          ": the estimate knows memory.dram and memory.sram (bytes over their peak bandwidth)";
  return false;
}

/// Bytes per second one endpoint of an interconnect can take in (and, separately, send out);
/// `shared`: one channel for both directions.
bool endpoint_bandwidth(const EstimateComponent& c, double& bandwidth, bool& shared, std::string& error) {
  const std::string_view type = c.type;
  shared = false;
  if (type == "interconnect.mesh") {
    bandwidth = estimate_param<double>(c, "link_bandwidth", 0.0); // the router's injection and ejection links
  } else if (type == "interconnect.link") {
    bandwidth = estimate_param<double>(c, "bandwidth", 0.0);
    shared = estimate_param<std::uint32_t>(c, "duplex", 0) == 1;
  } else if (type == "interconnect.crossbar") {
    bandwidth = static_cast<double>(estimate_param<std::uint64_t>(c, "port_width", 0)) *
                estimate_param<double>(c, "clock", 0.0);
  } else {
    error = std::string("interconnect '") + c.name + "' is a " + c.type +
            ": the estimate knows interconnect.mesh, interconnect.link and interconnect.crossbar";
    return false;
  }
  if (bandwidth <= 0) {
    error = std::string("interconnect '") + c.name + "' has no bandwidth to estimate from";
    return false;
  }
  return true;
}

/// Where one of the workload's ports leads: the memories (or buffers) it uses and, when it goes
/// through an interconnect, that interconnect.
struct Path {
  std::vector<MemoryModel> memories;
  const EstimateComponent* interconnect = nullptr;
  std::uint64_t header = 0; ///< the interconnect's packet header
  double bandwidth = 0;     ///< all memories together
  bool linked = false;
};

/// The path behind `port` of component `from` (the workload itself, or its first DMA engine).
bool resolve_path(const EstimateSystem& sys, std::uint32_t from, std::string_view port, bool via, std::uint64_t route,
                  std::uint64_t count, Path& path, std::string& error) {
  const std::vector<Reach> reach = receivers(sys, from, port);
  if (reach.empty()) return true;
  path.linked = true;
  std::vector<Reach> memories;
  if (via) {
    // Memory i is endpoint route + i of the interconnect: the receivers of its `out`, in order.
    path.interconnect = &sys.components[reach.front().component];
    path.header = estimate_param<std::uint64_t>(*path.interconnect, "header", 0);
    const std::vector<Reach> endpoints = receivers(sys, reach.front().component, "out");
    if (route + count > endpoints.size()) {
      error = std::string("port '") + std::string(port) + "': endpoints " + std::to_string(route) + " to " +
              std::to_string(route + count - 1) + " of '" + path.interconnect->name + "', which has " +
              std::to_string(endpoints.size());
      return false;
    }
    memories.assign(endpoints.begin() + static_cast<std::ptrdiff_t>(route),
                    endpoints.begin() + static_cast<std::ptrdiff_t>(route + count));
  } else {
    const std::size_t used =
        std::min<std::size_t>(count > 0 ? count : reach.size(), std::min<std::size_t>(reach.size(), kMaxMemories));
    memories.assign(reach.begin(), reach.begin() + static_cast<std::ptrdiff_t>(used));
  }
  for (const Reach& r : memories) {
    MemoryModel m;
    if (!memory_model(sys.components[r.component], m, error)) return false;
    path.bandwidth += m.bandwidth;
    path.memories.push_back(m);
  }
  return true;
}

/// The units of one class: how many, and the first one's parameters (a class is one kind of unit).
template <class UnitParams>
bool resolve_units(const EstimateSystem& sys, std::string_view port, std::string_view type, std::uint32_t& units,
                   const UnitParams*& params, std::string& error) {
  const std::vector<Reach> reach = receivers(sys, sys.self, port);
  units = static_cast<std::uint32_t>(std::min<std::size_t>(reach.size(), kMaxUnits));
  params = nullptr;
  for (std::uint32_t u = 0; u < units; ++u) {
    const EstimateComponent& c = sys.components[reach[u].component];
    if (type != c.type) {
      error = std::string("port '") + std::string(port) + "' reaches '" + c.name + "', a " + c.type +
              ": the estimate costs " + std::string(type) + " units on it";
      return false;
    }
    if (params == nullptr) params = static_cast<const UnitParams*>(c.params);
  }
  return true;
}

Tick ticks_of(double seconds_times_1e12) { return static_cast<Tick>(std::llround(seconds_times_1e12)); }

bool estimate_dnn(const EstimateSystem* system, EstimateOut* out) {
  const EstimateSystem& sys = *system;
  const EstimateComponent& self = sys.components[sys.self];
  const auto& p = *static_cast<const Dnn::Params*>(self.params);
  const ProgramOp* ops = data_at<ProgramOp>(self.data, p.program);
  const std::uint32_t* succ = data_at<std::uint32_t>(self.data, p.succ);
  const std::vector<const char*> names = split(self.data, p.names, p.nops + 1);
  const std::vector<const char*> types = split(self.data, p.types, p.nops);
  std::string error;

  std::uint32_t units[2] = {0, 0};
  const systolic::Params* array = nullptr;
  const vector_unit::Params* lanes = nullptr;
  if (!resolve_units(sys, "matrix", "compute.systolic", units[kMatrix], array, error) ||
      !resolve_units(sys, "vector", "compute.vector", units[kVector], lanes, error)) {
    return out->fail(error);
  }
  for (std::uint32_t c = 0; c < 2; ++c) {
    if (p.has_class[c] != 0 && units[c] == 0) {
      return out->fail(std::string("the graph has ") + (c == kMatrix ? "matrix" : "vector") + " operators and port '" +
                       (c == kMatrix ? "matrix" : "vector") + "' reaches no unit");
    }
  }
  // With DMA engines the memories and buffers are behind the engines' own ports (the first
  // engine's links stand for all of them), and each engine is an endpoint of its own.
  std::uint32_t path_owner = sys.self;
  const EstimateComponent* engine = nullptr;
  if (p.dma_engines > 0) {
    const std::vector<Reach> engines = receivers(sys, sys.self, "dma");
    if (engines.size() < p.dma_engines) {
      return out->fail("dma_engines = " + std::to_string(p.dma_engines) + " but port 'dma' reaches " +
                       std::to_string(engines.size()) + " DMA engines");
    }
    for (std::uint64_t e = 0; e < p.dma_engines; ++e) {
      const EstimateComponent& c = sys.components[engines[e].component];
      if (std::string_view(c.type) != "workload.dnn_dma") {
        return out->fail(std::string("port 'dma' reaches '") + c.name + "', a " + c.type +
                         ": the estimate costs workload.dnn_dma engines on it");
      }
    }
    path_owner = engines.front().component;
    engine = &sys.components[path_owner];
  }
  const char* mem_owner = engine != nullptr ? "the DMA engines' port 'mem'" : "port 'mem'";
  Path mem, buffer;
  if (!resolve_path(sys, path_owner, "mem", p.mem_via_interconnect, p.mem_route, p.mem_count, mem, error) ||
      !resolve_path(sys, path_owner, "buffer", p.buffer_via_interconnect, p.buffer_route, p.buffer_count, buffer,
                    error)) {
    return out->fail(error);
  }
  if (mem.memories.empty()) return out->fail(std::string(mem_owner) + " reaches no memory");
  const bool has_buffer = !buffer.memories.empty();
  double ic_bandwidth = 0;
  bool ic_shared = false;
  const EstimateComponent* ic = mem.interconnect != nullptr ? mem.interconnect : buffer.interconnect;
  if (ic != nullptr && !endpoint_bandwidth(*ic, ic_bandwidth, ic_shared, error)) return out->fail(error);
  // An engine's own ports (bandwidth per direction, 0: none) bound what it moves, on any path.
  const double engine_bandwidth = engine != nullptr ? estimate_param<double>(*engine, "bandwidth", 0.0) : 0.0;
  const std::uint64_t engine_header = engine != nullptr ? estimate_param<std::uint64_t>(*engine, "header", 8) : 0;
  // The busiest endpoint's share of a class's traffic: all of it at the command processor; with
  // engines, unit f's traffic spreads evenly (over the memories) on its group's engines.
  double class_share[2] = {1.0, 1.0};
  if (engine != nullptr) {
    const auto engines = static_cast<std::uint32_t>(p.dma_engines);
    const auto groups = static_cast<std::uint32_t>(p.dma_groups > 0 ? p.dma_groups : p.dma_engines);
    for (std::uint32_t c = 0; c < 2; ++c) {
      if (units[c] == 0) continue;
      std::vector<double> load(engines, 0.0);
      for (std::uint32_t u = 0; u < units[c]; ++u) {
        const std::uint32_t group = (c == kMatrix ? u : units[kMatrix] + u) % groups;
        const std::uint32_t mine = (engines - group + groups - 1) / groups;
        for (std::uint32_t e = group; e < engines; e += groups)
          load[e] += 1.0 / mine;
      }
      class_share[c] = *std::max_element(load.begin(), load.end()) / units[c];
    }
  }

  // Requests of request_size bytes; with mem_interleave at most one block (the estimate ignores
  // the extra split of a transfer that starts off a block boundary). Either way the memories
  // share the bytes evenly: round-robin deals the requests so, the interleave spreads the blocks.
  const std::uint64_t piece = p.mem_interleave > 0 ? std::min(p.request_size, p.mem_interleave) : p.request_size;

  // Energy per byte averaged over the memories the requests are dealt to.
  const auto average = [](const Path& path, bool write) {
    double sum = 0;
    for (const MemoryModel& m : path.memories)
      sum += write ? m.write_pj_per_byte : m.read_pj_per_byte;
    return path.memories.empty() ? 0.0 : sum / static_cast<double>(path.memories.size());
  };
  const double mem_read_pj = average(mem, false), mem_write_pj = average(mem, true);
  const double buf_read_pj = average(buffer, false), buf_write_pj = average(buffer, true);

  std::vector<Tick> ready(p.nops, 0);
  Tick class_free[2] = {0, 0};
  Tick finished = 0;
  std::uint64_t total_bytes = 0;
  double total_energy = 0;
  std::vector<EstimateRow> rows(p.nops);
  for (std::uint32_t i = 0; i < p.nops; ++i) {
    const ProgramOp& op = ops[i];
    const std::uint64_t eb = op.element_bytes;
    const std::uint32_t cls = op.unit_class;
    const std::uint64_t n_units = units[cls];
    double busiest_ps = 0; // the unit with the most items
    double energy = 0;
    std::uint64_t reads_a = 0, reads_b = 0, writes = 0, commands = 0;
    if (cls == kMatrix) {
      // Items are output tiles: full or edge in M, full or edge in N; each has `steps` K tiles,
      // the last possibly short. Four kinds, counted instead of visited.
      const std::uint64_t edge_m = op.m - (op.tiles_m - 1) * op.tm;
      const std::uint64_t edge_n = op.n - (op.tiles_n - 1) * op.tn;
      const std::uint64_t edge_k = op.k - (op.steps - 1) * op.tk;
      double item_cycles_sum = 0;
      for (int full_m = 0; full_m < 2; ++full_m) {
        for (int full_n = 0; full_n < 2; ++full_n) {
          const std::uint64_t count = op.batch * (full_m ? op.tiles_m - 1 : 1) * (full_n ? op.tiles_n - 1 : 1);
          if (count == 0) continue;
          const std::uint64_t tm = full_m ? op.tm : edge_m;
          const std::uint64_t tn = full_n ? op.tn : edge_n;
          const std::uint64_t cycles = (op.steps - 1) * systolic::tile_cycles(*array, tm, tn, op.tk) +
                                       systolic::tile_cycles(*array, tm, tn, edge_k);
          item_cycles_sum += static_cast<double>(count) * static_cast<double>(cycles);
        }
      }
      const std::uint64_t per_unit = systolic::ceil_div(op.items, n_units);
      busiest_ps =
          item_cycles_sum / static_cast<double>(op.items) * static_cast<double>(per_unit) * 1e12 / array->clock;
      energy += systolic::mac_energy(*array, op.macs);
      reads_a = op.batch * op.m * op.k * op.tiles_n * eb; // A row panel once per column tile
      reads_b = op.batch * op.k * op.n * op.tiles_m * eb; // B column panel once per row tile
      writes = op.batch * op.m * op.n * eb;
      commands = op.items * op.steps;
    } else {
      const std::uint64_t pass_count = vector_unit::passes(*lanes, op.vector_op);
      const std::uint64_t last_rows = op.rows - (op.items - 1) * op.rows_per_chunk;
      const std::uint64_t full =
          vector_unit::op_cycles(*lanes, pass_count, op.rows_per_chunk * op.row_length, op.command_row);
      const std::uint64_t last = vector_unit::op_cycles(*lanes, pass_count, last_rows * op.row_length, op.command_row);
      const double item_cycles_sum =
          static_cast<double>(op.items - 1) * static_cast<double>(full) + static_cast<double>(last);
      const std::uint64_t per_unit = vector_unit::ceil_div(op.items, n_units);
      busiest_ps =
          item_cycles_sum / static_cast<double>(op.items) * static_cast<double>(per_unit) * 1e12 / lanes->clock;
      energy += vector_unit::lane_energy(*lanes, op.rows * op.row_length * pass_count);
      reads_a = op.in_bytes;
      writes = op.out_bytes;
      commands = op.items;
    }
    // Where each transfer goes: resident tensors to the buffers (when there are any), the rest to memory.
    const bool a_on_chip = has_buffer && op.a_resident != 0;
    const bool b_on_chip = has_buffer && op.b_resident != 0;
    const bool out_on_chip = has_buffer && op.out_resident != 0;
    const std::uint64_t mem_read = (a_on_chip ? 0 : reads_a) + (b_on_chip ? 0 : reads_b);
    const std::uint64_t mem_write = out_on_chip ? 0 : writes;
    const std::uint64_t resident_read = (a_on_chip ? reads_a : 0) + (b_on_chip ? reads_b : 0);
    const std::uint64_t resident_write = out_on_chip ? writes : 0;
    // With a buffer, memory reads are written into it and results read out of it as they leave.
    const std::uint64_t buf_write = has_buffer ? mem_read + resident_write : 0;
    const std::uint64_t buf_read = has_buffer ? mem_write + resident_read : 0;
    energy += static_cast<double>(mem_read) * mem_read_pj + static_cast<double>(mem_write) * mem_write_pj;
    energy += static_cast<double>(buf_read) * buf_read_pj + static_cast<double>(buf_write) * buf_write_pj;

    // Each resource's busy time: the memories and buffers (reads and writes share them), the
    // command processor's endpoint (reads come in, writes go out, apart unless the channel is
    // shared), the busiest unit.
    const double memory_ps = static_cast<double>(mem_read + mem_write) * 1e12 / mem.bandwidth;
    const double buffer_ps = has_buffer ? static_cast<double>(buf_read + buf_write) * 1e12 / buffer.bandwidth : 0.0;
    // The operands' and the results' own transfers, on their slowest stage (the pipeline's head and tail).
    double read_ps = static_cast<double>(mem_read) * 1e12 / mem.bandwidth;
    double write_ps = static_cast<double>(mem_write) * 1e12 / mem.bandwidth;
    if (has_buffer) {
      read_ps = std::max(read_ps, static_cast<double>(resident_read) * 1e12 / buffer.bandwidth);
      write_ps = std::max(write_ps, static_cast<double>(resident_write) * 1e12 / buffer.bandwidth);
    }
    double ic_ps = 0;
    // The endpoint that moves the data: the interconnect's port and, with engines, the engine's own.
    const auto endpoint_ps = [&](std::uint64_t bytes, bool through_interconnect) {
      double ps = 0;
      if (through_interconnect) ps = static_cast<double>(bytes) * 1e12 / ic_bandwidth;
      if (engine_bandwidth > 0) ps = std::max(ps, static_cast<double>(bytes) * 1e12 / engine_bandwidth);
      return ps * class_share[cls];
    };
    if (ic != nullptr || engine_bandwidth > 0) {
      // Every request carries a header.
      const auto wire = [&](std::uint64_t bytes, const Path& path) {
        const std::uint64_t requests = (bytes + piece - 1) / piece;
        return bytes + requests * (path.interconnect != nullptr ? path.header : engine_header);
      };
      const bool mem_through = mem.interconnect != nullptr || engine_bandwidth > 0;
      const bool buffer_through = buffer.interconnect != nullptr || engine_bandwidth > 0;
      std::uint64_t in = 0, out_bytes = 0;
      if (mem_through) {
        in += wire(mem_read, mem);
        out_bytes += wire(mem_write, mem);
      }
      if (buffer_through) {
        in += wire(buf_read, buffer);
        out_bytes += wire(buf_write, buffer);
      }
      const bool through_interconnect = ic != nullptr;
      const double in_ps = endpoint_ps(in, through_interconnect);
      const double out_ps = endpoint_ps(out_bytes, through_interconnect);
      ic_ps = ic_shared && engine_bandwidth <= 0 ? in_ps + out_ps : std::max(in_ps, out_ps);
      const std::uint64_t operands_in = (mem_through ? mem_read : 0) + (buffer_through ? resident_read : 0);
      const std::uint64_t results_out = (mem_through ? mem_write : 0) + (buffer_through ? resident_write : 0);
      read_ps = std::max(read_ps, endpoint_ps(operands_in, through_interconnect));
      write_ps = std::max(write_ps, endpoint_ps(results_out, through_interconnect));
    }
    // The far ends have one port each way too: requests are dealt evenly over the memories; a
    // unit's fills and drains go to its own buffer (f mod buffers), the tensors kept on chip are
    // spread over all the buffers.
    const auto wire_bytes = [&](std::uint64_t bytes, const Path& path) {
      return static_cast<double>(bytes + (bytes + piece - 1) / piece * path.header);
    };
    if (mem.interconnect != nullptr) {
      const auto memories = static_cast<double>(mem.memories.size());
      ic_ps = std::max(ic_ps, std::max(wire_bytes(mem_read, mem), wire_bytes(mem_write, mem)) / memories * 1e12 /
                                  ic_bandwidth);
    }
    if (buffer.interconnect != nullptr && has_buffer) {
      const std::uint64_t buffers = buffer.memories.size();
      const double fill_share = static_cast<double>((n_units + buffers - 1) / buffers) / static_cast<double>(n_units);
      const auto spread = static_cast<double>(buffers);
      const double into = wire_bytes(mem_read, buffer) * fill_share + wire_bytes(resident_write, buffer) / spread;
      const double out_of = wire_bytes(mem_write, buffer) * fill_share + wire_bytes(resident_read, buffer) / spread;
      ic_ps = std::max(ic_ps, std::max(into, out_of) * 1e12 / ic_bandwidth);
    }
    // A pipeline of steps, units x depth in flight: the slowest resource sets the pace, but the
    // first wave's operands arrive before any compute starts, and the last wave's results leave
    // after it ends (one wave: read everything, compute a step, write everything).
    const std::uint64_t slots = n_units * Dnn::depth_of(p);
    const double waves = static_cast<double>((commands + slots - 1) / slots);
    const double item_waves = static_cast<double>((op.items + n_units - 1) / n_units);
    const double steps_per_unit = static_cast<double>((commands + n_units - 1) / n_units);
    const double pace = std::max({busiest_ps, memory_ps, buffer_ps, ic_ps});
    const double latency_ps =
        read_ps / waves + pace * (waves - 1) / waves + busiest_ps / steps_per_unit + write_ps / item_waves;

    EstimateRow& row = rows[i];
    std::snprintf(row.name, sizeof row.name, "%s", names[i + 1]);
    std::snprintf(row.op, sizeof row.op, "%s", types[i]);
    std::snprintf(row.unit, sizeof row.unit, "%s", cls == kMatrix ? "matrix" : "vector");
    row.compute = ticks_of(busiest_ps);
    row.memory = ticks_of(std::max(memory_ps, buffer_ps));
    row.interconnect = ticks_of(ic_ps);
    row.latency = ticks_of(latency_ps);
    row.start = std::max(ready[i], class_free[cls]);
    row.macs = op.macs;
    row.bytes = mem_read + mem_write;
    row.tiles = commands;
    row.energy = energy;
    const Tick end = row.start + row.latency;
    class_free[cls] = end;
    finished = std::max(finished, end);
    for (std::uint32_t s = 0; s < op.nsucc; ++s) {
      const std::uint32_t next = succ[op.first_succ + s];
      ready[next] = std::max(ready[next], end);
    }
    total_bytes += row.bytes;
    total_energy += energy;
    out->add_row(out->owner, &row);
  }

  std::snprintf(out->model, sizeof out->model, "%s", names[0]);
  out->latency = finished;
  out->macs = p.total_macs;
  out->bytes = total_bytes;
  out->energy = total_energy;
  out->area_mm2 = (array != nullptr ? units[kMatrix] * systolic::array_area(*array) : 0.0) +
                  (lanes != nullptr ? units[kVector] * vector_unit::unit_area(*lanes) : 0.0);

  // The same table as the run's report (dnn_host.cpp), with the part that bounds each operator.
  std::vector<std::uint32_t> order(p.nops);
  for (std::uint32_t i = 0; i < p.nops; ++i)
    order[i] = i;
  const std::size_t shown = p.nops <= 24 ? p.nops : 10;
  std::string text;
  char line[256];
  if (shown < p.nops) {
    std::stable_sort(order.begin(), order.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return rows[a].latency > rows[b].latency; });
    std::snprintf(line, sizeof line, "  %s: the %zu longest of %u operators (estimated)\n", names[0], shown, p.nops);
  } else {
    std::snprintf(line, sizeof line, "  %s: %u operators (estimated)\n", names[0], p.nops);
  }
  text += line;
  std::snprintf(line, sizeof line, "  %-28s %-11s %12s %12s %14s %12s %s\n", "operator", "type", "start", "latency",
                "MACs", "bytes", "bound");
  text += line;
  for (std::size_t r = 0; r < shown; ++r) {
    const EstimateRow& row = rows[order[r]];
    const char* bound = row.latency == row.compute ? "compute" : row.latency == row.memory ? "memory" : "interconnect";
    std::snprintf(line, sizeof line, "  %-28.28s %-11s %12s %12s %14llu %12s %s\n", row.name, row.op,
                  format_time(row.start).c_str(), format_time(row.latency).c_str(),
                  static_cast<unsigned long long>(row.macs), format_bytes(row.bytes).c_str(), bound);
    text += line;
  }
  std::snprintf(line, sizeof line,
                "  total: estimated, latency %s, %.4g inferences/s, %.4g MACs, %s moved, %.4g uJ, units %.4g mm^2\n",
                format_time(finished).c_str(), finished > 0 ? 1e12 / static_cast<double>(finished) : 0.0,
                static_cast<double>(p.total_macs), format_bytes(total_bytes).c_str(), total_energy * 1e-6,
                out->area_mm2);
  text += line;
  out->add_text(out->owner, text.c_str());
  return true;
}

} // namespace
} // namespace archlab::dnn_workload

ARCHLAB_REGISTER_ESTIMATE(archlab::dnn_workload::estimate_dnn)
