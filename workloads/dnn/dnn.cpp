// workload.dnn at run time: the command processor that walks the program prepare() wrote
// (dnn.hpp, dnn_host.cpp). Host and device code: it runs on every engine.
#include "dnn.hpp"
#include "dma_protocol.hpp"

namespace archlab::dnn_workload {
namespace {

constexpr std::uint64_t kNoItem = ~std::uint64_t{0};
/// Sends kept back for the kick that continues a long burst of requests in a later event.
constexpr std::uint32_t kKickReserve = 1;

ARCHLAB_HD inline std::uint64_t min2(std::uint64_t a, std::uint64_t b) { return a < b ? a : b; }

/// How many endpoints of `port` the workload uses: `count` endpoints of an interconnect, else
/// `count` (0: all) of the port's receivers, at most kMaxMemories; none when the port is unlinked.
ARCHLAB_HD inline std::uint32_t endpoints(const Context& ctx, PortId port, bool via_interconnect, std::uint64_t count) {
  const std::uint64_t reach = ctx.fanout(port);
  if (reach == 0) return 0;
  if (via_interconnect) return static_cast<std::uint32_t>(count);
  return static_cast<std::uint32_t>(min2(count > 0 ? count : reach, min2(reach, kMaxMemories)));
}

// Tags of memory requests and unit commands: which slot they belong to.
ARCHLAB_HD inline std::uint64_t make_tag(std::uint32_t unit_class, std::uint32_t unit, std::uint32_t slot, bool buffer,
                                         std::uint32_t memory) {
  return (static_cast<std::uint64_t>(unit_class) << 40) | (static_cast<std::uint64_t>(unit) << 32) |
         (static_cast<std::uint64_t>(slot) << 24) | (static_cast<std::uint64_t>(buffer ? 1 : 0) << 16) | memory;
}
ARCHLAB_HD inline std::uint32_t tag_class(std::uint64_t tag) { return static_cast<std::uint32_t>(tag >> 40) & 1u; }
ARCHLAB_HD inline std::uint32_t tag_unit(std::uint64_t tag) { return static_cast<std::uint32_t>(tag >> 32) & 0xffu; }
ARCHLAB_HD inline std::uint32_t tag_slot(std::uint64_t tag) { return static_cast<std::uint32_t>(tag >> 24) & 0xffu; }
ARCHLAB_HD inline bool tag_buffer(std::uint64_t tag) { return ((tag >> 16) & 1u) != 0; }
ARCHLAB_HD inline std::uint32_t tag_memory(std::uint64_t tag) { return static_cast<std::uint32_t>(tag & 0xffffu); }

/// The extent of one step of one item: the GEMM tile (matrix) or the chunk's rows (vector).
struct Extent {
  std::uint64_t m, n, k; ///< matrix tile
  std::uint64_t rows;    ///< vector chunk
  std::uint64_t read_bytes, write_bytes;
  std::uint64_t read_address, write_address;
  std::uint64_t first_bytes;    ///< of read_bytes, those at read_address (the A tile); the rest at second_address
  std::uint64_t second_address; ///< the B tile (matrix); unused for vector chunks
};

ARCHLAB_HD inline Extent extent_of(const ProgramOp& op, std::uint64_t item, std::uint64_t step) {
  Extent x{};
  const std::uint64_t eb = op.element_bytes;
  if (op.unit_class == kMatrix) {
    const std::uint64_t per_batch = op.tiles_m * op.tiles_n;
    const std::uint64_t b = item / per_batch;
    const std::uint64_t i = (item % per_batch) / op.tiles_n;
    const std::uint64_t j = item % op.tiles_n;
    x.m = min2(op.tm, op.m - i * op.tm);
    x.n = min2(op.tn, op.n - j * op.tn);
    x.k = min2(op.tk, op.k - step * op.tk);
    x.read_bytes = (x.m * x.k + x.k * x.n) * eb;
    x.write_bytes = x.m * x.n * eb;
    // Tensors laid out tile by tile: A tiles (i, step) among the inputs, B tiles (step, j) among
    // the weights (or the second operand), C tiles (i, j) among the outputs.
    x.first_bytes = x.m * x.k * eb;
    x.read_address = op.in_base + ((b * op.tiles_m + i) * op.steps + step) * op.tm * op.tk * eb;
    x.second_address = op.weight_base + ((b * op.steps + step) * op.tiles_n + j) * op.tk * op.tn * eb;
    x.write_address = op.out_base + item * op.tm * op.tn * eb;
  } else {
    x.rows = min2(op.rows_per_chunk, op.rows - item * op.rows_per_chunk);
    const std::uint64_t first = item * op.rows_per_chunk;
    x.read_bytes = op.in_bytes * (first + x.rows) / op.rows - op.in_bytes * first / op.rows;
    x.write_bytes = op.out_bytes * (first + x.rows) / op.rows - op.out_bytes * first / op.rows;
    x.read_address = op.in_base + op.in_bytes * first / op.rows;
    x.write_address = op.out_base + op.out_bytes * first / op.rows;
    x.first_bytes = x.read_bytes;
  }
  return x;
}

/// One handler call: the state, the program and what may still be sent.
struct Walker {
  Dnn::State& s;
  const Dnn::Params& p;
  Context& ctx;
  const ProgramOp* ops;
  const std::uint32_t* succ;
  std::uint32_t budget;

