// workload.dnn: one inference of a DNN operator graph, mapped onto a machine's compute units and
// memories. README.md in this folder says what it models; this header is the component's data.
//
// When the configuration loads, prepare() (dnn_host.cpp) reads the graph, tiles every operator
// to fit the on-chip buffer and writes a program: one ProgramOp per operator, in a topological
// order, with its tiling, its addresses and its successors. At run time (dnn.cpp) the component
// is the machine's command processor: it hands work items (output tiles of matrix operators,
// row chunks of vector operators) to the compute units, fetches each step's operands from
// memory (through an interconnect when there is one) into a buffer slot, sends the unit its
// command when the operands are in, writes results back, and starts an operator when the
// operators it depends on are done. With `dma_engines`, each unit's transfers go through its DMA
// engine (workload.dnn_dma, dma/), which moves the data from its own endpoint; the command
// processor only issues the requests and hears the answers.
#pragma once

#include <cstdint>
#include <type_traits>

#include <archlab/component.hpp>
#include <archlab/protocol.hpp>

namespace archlab::dnn_workload {

// Operators per graph: the program is data sized by the model, and so is each operator's
// run-time state (OpState, 72 bytes), the state tail after State (Dnn::state_tail_bytes): an
// instance holds 72 bytes per operator of its own graph. What bounds a graph is the 16 MiB limit
// on model files (a million or so SCALE-Sim rows) and the framework's 2 GiB of state per
// instance (about 29 million operators); program positions are 32-bit.
inline constexpr std::uint32_t kMaxUnits = 64;                 ///< compute units per class (matrix, vector)
inline constexpr std::uint32_t kMaxDepth = 4;                  ///< buffer slots per unit (steps in flight)
inline constexpr std::uint32_t kMaxMemories = 64;              ///< memory endpoints (DRAM) and buffer endpoints (SRAM)
inline constexpr std::uint32_t kMaxDmaEngines = 2 * kMaxUnits; ///< one per unit at most
inline constexpr std::uint32_t kNone = 0xffffffffu;

enum UnitClass : std::uint32_t { kMatrix = 0, kVector = 1 };

/// One operator of the program, in topological order. Matrix operators are GEMMs
/// (batch x M x N x K) cut into tiles tm x tn x tk: an item is one output tile, its steps the
/// K tiles. Vector operators are cut into row chunks: an item is one chunk of one step.
struct ProgramOp {
  std::uint32_t unit_class; ///< kMatrix or kVector
  std::uint32_t vector_op;  ///< protocol::VectorOp (vector operators)
  std::uint32_t first_succ; ///< successors: succ[first_succ .. first_succ + nsucc)
  std::uint32_t nsucc;
  std::uint32_t npred;       ///< operators it waits for
  std::uint32_t graph_index; ///< index in the graph file's operator list
  std::uint64_t items;       ///< work items
  std::uint64_t steps;       ///< steps per item (matrix: K tiles; vector: 1)
  std::uint64_t rr_base;     ///< items of the earlier operators of its class (round-robin start)
  // matrix
  std::uint64_t batch, m, n, k;
  std::uint64_t tm, tn, tk;
  std::uint64_t tiles_m, tiles_n;
  // vector
  std::uint64_t rows, row_length, rows_per_chunk;
  std::uint64_t command_row; ///< row length the vector unit is told (softmax, layer norm; else 0)
  std::uint64_t in_bytes;    ///< all operands read (vector)
  std::uint64_t out_bytes;   ///< the result (every operator)
  // both
  std::uint64_t macs;
  std::uint64_t element_bytes;
  std::uint64_t in_base, weight_base, out_base; ///< addresses of its operands and result
  /// Operands and result kept on chip (resident_size): the A operand (matrix; all inputs of a
  /// vector operator), the B operand and the result are in the buffer memories instead of
  /// memory when the flag is 1, in the resident tensor of operator `*_home` (program position:
  /// its piece i of request_size bytes is in buffer (home + i) mod buffers) at `*_offset` of the
  /// resident region, `*_bytes` long.
  std::uint32_t a_resident, b_resident, out_resident;
  std::uint32_t b_weight; ///< 1: B is a weight (matrix): no operator writes it, so `prefetch` may read it early
  std::uint32_t a_home, b_home;
  std::uint64_t a_offset, b_offset, out_offset;
  std::uint64_t a_bytes, b_bytes;
};

/// Per operator, at run time.
struct OpState {
  std::uint32_t preds_left;
  std::uint32_t pad;
  std::uint64_t issued; ///< items handed to units
  std::uint64_t done;   ///< items finished (result written)
  Tick start;           ///< first operand request (kTickMax: not started)
  Tick end;
  std::uint64_t bytes; ///< memory bytes read and written
  double energy;       ///< pJ reported by the units and memories for its work
  double unit_cycles;  ///< sum over its commands of cycles x unit width
  double work;         ///< MACs (matrix) or elements (vector) its commands did
};
static_assert(sizeof(OpState) == 72, "the README counts 72 bytes of state an operator");

/// kHeld: with `prefetch`, a step taken before its operator's inputs were done has its weights
/// (the B tile) in and waits for the inputs to read its A tile.
enum Phase : std::uint32_t { kFree = 0, kReading, kReady, kComputing, kWriting, kHeld };

/// A buffer slot: one step of one item on one unit.
struct Slot {
  std::uint32_t phase;
  std::uint32_t op;
  std::uint64_t item;
  std::uint64_t step;
  std::uint64_t seq;         ///< order of allocation on its unit: commands go out in this order
  std::uint64_t left;        ///< bytes of the current transfer not requested yet
  std::uint64_t address;     ///< next memory address of the current transfer
  std::uint64_t region_left; ///< bytes left at `address` before the transfer goes on at second_address
  std::uint64_t second_address;
  std::uint32_t region_buffer;          ///< the current region is a resident tensor in this buffer (kNone: in memory)
  std::uint32_t second_buffer;          ///< the same for the second region
  std::uint64_t region_lo, region_size; ///< a resident region: its first buffer address and size (wrap inside)
  std::uint64_t second_lo, second_size;
  std::uint64_t buffer_address;
  std::uint32_t outstanding; ///< memory requests in flight
  std::uint32_t last;        ///< 1: the item's last step (its result is written after it)
  std::uint32_t a_later;     ///< 1: prefetched, the transfer is the B tile and the A tile is still to be read
  std::uint32_t pad;
};

struct Unit {
  std::uint32_t op;     ///< current item's operator (kNone: none)
  std::uint32_t rr_pos; ///< round robin: position of the operator the cursor is in
  std::uint64_t item;
  std::uint64_t next_step;
  std::uint64_t rr_item; ///< round robin: next item of that operator for this unit
  std::uint64_t alloc_seq;
  std::uint64_t compute_seq; ///< the next slot (by seq) to get its command
  Slot slots[kMaxDepth];
};

struct Dnn {
  static constexpr const char* kName = "workload.dnn";
  static constexpr std::uint32_t kMaxSendsPerEvent = 32;

