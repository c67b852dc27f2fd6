// workload.dnn on the host: the checks of its parameters, the mapping of a graph onto the machine
// (prepare: tiling, work items, addresses, the program) and the report after the run.
#include <algorithm>
#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

#include <graph.hpp>

#include "dnn.hpp"
#include "report_text.hpp"

namespace archlab::dnn_workload {
namespace {

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

bool is_activation(const std::string& variant) {
  static const char* const kActivations[] = {"relu", "relu6", "gelu", "silu", "swish", "sigmoid", "tanh", "hardswish"};
  return std::any_of(std::begin(kActivations), std::end(kActivations),
                     [&](const char* name) { return variant == name; });
}

std::string where(const dnn::Graph& graph, const dnn::Op& op) {
  return "operator '" + op.name + "' (" + graph.file + ":" + std::to_string(op.line) + ")";
}

/// The dimensions of a tile that lie on the array in one pass, by dataflow (systolic README):
/// os: M on rows, N on columns; ws: K on rows, N on columns; is: K on rows, M on columns.
struct PassLimits {
  std::uint64_t m = ~0ull, n = ~0ull, k = ~0ull;
};
PassLimits pass_limits(const Dnn::Params& p) {
  PassLimits limits;
  if (!p.one_pass) return limits;
  switch (p.dataflow) {
  case 0:
    limits.m = p.array_rows;
    limits.n = p.array_cols;
    break;
  case 1:
    limits.k = p.array_rows;
    limits.n = p.array_cols;
    break;
  default:
    limits.k = p.array_rows;
    limits.m = p.array_cols;
    break;
  }
  return limits;
}

/// Tiles a GEMM to fit one buffer slot: explicit tile sizes are kept (clipped to the operator),
/// the others halved, largest first, until operands and result fit.
bool tile_matrix(const Dnn::Params& p, const dnn::Graph& graph, const dnn::Op& source, std::uint64_t eb, ProgramOp& op,
                 DataBuilder& data) {
  const dnn::GemmShape g = *source.gemm();
  op.batch = g.batch;
  op.m = g.m;
  op.n = g.n;
  op.k = g.k;
  const PassLimits limits = pass_limits(p);
  std::uint64_t dims[3] = {std::min({g.m, p.tile_m ? p.tile_m : g.m, limits.m}),
                           std::min({g.n, p.tile_n ? p.tile_n : g.n, limits.n}),
                           std::min({g.k, p.tile_k ? p.tile_k : g.k, limits.k})};
  const bool fixed[3] = {p.tile_m != 0, p.tile_n != 0, p.tile_k != 0};
  const std::uint64_t slot = p.buffer_size / Dnn::depth_of(p);
  auto bytes = [&] { return (dims[0] * dims[2] + dims[2] * dims[1] + dims[0] * dims[1]) * eb; };
  // K goes first (down to 256: a tile's K costs buffer but no reuse), then the larger of M and N
  // (square output tiles read the fewest operand bytes), then K again.
  constexpr std::uint64_t kKeepK = 256;
  while (bytes() > slot) {
    int largest = -1;
    if (!fixed[2] && dims[2] > kKeepK) {
      largest = 2;
    } else {
      for (int d = 0; d < 2; ++d) {
        if (!fixed[d] && dims[d] > 1 && (largest < 0 || dims[d] > dims[largest])) largest = d;
      }
      if (largest < 0 && !fixed[2] && dims[2] > 1) largest = 2;
    }
    if (largest < 0) {
      return data.fail(where(graph, source) + " does not fit: its smallest tile (" + std::to_string(dims[0]) + " x " +
                       std::to_string(dims[1]) + " x " + std::to_string(dims[2]) +
                       ", with tile_m/tile_n/tile_k as set) needs " + std::to_string(bytes()) +
                       " bytes for operands and result, more than buffer_size / depth = " + std::to_string(slot) +
                       " bytes");
    }
    dims[largest] = ceil_div(dims[largest], 2);
  }
  // Enough output tiles to spread over the units: halve the larger of M and N (not below 32).
  constexpr std::uint64_t kSmallest = 32;
  auto items = [&] { return g.batch * ceil_div(g.m, dims[0]) * ceil_div(g.n, dims[1]); };
  while (items() < p.min_tiles) {
    int larger = -1;
    for (int d = 0; d < 2; ++d) {
      if (!fixed[d] && dims[d] >= 2 * kSmallest && (larger < 0 || dims[d] > dims[larger])) larger = d;
    }
    if (larger < 0) break;
    dims[larger] = ceil_div(dims[larger], 2);
  }
  op.tm = dims[0];
  op.tn = dims[1];
  op.tk = dims[2];
  op.tiles_m = ceil_div(g.m, op.tm);
  op.tiles_n = ceil_div(g.n, op.tn);
  op.steps = ceil_div(g.k, op.tk);
  op.items = g.batch * op.tiles_m * op.tiles_n;
  return true;
}

/// Cuts a vector operator into chunks of whole rows that fit one buffer slot.
bool tile_vector(const Dnn::Params& p, const dnn::Graph& graph, const dnn::Op& source, std::uint64_t eb, ProgramOp& op,
                 DataBuilder& data) {
  using dnn::OpType;
  switch (source.type) {
  case OpType::Softmax:
    op.rows = source.rows;
    op.row_length = source.cols;
    op.vector_op = static_cast<std::uint32_t>(protocol::VectorOp::Softmax);
    break;
  case OpType::LayerNorm:
    op.rows = source.rows;
    op.row_length = source.cols;
    op.vector_op = static_cast<std::uint32_t>(protocol::VectorOp::LayerNorm);
    break;
  case OpType::Pool: // each output element reduces its R x S window
    op.rows = source.output_elements();
    op.row_length = source.r * source.s;
    op.vector_op = static_cast<std::uint32_t>(protocol::VectorOp::Reduction);
    break;
  default:
    op.rows = source.elements;
    op.row_length = 1;
    op.vector_op = static_cast<std::uint32_t>(is_activation(source.variant) ? protocol::VectorOp::Activation
                                                                            : protocol::VectorOp::Elementwise);
    break;
  }
  op.in_bytes = (source.input_elements() + source.weight_elements()) * eb;
  op.out_bytes = source.output_elements() * eb;
  if (op.rows == 0 || op.row_length == 0 || op.out_bytes == 0) {
    return data.fail(where(graph, source) + " has no elements");
  }
  const std::uint64_t slot = p.buffer_size / Dnn::depth_of(p);
  const auto per_chunk = static_cast<unsigned __int128>(slot) * op.rows / (op.in_bytes + op.out_bytes);
  if (per_chunk == 0) {
    return data.fail(where(graph, source) + " does not fit: one row of " + std::to_string(op.row_length) +
                     " elements needs " + std::to_string(ceil_div(op.in_bytes + op.out_bytes, op.rows)) +
                     " bytes, more than buffer_size / depth = " + std::to_string(slot) + " bytes");
  }
  op.rows_per_chunk = std::min<std::uint64_t>(
      {static_cast<std::uint64_t>(per_chunk), op.rows, std::max<std::uint64_t>(ceil_div(op.rows, p.min_tiles), 1)});
  const bool rows_matter = source.type == OpType::Softmax || source.type == OpType::LayerNorm;
  op.command_row = rows_matter ? op.row_length : 0;
  op.items = ceil_div(op.rows, op.rows_per_chunk);
  op.steps = 1;
  return true;
}

/// Results kept on chip (resident_size): in program order, a result that some operator consumes
/// gets the first gap of [0, resident_size) it fits in, among the results still needed (until
/// their last consumer's position); consumers then read it from there. The liveness is by
/// program position, not time: operators that overlap (lookahead) may outlive it a little.
void place_resident(const Dnn::Params& p, const dnn::Graph& graph, const std::vector<std::uint32_t>& position,
                    const std::vector<std::vector<std::uint32_t>>& successors, std::vector<ProgramOp>& program) {
  if (p.resident_size == 0) return;
  struct Block {
    std::uint64_t offset, size;
    std::size_t until; ///< position of its last consumer
  };
  std::vector<Block> live;
  for (std::size_t pos = 0; pos < program.size(); ++pos) {
    std::erase_if(live, [&](const Block& block) { return block.until < pos; });
    if (successors[pos].empty()) continue; // the graph's outputs go to memory
    const std::uint64_t bytes = program[pos].out_bytes;
    if (bytes == 0 || bytes > p.resident_size) continue;
    std::sort(live.begin(), live.end(), [](const Block& a, const Block& b) { return a.offset < b.offset; });
    std::uint64_t at = 0;
    bool found = false;
    for (const Block& block : live) {
      if (block.offset >= at + bytes) {
        found = true;
        break;
      }
      at = std::max(at, block.offset + block.size);
    }
    if (!found && at + bytes > p.resident_size) continue;
    program[pos].out_resident = 1;
    program[pos].out_offset = at;
    live.push_back({at, bytes, *std::max_element(successors[pos].begin(), successors[pos].end())});
  }
  // Consumers: a matrix operator's A operand is its first input, B its second when B is not a
  // weight; a vector operator reads all its inputs, on chip when every one of them is.
  for (ProgramOp& op : program) {
    const dnn::Op& source = graph.ops[op.graph_index];
    if (source.deps.empty()) continue;
    auto take = [&](std::size_t input, std::uint32_t& flag, std::uint32_t& home, std::uint64_t& offset,
                    std::uint64_t& bytes) {
      const std::uint32_t producer = position[source.deps[input]];
      if (program[producer].out_resident == 0) return;
      flag = 1;
      home = producer;
      offset = program[producer].out_offset;
      bytes = program[producer].out_bytes;
    };
    if (op.unit_class == kMatrix) {
      take(0, op.a_resident, op.a_home, op.a_offset, op.a_bytes);
      if (!source.b_is_weight && source.deps.size() >= 2) take(1, op.b_resident, op.b_home, op.b_offset, op.b_bytes);
    } else if (std::all_of(source.deps.begin(), source.deps.end(),
                           [&](std::size_t dep) { return program[position[dep]].out_resident != 0; })) {
      take(0, op.a_resident, op.a_home, op.a_offset, op.a_bytes);
    }
  }
}

} // namespace

const char* Dnn::validate(const Params& p) {
  if (p.mem_via_interconnect && p.mem_count == 0) {
    return "mem_via_interconnect = true needs mem_count: how many memory endpoints (mem_route, mem_route + 1, ...)";
  }
  if (p.buffer_via_interconnect && p.buffer_count == 0) {
    return "buffer_via_interconnect = true needs buffer_count: how many buffer endpoints";
  }
  if (p.dma_engines > 0 && p.mem_count == 0) {
    return "dma_engines needs mem_count: how many memories the DMA engines send to (the first mem_count receivers "
           "of each engine's `mem`, or with mem_via_interconnect the endpoints mem_route, mem_route + 1, ...)";
  }
  if (p.dma_groups > p.dma_engines) {
    return "dma_groups must not exceed dma_engines: each group needs an engine of its own";
  }
  if (p.address_range < 2 * p.request_size) return "address_range must be at least twice request_size";
  if (p.mem_interleave > 0 && p.mem_interleave < 32) {
    return "mem_interleave must be 0 B (requests round-robin over the memories) or at least 32 B (the smallest "
           "request_size): the bytes of consecutive addresses one memory serves";
  }
  if (p.one_pass && (p.array_rows == 0 || p.array_cols == 0)) {
    return "one_pass = true needs array_rows and array_cols (the matrix units' PE array)";
  }
  if (p.one_pass) {
    const PassLimits limits = pass_limits(p);
    static const char* const kDataflows[] = {"os", "ws", "is"};
    static thread_local std::string message;
    auto too_big = [&](const char* name, std::uint64_t tile, std::uint64_t limit, const char* side) {
      message = std::string("parameter '") + name + "' = " + std::to_string(tile) +
                " is larger than the array can take in one pass (one_pass = true, dataflow " + kDataflows[p.dataflow] +
                ": at most " + std::to_string(limit) + ", the array's " + side + ")";
      return message.c_str();
    };
    const char* rows_side = "array_rows";
    const char* cols_side = "array_cols";
    if (p.tile_m > limits.m) return too_big("tile_m", p.tile_m, limits.m, p.dataflow == 0 ? rows_side : cols_side);
    if (p.tile_n > limits.n) return too_big("tile_n", p.tile_n, limits.n, cols_side);
    if (p.tile_k > limits.k) return too_big("tile_k", p.tile_k, limits.k, rows_side);
  }
  return nullptr;
}

void Dnn::check_links(const Params& p, LinkCheck& check) {
  const auto refuse = [&](const std::string& message) { check.refuse(message.c_str()); };
  const char* const class_port[2] = {"matrix", "vector"};
  const char* const class_unit[2] = {"matrix operators (GEMM, convolution)", "vector operators"};
  std::uint32_t units = 0;
  for (std::uint32_t c = 0; c < 2; ++c) {
    const std::uint32_t reach = check.count(c == 0 ? kMatrixPort : kVectorPort);
    if (reach > kMaxUnits) {
      return refuse(std::string("port '") + class_port[c] + "' reaches " + std::to_string(reach) +
                    " units; workload.dnn drives at most " + std::to_string(kMaxUnits) + " per class");
    }
    if (p.has_class[c] != 0 && reach == 0) {
      return refuse(std::string("the graph has ") + class_unit[c] + " and port '" + class_port[c] +
                    "' reaches no unit to run them: link it to the units (" + class_port[c] + " = \"...[*].cmd\")");
    }
    units += reach;
  }
  if (p.dma_engines > check.count(kDmaPort)) {
    return refuse("dma_engines = " + std::to_string(p.dma_engines) + " but port 'dma' reaches " +
                  std::to_string(check.count(kDmaPort)) + " engines");
  }
  // Memories and buffers on direct links (behind an interconnect or DMA engines they are not this
  // component's peers: mem_count / buffer_count say how many there are).
  const auto direct = [&](PortId port, const char* name, bool via_interconnect, std::uint64_t count, bool needed) {
    if (via_interconnect || p.dma_engines > 0) return true;
    const std::uint32_t reach = check.count(port);
    if (needed && reach == 0 && p.nops > 0) {
      refuse(std::string("port '") + name + "' reaches no memory: the operators' tensors have nowhere to live");
      return false;
    }
    if (count > reach && reach > 0) {
      refuse(std::string(name) + "_count = " + std::to_string(count) + " but port '" + name + "' reaches " +
             std::to_string(reach));
      return false;
    }
    if (count == 0 && reach > kMaxMemories) {
      refuse(std::string("port '") + name + "' reaches " + std::to_string(reach) + " memories; workload.dnn uses at " +
             "most " + std::to_string(kMaxMemories) + ": set " + name + "_count");
      return false;
    }
    return true;
  };
  if (!direct(kMemPort, "mem", p.mem_via_interconnect, p.mem_count, true)) return;

  // With mem_interleave each memory on a direct link holds its share of address_range: its
  // blocks of mem_interleave bytes, the last one whole. Memories that declare a capacity
  // (memory.sram) must hold it; a DRAM answers addresses beyond its capacity with `errors`.
  if (p.mem_interleave > 0 && !p.mem_via_interconnect && p.dma_engines == 0) {
    const std::uint64_t memories =
        p.mem_count > 0 ? p.mem_count : std::min<std::uint64_t>(check.count(kMemPort), kMaxMemories);
    const std::uint64_t stripe = p.mem_interleave * memories;
    const std::uint64_t share = ((p.address_range - 1) / stripe + 1) * p.mem_interleave;
    std::uint32_t index = 0;
    for (const LinkedComponent& peer : check.peers()) {
      if (peer.port != kMemPort || !peer.outgoing || index++ >= memories) continue;
      const double capacity = peer.number("capacity");
      if (capacity == capacity && capacity < static_cast<double>(share)) {
        const std::string message = "with mem_interleave = " + std::to_string(p.mem_interleave) + " B over " +
                                    std::to_string(memories) + " memories, each holds " + std::to_string(share) +
                                    " B of address_range = " + std::to_string(p.address_range) +
                                    " B, more than its capacity of " +
                                    std::to_string(static_cast<std::uint64_t>(capacity)) + " B: lower address_range";
        check.refuse(peer, message.c_str());
        return;
      }
    }
  }
  if (!direct(kBufferPort, "buffer", p.buffer_via_interconnect, p.buffer_count, false)) return;

  // Each buffer memory holds ceil(units / buffers) units' slots and the results kept on chip.
  const std::uint32_t direct_buffers = check.count(kBufferPort);
  if (!p.buffer_via_interconnect && p.dma_engines == 0 && direct_buffers > 0 && units > 0) {
    const std::uint64_t buffers = p.buffer_count > 0 ? p.buffer_count : std::min<std::uint64_t>(direct_buffers, kMaxMemories);
    const std::uint64_t need = (units + buffers - 1) / buffers * p.buffer_size + p.resident_size;
    std::uint32_t index = 0;
    for (const LinkedComponent& peer : check.peers()) {
      if (peer.port != kBufferPort || !peer.outgoing || index++ >= buffers) continue;
      const double capacity = peer.number("capacity");
      if (capacity == capacity && capacity < static_cast<double>(need)) {
        check.refuse(peer, (std::to_string((units + buffers - 1) / buffers) + " units' buffer slots (buffer_size = " +
                            std::to_string(p.buffer_size) + " B each)" +
                            (p.resident_size > 0 ? " and resident_size = " + std::to_string(p.resident_size) + " B"
                                                 : std::string()) +
                            " need " + std::to_string(need) + " B, more than its capacity of " +
                            std::to_string(static_cast<std::uint64_t>(capacity)) + " B")
                               .c_str());
        return;
      }
    }
  }
  // One pass: the tiles are cut to array_rows x array_cols in `dataflow`; the arrays must be at
  // least that large and run that dataflow.
  if (p.one_pass) {
    for (const LinkedComponent& peer : check.peers()) {
      if (peer.port != kMatrixPort || !peer.outgoing) continue;
      const double rows = peer.number("rows");
      const double cols = peer.number("cols");
      const double dataflow = peer.number("dataflow");
      if (rows == rows && cols == cols &&
          (rows < static_cast<double>(p.array_rows) || cols < static_cast<double>(p.array_cols))) {
        check.refuse(peer, ("one_pass tiles are cut for a " + std::to_string(p.array_rows) + " x " +
                            std::to_string(p.array_cols) + " array (array_rows x array_cols), larger than its " +
                            std::to_string(static_cast<std::uint64_t>(rows)) + " x " +
                            std::to_string(static_cast<std::uint64_t>(cols)))
                               .c_str());
        return;
      }
      if (dataflow == dataflow && static_cast<std::uint32_t>(dataflow) != p.dataflow) {
        const char* const names[3] = {"os", "ws", "is"};
        const auto name = [&](double d) { return d >= 0 && d < 3 ? names[static_cast<int>(d)] : "?"; };
        check.refuse(peer, (std::string("one_pass tiles are cut for dataflow '") + name(p.dataflow) +
                            "', but it runs '" + name(dataflow) + "'")
                               .c_str());
        return;
      }
    }
  }
}

bool Dnn::prepare(Params& p, DataBuilder& data) {
  dnn::Graph graph;
  try {
    graph = dnn::load_graph(data.text(p.model));
  } catch (const std::exception& error) {
    return data.fail(error.what());
  }
  const std::uint64_t eb = p.element_bytes != 0 ? p.element_bytes : graph.element_bytes;
  const std::size_t count = graph.order.size();
  std::vector<std::uint32_t> position(graph.ops.size());
  for (std::size_t pos = 0; pos < count; ++pos)
    position[graph.order[pos]] = static_cast<std::uint32_t>(pos);

  std::vector<ProgramOp> program(count);
  std::vector<std::vector<std::uint32_t>> successors(count);
  std::string names = graph.name + '\0';
  std::string types;
  std::uint64_t rr_base[2] = {0, 0};
  std::uint64_t address = 0;
  p.has_class[0] = p.has_class[1] = 0;
  p.total_macs = 0;
  for (std::size_t pos = 0; pos < count; ++pos) {
    const dnn::Op& source = graph.ops[graph.order[pos]];
    ProgramOp& op = program[pos];
    op.graph_index = static_cast<std::uint32_t>(graph.order[pos]);
    op.element_bytes = eb;
    op.macs = source.macs();
    op.npred = static_cast<std::uint32_t>(source.deps.size());
    for (std::size_t dep : source.deps)
      successors[position[dep]].push_back(static_cast<std::uint32_t>(pos));
    op.unit_class = source.is_matrix() ? kMatrix : kVector;
    op.b_weight = source.is_matrix() && source.weight_elements() > 0 ? 1u : 0u;
    if (!(source.is_matrix() ? tile_matrix(p, graph, source, eb, op, data)
                             : tile_vector(p, graph, source, eb, op, data))) {
      return false;
    }
    p.has_class[op.unit_class] = 1;
    op.rr_base = rr_base[op.unit_class];
    rr_base[op.unit_class] += op.items;
    op.out_bytes = source.output_bytes(eb);
    // Every operator's tensors get their own addresses, one after another (they wrap at address_range).
    op.in_base = address;
    address += source.input_bytes(eb);
    op.weight_base = address;
    address += source.weight_bytes(eb);
    op.out_base = address;
    address += source.output_bytes(eb);
    p.total_macs += op.macs;
    names += source.name + '\0';
    types += std::string(dnn::op_type_name(source.type)) + '\0';
  }
  place_resident(p, graph, position, successors, program);
  std::vector<std::uint32_t> succ;
  for (std::size_t pos = 0; pos < count; ++pos) {
    program[pos].first_succ = static_cast<std::uint32_t>(succ.size());
    program[pos].nsucc = static_cast<std::uint32_t>(successors[pos].size());
    succ.insert(succ.end(), successors[pos].begin(), successors[pos].end());
  }
  p.nops = static_cast<std::uint32_t>(count);
  p.program = data.append_array(program.data(), program.size());
  p.succ = data.append_array(succ.data(), succ.size());
  p.names = data.append(names.data(), names.size(), 1);
  p.types = data.append(types.data(), types.size(), 1);
  return true;
}

void Dnn::report(const State& s, const Params& p, const std::byte* data, Report& out) {
  const ProgramOp* ops = data_at<ProgramOp>(data, p.program);
  const std::vector<const char*> names = split(data, p.names, p.nops + 1); // the model's name first
  const std::vector<const char*> types = split(data, p.types, p.nops);
  std::uint64_t bytes = 0;
  double energy = 0;
  struct Row {
    std::uint32_t op;
    Tick latency;
  };
  std::vector<Row> rows;
  for (std::uint32_t i = 0; i < p.nops; ++i) {
    const OpState& st = s.op(i);
    const bool finished = st.done == ops[i].items && st.start != kTickMax;
    const Tick start = st.start == kTickMax ? 0 : st.start;
    const Tick end = finished ? st.end : 0;
    const Tick latency = finished ? end - start : 0;
    const double utilization = st.unit_cycles > 0 ? st.work / st.unit_cycles : 0.0;
    out.row(0, {names[i + 1], types[i], ops[i].unit_class == kMatrix ? "matrix" : "vector", start, end, latency,
                ops[i].macs, st.bytes, st.energy, utilization, ops[i].items * ops[i].steps});
    bytes += st.bytes;
    energy += st.energy;
    rows.push_back({i, latency});
  }
  const bool completed = s.ops_done == p.nops;
  const std::string status =
      completed ? "completed"
                : "unfinished: " + std::to_string(s.ops_done) + " of " + std::to_string(p.nops) + " operators done";
  const double throughput = completed && s.finished > 0 ? 1e12 / static_cast<double>(s.finished) : 0.0;
  out.row(1, {names[0], status.c_str(), completed ? s.finished : Tick{0}, throughput, p.total_macs, bytes, energy,
              std::uint64_t{p.nops}, std::uint64_t{s.ops_done}});

  // The printed table: every operator of a small graph, else the ten that took longest.
  std::string text;
  char line[256];
  const std::size_t shown = p.nops <= 24 ? p.nops : 10;
  if (shown < p.nops) {
    std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.latency > b.latency; });
    std::snprintf(line, sizeof line, "  %s: the %zu longest of %u operators (all in /workload/<name>/operators)\n",
                  names[0], shown, p.nops);
  } else {
    std::snprintf(line, sizeof line, "  %s: %u operators\n", names[0], p.nops);
  }
  text += line;
  std::snprintf(line, sizeof line, "  %-28s %-11s %12s %12s %14s %12s %6s\n", "operator", "type", "start", "latency",
                "MACs", "bytes", "util");
  text += line;
  for (std::size_t r = 0; r < shown; ++r) {
    const std::uint32_t i = rows[r].op;
    const OpState& st = s.op(i);
    std::snprintf(line, sizeof line, "  %-28.28s %-11s %12s %12s %14llu %12s %5.1f%%\n", names[i + 1], types[i],
                  format_time(st.start == kTickMax ? 0 : st.start).c_str(), format_time(rows[r].latency).c_str(),
                  static_cast<unsigned long long>(ops[i].macs), format_bytes(st.bytes).c_str(),
                  st.unit_cycles > 0 ? 100.0 * st.work / st.unit_cycles : 0.0);
    text += line;
  }
  std::snprintf(line, sizeof line,
                "  total: %s, latency %s, %.4g inferences/s, %.4g MACs, %s moved, %.4g uJ reported\n", status.c_str(),
                format_time(completed ? s.finished : 0).c_str(), throughput, static_cast<double>(p.total_macs),
                format_bytes(bytes).c_str(), energy * 1e-6);
  text += line;
  if (!completed) {
    text += "  the run ended with operators left: a request no memory answered (see the memories' `errors` and "
            "`dropped`: buffer_size x units beyond the buffer's capacity, address_range beyond a DRAM's), or a "
            "stop_time / max_events limit\n";
  }
  out.print(text.c_str());
}

} // namespace archlab::dnn_workload