  /// A resident tensor is on chip only when there is a buffer memory to hold it.
  ARCHLAB_HD bool resident(std::uint32_t flag) const { return flag != 0 && s.buffers > 0; }

  ARCHLAB_HD bool can_send(std::uint32_t n) const { return budget >= n + kKickReserve; }
  ARCHLAB_HD void send(PortId port, std::uint16_t kind, const Payload& payload, std::uint32_t index,
                       std::uint32_t route) {
    --budget;
    ctx.send(port, 0, kind, payload, index, route);
  }

  // ---- memories -----------------------------------------------------------------------------

  ARCHLAB_HD std::uint64_t wrap(std::uint64_t address) const { return address % (p.address_range - p.request_size); }
  /// The DMA engine of a transfer of unit (c, u) that concerns memory or buffer `lane`: the unit is
  /// in group flat mod groups, whose engines are g, g + groups, ...; lane picks one of them, so a
  /// unit's traffic spreads over its group's engines as the memories it goes to do.
  ARCHLAB_HD std::uint32_t engine_of(std::uint32_t c, std::uint32_t u, std::uint32_t lane) const {
    const std::uint32_t groups = p.dma_groups > 0 ? static_cast<std::uint32_t>(p.dma_groups) : s.dmas;
    const std::uint32_t group = flat_unit(c, u) % groups;
    const std::uint32_t engines = (s.dmas - group + groups - 1) / groups;
    return group + lane % engines * groups;
  }
  /// With mem_interleave, the address memory (address / interleave) mod memories gets: its own
  /// blocks one after another, the interleave bits taken out.
  ARCHLAB_HD std::uint64_t local_address(std::uint64_t address) const {
    const std::uint64_t block = p.mem_interleave;
    return address / (block * s.memories) * block + address % block;
  }
  /// `address` is the one the memory gets (wrapped; with mem_interleave, local).
  ARCHLAB_HD void to_memory(std::uint16_t kind, std::uint32_t c, std::uint32_t u, std::uint32_t memory,
                            std::uint64_t address, std::uint64_t bytes, std::uint64_t tag) {
    const Payload payload{{address, bytes, 0, tag}};
    if (s.dmas > 0) {
      const auto destination = static_cast<std::uint32_t>(p.mem_via_interconnect ? p.mem_route + memory : memory);
      send(Dnn::kDmaPort, kind, payload, engine_of(c, u, memory),
           dma::route(false, p.mem_via_interconnect, destination));
    } else if (p.mem_via_interconnect) {
      send(Dnn::kMemPort, kind, payload, 0, static_cast<std::uint32_t>(p.mem_route + memory));
    } else {
      send(Dnn::kMemPort, kind, payload, memory, 0);
    }
  }
  /// Units are numbered matrix units first, then vector units; unit f's slots live in buffer
  /// f mod buffers, each unit's buffer_size after the other's.
  ARCHLAB_HD std::uint32_t flat_unit(std::uint32_t c, std::uint32_t u) const { return c == 0 ? u : s.units[0] + u; }
  ARCHLAB_HD std::uint64_t slot_base(std::uint32_t c, std::uint32_t u, std::uint32_t k) const {
    const std::uint32_t depth = Dnn::depth_of(p);
    return (static_cast<std::uint64_t>(flat_unit(c, u) / s.buffers) * depth + k) * (p.buffer_size / depth);
  }
  /// A fill or drain of unit (c, u)'s slots, for a transfer from or to memory `lane`.
  ARCHLAB_HD void to_buffer(std::uint16_t kind, std::uint32_t c, std::uint32_t u, std::uint32_t lane,
                            std::uint64_t address, std::uint64_t bytes, std::uint64_t tag) {
    to_buffer_at(kind, c, u, lane, flat_unit(c, u) % s.buffers, address, bytes, tag);
  }
  ARCHLAB_HD void to_buffer_at(std::uint16_t kind, std::uint32_t c, std::uint32_t u, std::uint32_t lane,
                               std::uint32_t buffer, std::uint64_t address, std::uint64_t bytes, std::uint64_t tag) {
    const Payload payload{{address, bytes, 0, tag}};
    ctx.stat_add(Dnn::kBufferBytes, static_cast<double>(bytes));
    if (s.dmas > 0) {
      const auto destination = static_cast<std::uint32_t>(p.buffer_via_interconnect ? p.buffer_route + buffer : buffer);
      send(Dnn::kDmaPort, kind, payload, engine_of(c, u, lane),
           dma::route(true, p.buffer_via_interconnect, destination));
    } else if (p.buffer_via_interconnect) {
      send(Dnn::kBufferPort, kind, payload, 0, static_cast<std::uint32_t>(p.buffer_route + buffer));
    } else {
      send(Dnn::kBufferPort, kind, payload, buffer, 0);
    }
  }