  struct Params {
    DataRef model; ///< Path
    std::uint64_t element_bytes;
    std::uint32_t policy; ///< 0 round_robin, 1 least_loaded
    bool double_buffer;
    bool one_pass;
    bool mem_via_interconnect;
    bool buffer_via_interconnect;
    bool prefetch;
    std::uint64_t buffer_size;
    std::uint64_t depth;
    std::uint64_t tile_m, tile_n, tile_k;
    std::uint64_t min_tiles;
    std::uint64_t array_rows, array_cols;
    std::uint32_t dataflow; ///< 0 os, 1 ws, 2 is (one_pass only)
    std::uint32_t pad;
    std::uint64_t request_size;
    std::uint64_t outstanding;
    std::uint64_t lookahead;
    std::uint64_t mem_route, mem_count;
    std::uint64_t buffer_route, buffer_count;
    std::uint64_t address_range;
    std::uint64_t mem_interleave; ///< 0: requests dealt round-robin; else memory (address / it) mod memories
    std::uint64_t resident_size;
    std::uint64_t dma_engines;
    std::uint64_t dma_groups;
    // Filled by prepare():
    DataRef program; ///< ProgramOp[nops]
    DataRef succ;    ///< std::uint32_t successors
    DataRef names;   ///< NUL-separated operator names, in program order
    DataRef types;   ///< NUL-separated operator types ("conv2d", ...), in program order
    std::uint32_t nops;
    std::uint32_t has_class[2];
    std::uint32_t pad2;
    std::uint64_t total_macs;
  };

  struct State {
    std::uint32_t ops_done;
    std::uint32_t kick_pending;
    std::uint32_t units[2]; ///< units reachable per class
    std::uint32_t memories, buffers;
    std::uint32_t frontier[2]; ///< least_loaded: first program position of the class not fully issued
    std::uint32_t mem_rr, buffer_rr;
    std::uint32_t pump_unit; ///< where the next request search starts
    std::uint32_t dmas;      ///< DMA engines in use (0: the command processor moves the data itself)
    std::uint32_t mem_outstanding[kMaxMemories];
    Tick finished;               ///< end of the last operator (0 while running)
    std::uint64_t resident_base; ///< buffer address of the resident region (above the slots)
    Unit unit[2][kMaxUnits];