  /// Requests for the transfers in progress, one request per slot per round, until every
  /// transfer is requested, the next memory has `outstanding` requests in flight, or the sends
  /// of this event are spent (then a kick continues at the same time). Prefetch reads (the weights
  /// of steps whose operator is not ready) go last: only what the transfers the running operators
  /// wait for leave room for.
  ARCHLAB_HD void pump() {
    const std::uint32_t depth = Dnn::depth_of(p);
    const std::uint32_t all_units = s.units[0] + s.units[1];
    if (all_units == 0 || s.memories == 0) return;
    bool progress = true;
    bool prefetches = false; // the round's transfers: those of ready operators, then prefetches
    while (progress) {
      progress = false;
      for (std::uint32_t visit = 0; visit < all_units; ++visit) {
        const std::uint32_t flat = (s.pump_unit + visit) % all_units;
        const std::uint32_t c = flat < s.units[0] ? 0u : 1u;
        const std::uint32_t u = c == 0 ? flat : flat - s.units[0];
        Unit& unit = s.unit[c][u];
        for (std::uint32_t k = 0; k < depth; ++k) {
          Slot& slot = unit.slots[k];
          if (slot.left == 0 || (slot.phase != kReading && slot.phase != kWriting)) continue;
          if ((slot.a_later != 0) != prefetches) continue;
          const bool writing = slot.phase == kWriting;
          if (slot.region_left == 0) { // the A tile is requested: on to the B tile
            slot.address = slot.second_address;
            slot.region_left = slot.left;
            slot.region_buffer = slot.second_buffer;
            slot.region_lo = slot.second_lo;
            slot.region_size = slot.second_size;
          }
          if (slot.region_buffer != kNone) { // a resident tensor, spread over the buffer memories
            if (!can_send(1)) return kick();
            const std::uint64_t at = slot.address % slot.region_size;
            const std::uint64_t bytes = min2(min2(slot.region_left, p.request_size), slot.region_size - at);
            // Piece i (of request_size bytes) lives in buffer (home + i) mod buffers, at its offset.
            const auto buffer = static_cast<std::uint32_t>((slot.region_buffer + at / p.request_size) % s.buffers);
            to_buffer_at(writing ? protocol::kMemWrite : protocol::kMemRead, c, u, buffer, buffer, slot.region_lo + at,
                         bytes, make_tag(c, u, k, true, 0));
            ++slot.outstanding;
            slot.left -= bytes;
            slot.region_left -= bytes;
            slot.address += bytes;
            progress = true;
            continue;
          }
          const bool with_buffer = writing && s.buffers > 0;
          if (!can_send(with_buffer ? 2 : 1)) return kick();
          std::uint64_t address = wrap(slot.address);
          std::uint64_t bytes = min2(slot.region_left, p.request_size);
          std::uint32_t memory = kNone;
          if (p.mem_interleave > 0) {
            // The memory the address belongs to; full: this slot waits, the others go on.
            memory = static_cast<std::uint32_t>(address / p.mem_interleave % s.memories);
            if (s.mem_outstanding[memory] >= p.outstanding) continue;
            bytes = min2(bytes, p.mem_interleave - address % p.mem_interleave); // not across a boundary
            address = local_address(address);
          } else {
            // The next memory in turn with room; none: a reply comes back and pumps again.
            for (std::uint32_t m = 0; m < s.memories && memory == kNone; ++m) {
              const std::uint32_t candidate = (s.mem_rr + m) % s.memories;
              if (s.mem_outstanding[candidate] < p.outstanding) memory = candidate;
            }
            if (memory == kNone) return;
            s.mem_rr = memory + 1;
          }
          to_memory(writing ? protocol::kMemWrite : protocol::kMemRead, c, u, memory, address, bytes,
                    make_tag(c, u, k, false, memory));
          ++s.mem_outstanding[memory];
          ++slot.outstanding;
          if (with_buffer) { // the result leaves the buffer as it goes out
            to_buffer(protocol::kMemRead, c, u, memory, slot.buffer_address, bytes, make_tag(c, u, k, true, 0));
            ++slot.outstanding;
            slot.buffer_address += bytes;
          }
          slot.left -= bytes;
          slot.region_left -= bytes;
          slot.address += bytes;
          s.op(slot.op).bytes += bytes;
          ctx.stat_add(writing ? Dnn::kBytesWritten : Dnn::kBytesRead, static_cast<double>(bytes));
          progress = true;
        }
      }
      s.pump_unit = (s.pump_unit + 1) % all_units;
      if (!progress && !prefetches && p.prefetch) prefetches = progress = true;
    }
  }

  ARCHLAB_HD void kick() {
    if (s.kick_pending != 0) return;
    s.kick_pending = 1;
    ctx.schedule_self(0, Dnn::kKick, Payload{{0, 0, 0, 0}});
  }

  // ---- work items ---------------------------------------------------------------------------

  ARCHLAB_HD bool take_least_loaded(std::uint32_t c, Unit& unit) {
    std::uint32_t& frontier = s.frontier[c];
    while (frontier < p.nops && (ops[frontier].unit_class != c || s.op(frontier).issued == ops[frontier].items)) {
      ++frontier;
    }
    std::uint64_t scanned = 0;
    for (std::uint32_t pos = frontier; pos < p.nops && scanned < p.lookahead; ++pos) {
      if (ops[pos].unit_class != c) continue;
      ++scanned;
      OpState& op = s.op(pos);
      if (op.preds_left > 0 || op.issued == ops[pos].items) continue;
      unit.op = pos;
      unit.item = op.issued++;
      unit.next_step = 0;
      return true;
    }
    // Nothing ready: the first operator of the class not fully handed out may have its weights
    // read early. Only that one: every operator before it is handed out, so the slots a prefetch
    // holds are never needed for an earlier operator to finish.
    if (frontier < p.nops && may_prefetch(frontier)) {
      unit.op = frontier;
      unit.item = s.op(frontier).issued++;
      unit.next_step = 0;
      return true;
    }
    return false;
  }