    /// Operator i's run-time state (program position i < Params::nops): the state tail.
    ARCHLAB_HD OpState& op(std::uint32_t i) { return state_tail<OpState>(*this)[i]; }
    ARCHLAB_HD const OpState& op(std::uint32_t i) const { return state_tail<OpState>(*this)[i]; }
  };
  /// One OpState per operator of the group's graph, after State (prepare() counted them).
  static std::uint64_t state_tail_bytes(const Params& p) { return std::uint64_t{p.nops} * sizeof(OpState); }

  enum Port : PortId { kMatrixPort, kVectorPort, kMemPort, kBufferPort, kIn, kDmaPort };
  enum Stat : std::uint32_t {
    kLatency,
    kDone,
    kOpsDone,
    kCommands,
    kMacs,
    kBytesRead,
    kBytesWritten,
    kBufferBytes,
    kAttributedEnergy,
    kOpsTotal
  };
  static constexpr std::uint16_t kKick = protocol::kFirstPrivateKind;

  static constexpr ParamSpec params[] = {
      ARCHLAB_PARAM(Params, model, Path, nullptr,
                    "the operator graph: archlab TOML (workloads/zoo/) or a SCALE-Sim topology .csv"),
      ARCHLAB_PARAM_RANGE(Params, element_bytes, UInt, "0", "bytes per tensor element (0: the graph's)", 0.0, 16.0),
      ARCHLAB_PARAM_CHOICE(Params, policy, "round_robin|least_loaded", "least_loaded",
                           "how work items go to units: round_robin deals each operator's items to the units in "
                           "turn; least_loaded gives the next item to the unit with the most free buffer slots"),
      ARCHLAB_PARAM(Params, double_buffer, Bool, "true",
                    "fetch the next step's operands while the current step computes (depth 2); false: depth 1"),
      ARCHLAB_PARAM(Params, one_pass, Bool, "false",
                    "every matrix tile must fit the array in one pass (no folding): tiles are limited to "
                    "array_rows x array_cols in the dataflow's spatial dimensions"),
      ARCHLAB_PARAM(Params, mem_via_interconnect, Bool, "false",
                    "`mem` goes into an interconnect: memory i is endpoint mem_route + i"),
      ARCHLAB_PARAM(Params, buffer_via_interconnect, Bool, "false",
                    "`buffer` goes into an interconnect: buffer i is endpoint buffer_route + i"),
      ARCHLAB_PARAM(Params, prefetch, Bool, "false",
                    "a matrix unit with a free buffer slot and no ready work takes an item of the next matrix "
                    "operator before that operator's inputs are done, when its B operand is a weight, and reads "
                    "the weights (B tiles) while the operators before it run; the A tile follows when the inputs "
                    "are done. Same requests and commands, earlier"),
      ARCHLAB_PARAM_RANGE(Params, buffer_size, Size, "1 MiB",
                          "on-chip buffer per compute unit (matrix and vector) for the operands and results of its "
                          "steps in flight; unit f (matrix units first) uses buffer f mod buffers, so "
                          "ceil(units / buffers) x buffer_size must fit one buffer memory",
                          64.0, 1e15),
      ARCHLAB_PARAM_RANGE(Params, depth, UInt, "0",
                          "buffer slots per unit, steps in flight (0: 2 with double_buffer, else 1)", 0.0, kMaxDepth),
      ARCHLAB_PARAM_RANGE(Params, tile_m, UInt, "0", "largest tile M (output rows); 0: chosen to fit the buffer", 0.0,
                          1e12),
      ARCHLAB_PARAM_RANGE(Params, tile_n, UInt, "0", "largest tile N (output columns); 0: chosen to fit", 0.0, 1e12),
      ARCHLAB_PARAM_RANGE(Params, tile_k, UInt, "0", "largest tile K (reduction); 0: chosen to fit", 0.0, 1e12),
      ARCHLAB_PARAM_RANGE(Params, min_tiles, UInt, "4",
                          "automatic tiling cuts an operator into at least this many output tiles or chunks (tiles "
                          "not below 32 in M and N) so that it spreads over the units",
                          1.0, 1e9),
      ARCHLAB_PARAM_RANGE(Params, array_rows, UInt, "0", "PE rows of the matrix units (one_pass only)", 0.0, 1 << 20),
      ARCHLAB_PARAM_RANGE(Params, array_cols, UInt, "0", "PE columns of the matrix units (one_pass only)", 0.0,
                          1 << 20),
      ARCHLAB_PARAM_CHOICE(Params, dataflow, "os|ws|is", "ws",
                           "the matrix units' dataflow (one_pass only): which GEMM dimensions lie on the array"),
      ARCHLAB_PARAM_RANGE(Params, request_size, Size, "64 KiB", "largest memory request; transfers are cut into these",
                          32.0, 1e12),
      ARCHLAB_PARAM_RANGE(Params, outstanding, UInt, "32", "memory requests in flight per memory (a DRAM holds 512)",
                          1.0, 512.0),
      ARCHLAB_PARAM_RANGE(Params, lookahead, UInt, "8",
                          "least_loaded: how many ready operators of a class may run side by side", 1.0, 4294967295.0),
      ARCHLAB_PARAM_RANGE(Params, mem_route, UInt, "0", "first memory endpoint (mem_via_interconnect)", 0.0, 1e9),
      ARCHLAB_PARAM_RANGE(
          Params, mem_count, UInt, "0",
          "memories the data is spread over (0: every receiver of `mem`; required with an interconnect)", 0.0,
          kMaxMemories),
      ARCHLAB_PARAM_RANGE(Params, buffer_route, UInt, "0", "first buffer endpoint (buffer_via_interconnect)", 0.0, 1e9),
      ARCHLAB_PARAM_RANGE(Params, buffer_count, UInt, "0",
                          "buffer memories (0: every receiver of `buffer`; required with an interconnect)", 0.0,
                          kMaxMemories),
      ARCHLAB_PARAM_RANGE(Params, resident_size, Size, "0 B",
                          "on-chip bytes for operator results kept in the buffer memories for their consumers "
                          "(above the units' slots, in each buffer); a result that fits, in program order with "
                          "the ones still needed, is written to and read from the buffer instead of memory; 0: none",
                          0.0, 1e15),
      ARCHLAB_PARAM_RANGE(Params, address_range, Size, "1 GiB",
                          "memory addresses wrap at this size: at most the smallest memory's capacity (with "
                          "mem_interleave, each memory's share of it)",
                          4096.0, 1e18),
      ARCHLAB_PARAM_RANGE(Params, mem_interleave, Size, "0 B",
                          "0: requests go round-robin over the memories, each with the whole address; else the "
                          "memories interleave by address: memory (address / mem_interleave) mod memories serves "
                          "it, at the address without those bits ((address / (mem_interleave x memories)) x "
                          "mem_interleave + address mod mem_interleave); requests are split at the boundaries",
                          0.0, 1e15),
      ARCHLAB_PARAM_RANGE(Params, dma_engines, UInt, "0",
                          "DMA engines (workload.dnn_dma, the receivers of `dma`) that move the units' data: unit f "
                          "(matrix units first) uses engine f mod dma_engines, which sends its requests on its own "
                          "`mem` and `buffer` ports (needs mem_count, and buffer_count for a buffer); 0: none, the "
                          "command processor sends them on `mem` and `buffer` itself",
                          0.0, kMaxDmaEngines),
      ARCHLAB_PARAM_RANGE(Params, dma_groups, UInt, "0",
                          "with dma_engines: unit f belongs to group f mod dma_groups, which uses engines g, "
                          "g + dma_groups, ... (a transfer with memory m through the m-th of them, cyclically); 0: "
                          "dma_engines groups, one engine each",
                          0.0, kMaxDmaEngines),
  };
  static constexpr PortSpec ports[] = {
      {"matrix", PortDirection::Out, "GEMM tiles (protocol::kGemmTile) to the matrix units: link to sa[*].cmd"},
      {"vector", PortDirection::Out, "vector operations (protocol::kVectorOp) to the vector units: link to vu[*].cmd"},
      {"mem", PortDirection::Out,
       "operand reads and result writes (protocol::kMemRead / kMemWrite): to the DRAMs, or an interconnect"},
      {"buffer", PortDirection::Out,
       "on-chip buffer fills and drains (optional): to the SRAMs, or an interconnect; unlinked: no buffer traffic"},
      {"in", PortDirection::In, "replies of the units, memories and interconnects, or of the DMA engines"},
      {"dma", PortDirection::Out,
       "with dma_engines: the units' memory and buffer requests, to their DMA engines: link to dma[*].cmd "
       "(workload.dnn_dma)"},
  };
  static constexpr StatSpec stats[] = {
      {"latency", "ps", "end of the last operator: the inference latency (0 until it is done)"},
      {"done", "inferences", "1 when every operator is done"},
      {"ops_done", "operators", "operators finished"},
      {"commands", "commands", "GEMM tiles and vector operations sent to units"},
      {"macs", "MACs", "multiply-accumulates of the GEMM tiles finished"},
      {"bytes_read", "bytes", "memory (DRAM) bytes read"},
      {"bytes_written", "bytes", "memory (DRAM) bytes written"},
      {"buffer_bytes", "bytes", "on-chip buffer bytes written and read"},
      {"attributed_energy", "pJ",
       "energy the units and memories reported for this workload's requests (ACTs and bursts of DRAM, SRAM "
       "accesses, MACs, vector lanes), already counted in their own `energy`; the interconnect's and DRAM "
       "refresh energy are only there"},
      {"ops_total", "operators", "operators in the graph"},
  };