  /// With `prefetch`: a matrix operator whose inputs are not done yet but whose B operand is a
  /// weight (no operator writes it), with items left to hand out.
  ARCHLAB_HD bool may_prefetch(std::uint32_t pos) const {
    return p.prefetch && ops[pos].unit_class == kMatrix && ops[pos].b_weight != 0 && s.op(pos).preds_left > 0 &&
           s.op(pos).issued < ops[pos].items;
  }

  ARCHLAB_HD bool take_round_robin(std::uint32_t c, std::uint32_t u, Unit& unit) {
    const std::uint64_t units = s.units[c];
    while (unit.rr_pos < p.nops) {
      const ProgramOp& op = ops[unit.rr_pos];
      if (op.unit_class != c) {
        ++unit.rr_pos;
        unit.rr_item = kNoItem;
        continue;
      }
      if (unit.rr_item == kNoItem) unit.rr_item = (u + units - op.rr_base % units) % units;
      if (unit.rr_item >= op.items) {
        ++unit.rr_pos;
        unit.rr_item = kNoItem;
        continue;
      }
      OpState& state = s.op(unit.rr_pos);
      if (state.preds_left > 0 && !may_prefetch(unit.rr_pos)) return false; // its turn comes when it is ready
      unit.op = unit.rr_pos;
      unit.item = unit.rr_item;
      unit.next_step = 0;
      unit.rr_item += units;
      ++state.issued;
      return true;
    }
    return false;
  }

  /// Gives free buffer slots the next steps of their unit's item, or new items.
  ARCHLAB_HD void schedule() {
    const std::uint32_t depth = Dnn::depth_of(p);
    for (std::uint32_t c = 0; c < 2; ++c) {
      const std::uint32_t units = s.units[c];
      if (units == 0) continue;
      std::uint64_t starved_low = 0; // units that found no work in this call (bit masks)
      std::uint64_t starved_high = 0;
      for (;;) {
        // The unit with the most free slots (least_loaded) or the first one with a free slot.
        std::uint32_t best = kNone;
        std::uint32_t best_free = 0;
        for (std::uint32_t u = 0; u < units; ++u) {
          const bool starved = u < 64 ? ((starved_low >> u) & 1u) != 0 : ((starved_high >> (u - 64)) & 1u) != 0;
          if (starved) continue;
          std::uint32_t free = 0;
          for (std::uint32_t k = 0; k < depth; ++k)
            free += s.unit[c][u].slots[k].phase == kFree ? 1u : 0u;
          if (free > best_free) {
            best = u;
            best_free = free;
            if (p.policy == 0) break;
          }
        }
        if (best == kNone) break;
        Unit& unit = s.unit[c][best];
        const bool need_item = unit.op == kNone || unit.next_step == ops[unit.op].steps;
        if (need_item && !(p.policy == 0 ? take_round_robin(c, best, unit) : take_least_loaded(c, unit))) {
          if (best < 64)
            starved_low |= std::uint64_t{1} << best;
          else
            starved_high |= std::uint64_t{1} << (best - 64);
          unit.op = need_item ? kNone : unit.op;
          continue;
        }
        start_step(c, best, unit);
      }
    }
  }

  ARCHLAB_HD void start_step(std::uint32_t c, std::uint32_t u, Unit& unit) {
    const std::uint32_t depth = Dnn::depth_of(p);
    std::uint32_t k = 0;
    while (k < depth && unit.slots[k].phase != kFree)
      ++k;
    const ProgramOp& op = ops[unit.op];
    const Extent x = extent_of(op, unit.item, unit.next_step);
    Slot& slot = unit.slots[k];
    slot.phase = kReading;
    slot.op = unit.op;
    slot.item = unit.item;
    slot.step = unit.next_step;
    slot.last = unit.next_step + 1 == op.steps ? 1u : 0u;
    slot.seq = unit.alloc_seq++;
    slot.left = x.read_bytes;
    slot.region_left = x.first_bytes;
    slot.address = x.read_address;
    slot.second_address = x.second_address;
    slot.region_buffer = slot.second_buffer = kNone;
    if (resident(op.a_resident)) { // the A operand (a vector operator's inputs) is on chip
      slot.region_buffer = op.a_home % s.buffers;
      slot.region_lo = s.resident_base + op.a_offset;
      slot.region_size = op.a_bytes;
      slot.address = x.read_address - op.in_base;
    }
    if (resident(op.b_resident)) {
      slot.second_buffer = op.b_home % s.buffers;
      slot.second_lo = s.resident_base + op.b_offset;
      slot.second_size = op.b_bytes;
      slot.second_address = x.second_address - op.weight_base;
    }
    slot.buffer_address = s.buffers > 0 ? slot_base(c, u, k) : 0;
    slot.outstanding = 0;
    slot.a_later = 0;
    if (s.op(unit.op).preds_left > 0) { // prefetch: the weights now, the A tile when the inputs are done
      slot.a_later = 1;
      slot.left = x.read_bytes - x.first_bytes;
      slot.region_left = slot.left;
      slot.address = slot.second_address;
      slot.region_buffer = slot.second_buffer;
      slot.region_lo = slot.second_lo;
      slot.region_size = slot.second_size;
    }
    ++unit.next_step;
    OpState& state = s.op(unit.op);
    if (state.start == kTickMax) state.start = ctx.now();
    if (slot.left == 0) {
      slot.phase = kReady;
      commands(c, u, unit);
    }
  }

  /// Sends the unit its commands, in slot order, for as long as the next slot's operands are in.
  ARCHLAB_HD void commands(std::uint32_t c, std::uint32_t u, Unit& unit) {
    const std::uint32_t depth = Dnn::depth_of(p);
    for (;;) {
      std::uint32_t k = 0;
      while (k < depth && !(unit.slots[k].phase != kFree && unit.slots[k].seq == unit.compute_seq))
        ++k;
      if (k == depth || unit.slots[k].phase != kReady) return;
      if (!can_send(1)) return kick(); // the kick sends it
      Slot& slot = unit.slots[k];
      const ProgramOp& op = ops[slot.op];
      const Extent x = extent_of(op, slot.item, slot.step);
      const std::uint64_t tag = make_tag(c, u, k, false, 0);
      if (c == kMatrix) {
        send(Dnn::kMatrixPort, protocol::kGemmTile, Payload{{x.m, x.n, x.k, tag}}, u, 0);
      } else {
        send(Dnn::kVectorPort, protocol::kVectorOp,
             Payload{{op.vector_op, x.rows * op.row_length, op.command_row, tag}}, u, 0);
      }
      ctx.stat_add(Dnn::kCommands, 1.0);
      slot.phase = kComputing;
      ++unit.compute_seq;
    }
  }

  ARCHLAB_HD void item_done(Slot& slot) {
    OpState& op = s.op(slot.op);
    const ProgramOp& program = ops[slot.op];
    slot.phase = kFree;
    if (++op.done < program.items) return;
    op.end = ctx.now();
    ++s.ops_done;
    ctx.stat_add(Dnn::kOpsDone, 1.0);
    for (std::uint32_t i = 0; i < program.nsucc; ++i) {
      const std::uint32_t next = succ[program.first_succ + i];
      if (--s.op(next).preds_left == 0 && p.prefetch) release(next);
    }
    if (s.ops_done == p.nops) finish();
  }

  ARCHLAB_HD void finish() {
    s.finished = ctx.now();
    ctx.stat_add(Dnn::kLatency, static_cast<double>(s.finished));
    ctx.stat_add(Dnn::kDone, 1.0);
  }

  ARCHLAB_HD void check_slot(std::uint32_t c, std::uint32_t u, Slot& slot) {
    if (slot.left != 0 || slot.outstanding != 0) return;
    if (slot.phase == kReading && slot.a_later != 0) { // prefetched weights are in
      if (s.op(slot.op).preds_left > 0) {
        slot.phase = kHeld;
      } else {
        read_a(slot);
      }
    } else if (slot.phase == kReading) {
      slot.phase = kReady;
      commands(c, u, s.unit[c][u]);
    } else if (slot.phase == kWriting) {
      item_done(slot);
    }
  }