  static constexpr ColumnSpec operator_columns[] = {
      {"name", ColumnType::String, 64, "", "operator name"},
      {"op", ColumnType::String, 16, "", "operator type: conv2d, gemm, matmul, elementwise, softmax, layernorm, pool"},
      {"unit", ColumnType::String, 8, "", "the unit class it ran on: matrix or vector"},
      {"start", ColumnType::U64, 0, "ps", "first operand request"},
      {"end", ColumnType::U64, 0, "ps", "last result written"},
      {"latency", ColumnType::U64, 0, "ps", "end - start"},
      {"macs", ColumnType::U64, 0, "MACs", "multiply-accumulates"},
      {"bytes", ColumnType::U64, 0, "bytes", "memory bytes read and written"},
      {"energy", ColumnType::F64, 0, "pJ", "energy the units and memories reported for its requests"},
      {"utilization", ColumnType::F64, 0, "",
       "work / (unit cycles x unit width): MACs per PE-cycle of its tiles (matrix), elements per lane-cycle (vector)"},
      {"tiles", ColumnType::U64, 0, "", "commands (GEMM tiles or vector chunks) it was cut into"},
  };
  static constexpr ColumnSpec total_columns[] = {
      {"model", ColumnType::String, 64, "", "the graph's name"},
      {"status", ColumnType::String, 64, "", "completed, or how many operators were left"},
      {"latency", ColumnType::U64, 0, "ps", "end of the last operator"},
      {"throughput", ColumnType::F64, 0, "1/s", "inferences per second (1 / latency)"},
      {"macs", ColumnType::U64, 0, "MACs", "multiply-accumulates of the graph"},
      {"bytes", ColumnType::U64, 0, "bytes", "memory bytes read and written"},
      {"energy", ColumnType::F64, 0, "pJ", "energy the units and memories reported for the workload's requests"},
      {"ops", ColumnType::U64, 0, "", "operators in the graph"},
      {"ops_done", ColumnType::U64, 0, "", "operators finished"},
  };
  static constexpr TableSpec tables[] = {
      {"operators", operator_columns, sizeof(operator_columns) / sizeof(operator_columns[0]),
       "one row per operator, in the program's (topological) order"},
      {"totals", total_columns, sizeof(total_columns) / sizeof(total_columns[0]), "one row per inference"},
  };