  /// A prefetched step's A tile, once its operator's inputs are done (pump() sends it).
  ARCHLAB_HD void read_a(Slot& slot) {
    const ProgramOp& op = ops[slot.op];
    const Extent x = extent_of(op, slot.item, slot.step);
    slot.phase = kReading;
    slot.a_later = 0;
    slot.left = x.first_bytes;
    slot.region_left = x.first_bytes;
    slot.address = x.read_address;
    slot.region_buffer = kNone;
    if (resident(op.a_resident)) {
      slot.region_buffer = op.a_home % s.buffers;
      slot.region_lo = s.resident_base + op.a_offset;
      slot.region_size = op.a_bytes;
      slot.address = x.read_address - op.in_base;
    }
  }

  /// Operator `pos` became ready: its held steps read their A tiles.
  ARCHLAB_HD void release(std::uint32_t pos) {
    const std::uint32_t depth = Dnn::depth_of(p);
    for (std::uint32_t u = 0; u < s.units[kMatrix]; ++u) {
      for (std::uint32_t k = 0; k < depth; ++k) {
        Slot& slot = s.unit[kMatrix][u].slots[k];
        if (slot.phase == kHeld && slot.op == pos) read_a(slot);
      }
    }
  }

  // ---- replies ------------------------------------------------------------------------------

  ARCHLAB_HD void memory_reply(const Event& e) {
    const std::uint64_t tag = e.payload.w[3];
    const std::uint32_t c = tag_class(tag);
    const std::uint32_t u = tag_unit(tag);
    Slot& slot = s.unit[c][u].slots[tag_slot(tag)];
    if (!tag_buffer(tag)) --s.mem_outstanding[tag_memory(tag)];
    --slot.outstanding;
    const double energy = protocol::energy_from_bits(e.payload.w[2]);
    s.op(slot.op).energy += energy;
    ctx.stat_add(Dnn::kAttributedEnergy, energy);
    // Operands go from memory into the buffer as they arrive.
    if (e.kind == protocol::kMemReadDone && !tag_buffer(tag) && s.buffers > 0) {
      to_buffer(protocol::kMemWrite, c, u, tag_memory(tag), slot.buffer_address, e.payload.w[1],
                make_tag(c, u, tag_slot(tag), true, 0));
      slot.buffer_address += e.payload.w[1];
      ++slot.outstanding;
    }
    check_slot(c, u, slot);
  }

  ARCHLAB_HD void unit_reply(const Event& e) {
    const std::uint64_t tag = e.payload.w[3];
    const std::uint32_t c = tag_class(tag);
    const std::uint32_t u = tag_unit(tag);
    Slot& slot = s.unit[c][u].slots[tag_slot(tag)];
    OpState& op = s.op(slot.op);
    const double energy = protocol::unit_energy(e.payload.w[2]);
    op.energy += energy;
    op.unit_cycles += static_cast<double>(e.payload.w[0]) * static_cast<double>(protocol::unit_width(e.payload.w[2]));
    op.work += static_cast<double>(e.payload.w[1]);
    ctx.stat_add(Dnn::kAttributedEnergy, energy);
    if (e.kind == protocol::kGemmDone) ctx.stat_add(Dnn::kMacs, static_cast<double>(e.payload.w[1]));
    if (slot.last == 0) {
      slot.phase = kFree;
      return;
    }
    const Extent x = extent_of(ops[slot.op], slot.item, slot.step);
    slot.phase = kWriting;
    slot.left = x.write_bytes;
    slot.region_left = x.write_bytes;
    slot.address = x.write_address;
    slot.region_buffer = kNone;
    const ProgramOp& program = ops[slot.op];
    if (resident(program.out_resident)) { // kept on chip for its consumers
      slot.region_buffer = slot.op % s.buffers;
      slot.region_lo = s.resident_base + program.out_offset;
      slot.region_size = program.out_bytes;
      slot.address = x.write_address - program.out_base;
    }
    slot.buffer_address = s.buffers > 0 ? slot_base(c, u, tag_slot(tag)) : 0;
    check_slot(c, u, slot);
  }
};

} // namespace

ARCHLAB_HD void Dnn::init(State& s, const Params& p, Context& ctx) {
  const ProgramOp* ops = ctx.data<ProgramOp>(p.program);
  for (std::uint32_t c = 0; c < 2; ++c) {
    const std::uint32_t reach = ctx.fanout(c == 0 ? kMatrixPort : kVectorPort);
    s.units[c] = reach < kMaxUnits ? reach : kMaxUnits;
  }
  // With DMA engines the command processor does not see the memories: mem_count (required) and
  // buffer_count say how many the engines reach.
  s.dmas = static_cast<std::uint32_t>(p.dma_engines);
  s.memories = s.dmas > 0 ? static_cast<std::uint32_t>(p.mem_count)
                          : endpoints(ctx, kMemPort, p.mem_via_interconnect, p.mem_count);
  s.buffers = s.dmas > 0 ? static_cast<std::uint32_t>(p.buffer_count)
                         : endpoints(ctx, kBufferPort, p.buffer_via_interconnect, p.buffer_count);
  // Resident tensors go above every unit's slots (unit f's are in buffer f mod buffers).
  s.resident_base = s.buffers == 0 ? 0
                                   : (static_cast<std::uint64_t>(s.units[0] + s.units[1]) + s.buffers - 1) / s.buffers *
                                         p.buffer_size;
  for (std::uint32_t i = 0; i < p.nops; ++i) {
    s.op(i) = OpState{};
    s.op(i).preds_left = ops[i].npred;
    s.op(i).start = kTickMax;
  }
  for (std::uint32_t c = 0; c < 2; ++c) {
    s.frontier[c] = 0;
    for (std::uint32_t u = 0; u < kMaxUnits; ++u) {
      Unit& unit = s.unit[c][u];
      unit = Unit{};
      unit.op = kNone;
      unit.rr_item = kNoItem;
    }
  }
  ctx.stat_add(kOpsTotal, static_cast<double>(p.nops));
  // A graph the machine cannot run stops here (check_links refuses these when the configuration
  // loads; a system built without it still stops with the reason).
  for (std::uint32_t c = 0; c < 2; ++c) {
    if (p.has_class[c] != 0 && s.units[c] == 0) return ctx.stop(c == 0 ? kNoMatrixUnit : kNoVectorUnit);
  }
  if (s.memories == 0 && p.nops > 0) return ctx.stop(kNoMemory);
  if (s.dmas > ctx.fanout(kDmaPort)) return ctx.stop(kTooFewDmaEngines);
  if (p.nops == 0) return;
  Walker walk{s, p, ctx, ops, ctx.data<std::uint32_t>(p.succ), kMaxSendsPerEvent};
  walk.schedule();
  walk.pump();
}

ARCHLAB_HD void Dnn::handle(State& s, const Params& p, const Event& e, Context& ctx) {
  Walker walk{s, p, ctx, ctx.data<ProgramOp>(p.program), ctx.data<std::uint32_t>(p.succ), kMaxSendsPerEvent};
  if (e.port == kSelfPort) {
    s.kick_pending = 0;
    for (std::uint32_t c = 0; c < 2; ++c) {
      for (std::uint32_t u = 0; u < s.units[c]; ++u)
        walk.commands(c, u, s.unit[c][u]);
    }
  } else if (e.kind == protocol::kMemReadDone || e.kind == protocol::kMemWriteDone) {
    walk.memory_reply(e);
  } else if (e.kind == protocol::kGemmDone || e.kind == protocol::kVectorDone) {
    walk.unit_reply(e);
  } else {
    return;
  }
  walk.schedule();
  walk.pump();
}

} // namespace archlab::dnn_workload

ARCHLAB_REGISTER_COMPONENT(archlab::dnn_workload::Dnn, workload, "1.0.0",
                           "DNN operator graph (TOML or SCALE-Sim CSV) tiled and mapped onto a machine's units and "
                           "memories, with double buffering")