  static const char* validate(const Params& p);
  static bool prepare(Params& p, DataBuilder& data);
  /// At load time, against the components on its links: unit and memory counts within the
  /// state's limits and what the parameters name, a graph's operator classes each with a unit,
  /// buffer slots within the SRAM behind them, one-pass tiles within the arrays.
  static void check_links(const Params& p, LinkCheck& check);

  /// Backstops for systems built without the load-time check (check_links refuses all of these).
  enum StopReason : std::uint16_t { kNoMatrixUnit, kNoVectorUnit, kNoMemory, kTooFewDmaEngines };
  static constexpr const char* stop_reasons[] = {
      "the graph has matrix operators and port 'matrix' reaches no unit",
      "the graph has vector operators and port 'vector' reaches no unit",
      "port 'mem' reaches no memory",
      "port 'dma' reaches fewer engines than dma_engines",
  };
  static constexpr KindSpec kinds[] = {{kKick, "kick"}};
  static void report(const State& s, const Params& p, const std::byte* data, Report& out);

  /// Buffer slots per unit: `depth`, or 2 with double buffering, else 1.
  ARCHLAB_HD static std::uint32_t depth_of(const Params& p) {
    if (p.depth > 0) return static_cast<std::uint32_t>(p.depth);
    return p.double_buffer ? 2u : 1u;
  }

  ARCHLAB_HD static void init(State& s, const Params& p, Context& ctx);
  ARCHLAB_HD static void handle(State& s, const Params& p, const Event& e, Context& ctx);
};

// The engines copy states as bytes (checkpoints, the GPU): no constructors, no pointers.
static_assert(std::is_trivially_copyable_v<Dnn::State>);
static_assert(std::is_trivially_copyable_v<ProgramOp>);

} // namespace archlab::dnn_workload
