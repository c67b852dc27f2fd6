// memory.sram: a banked SRAM scratchpad.
//
// Requests (protocol::kMemRead / kMemWrite: address, bytes, tag) arrive on `req`. At most
// `ports` requests are accepted per clock cycle; a request past that waits for the next cycle
// with a free port. The request's bytes are spread over the banks in `interleave`-byte chunks
// (chunk k goes to bank k mod banks). Each bank serves its share in
//
//   transfer = sum over its chunks of ceil(chunk bytes / bytes_per_cycle) cycles
//
// starting when both the request is accepted and the bank is free; its part is done `latency`
// cycles after the transfer. With `pipelined` banks (the default) a bank is busy only for the
// transfer cycles, else for latency + transfer. The request is answered on `resp` when its last
// bank is done:
//
//   done = max over banks of (max(accepted, bank free) + (latency + transfer) cycles)
//
// The end time is known when the request arrives, so the answer is sent then, delayed to `done`:
// the model needs no event of its own.
#include <cmath>

#include <archlab/component.hpp>
#include <archlab/protocol.hpp>

namespace {

using archlab::Tick;
namespace protocol = archlab::protocol;

inline constexpr std::uint32_t kMaxBanks = 64; ///< banks per SRAM (checked in validate())

ARCHLAB_HD constexpr std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }
ARCHLAB_HD constexpr Tick max2(Tick a, Tick b) { return a > b ? a : b; }

/// How many chunk indices 0..x map to `bank` of `banks` (those congruent to bank).
ARCHLAB_HD constexpr std::uint64_t chunks_upto(std::uint64_t x, std::uint64_t bank, std::uint64_t banks) {
  return x >= bank ? (x - bank) / banks + 1 : 0;
}

/// How many of the chunk indices lo..hi (inclusive, lo <= hi) map to `bank` of `banks`.
ARCHLAB_HD constexpr std::uint64_t chunks_on_bank(std::uint64_t lo, std::uint64_t hi, std::uint64_t bank,
                                                  std::uint64_t banks) {
  return chunks_upto(hi, bank, banks) - (lo == 0 ? 0 : chunks_upto(lo - 1, bank, banks));
}

static_assert(chunks_on_bank(0, 7, 3, 4) == 2);  // 3, 7
static_assert(chunks_on_bank(5, 12, 1, 4) == 2); // 5, 9
static_assert(chunks_on_bank(5, 5, 2, 4) == 0);

struct Sram {
  static constexpr const char* kName = "memory.sram";
  static constexpr std::uint32_t kMaxSendsPerEvent = 1;

  struct Params {
    std::uint64_t capacity;
    std::uint64_t banks;
    std::uint64_t interleave;
    std::uint64_t ports;
    std::uint64_t bytes_per_cycle;
    std::uint64_t latency;
    double clock;
    bool pipelined;
    double access_energy_pj;
    double area_per_mib;
    bool via_interconnect;
  };
  struct State {
    Tick bank_free[kMaxBanks]; ///< when each bank can start its next transfer
    Tick period;               ///< clock period in ps (rounded), set at time 0
    std::uint64_t port_cycle;  ///< the cycle the ports are filling
    std::uint64_t port_used;   ///< requests accepted in port_cycle
  };

  enum Port : archlab::PortId { kReq, kResp };
  enum Stat : std::uint32_t { kReads, kWrites, kBytes, kBusyTime, kQueueDelay, kEnergy, kArea, kErrors, kRejected };

  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM_RANGE(Params, capacity, Size, "64 KiB", "bytes; addresses 0 .. capacity - 1", 1.0, 1.8e19),
      ARCHLAB_PARAM_RANGE(Params, banks, UInt, "8", "independently accessible banks (at most 64)", 1.0, kMaxBanks),
      ARCHLAB_PARAM_RANGE(Params, interleave, Size, "8 B",
                          "bank interleaving granularity: consecutive chunks of this many bytes go to consecutive "
                          "banks",
                          1.0, 1.8e19),
      ARCHLAB_PARAM_RANGE(Params, ports, UInt, "1", "requests accepted per clock cycle", 1.0, 1e9),
      ARCHLAB_PARAM_RANGE(Params, bytes_per_cycle, Size, "8 B", "bytes one bank reads or writes per cycle", 1.0, 1e12),
      ARCHLAB_PARAM_RANGE(Params, latency, UInt, "1", "access latency in cycles, after a bank's transfer", 0.0, 1e9),
      ARCHLAB_PARAM_RANGE(Params, clock, Frequency, "1 GHz", "clock; its period is rounded to a whole picosecond", 1e3,
                          1e12),
      ARCHLAB_PARAM(Params, pipelined, Bool, "true",
                    "a bank takes its next access while the previous one's latency runs (busy for the transfer "
                    "only); false: busy for latency + transfer"),
      ARCHLAB_PARAM_RANGE(Params, access_energy_pj, Float, "10",
                          "pJ per bank access of bytes_per_cycle bytes (one transfer cycle of one bank); default: "
                          "64-bit read of an 8 KB SRAM at 45 nm, 10 pJ (M. Horowitz, ISSCC 2014; 32 KB: 20 pJ, "
                          "1 MB: 100 pJ)",
                          0.0, 1e12),
      ARCHLAB_PARAM_RANGE(Params, area_per_mib, Float, "4.15",
                          "mm^2 per MiB; default: 45 nm 6T cell of 0.346 um^2 (Intel, Mistry et al., IEDM 2007) "
                          "at 70% array efficiency",
                          0.0, 1e9),
      ARCHLAB_PARAM(Params, via_interconnect, Bool, "false",
                    "requests come through an interconnect: answer on `resp` receiver 0 with route = the "
                    "request's route (protocol.hpp)"),
  };
  static constexpr archlab::PortSpec ports[] = {
      {"req", archlab::PortDirection::In, "protocol::kMemRead / kMemWrite (address, bytes, tag)"},
      {"resp", archlab::PortDirection::Out,
       "protocol::kMemReadDone / kMemWriteDone to the requester: link it back to the requesters "
       "(or to the interconnect with via_interconnect)"},
  };
  static constexpr archlab::StatSpec stats[] = {
      {"reads", "requests", "read requests accepted (each is answered)"},
      {"writes", "requests", "write requests accepted"},
      {"bytes", "bytes", "bytes of the accepted requests"},
      {"busy_time", "ps", "bank busy time summed over banks"},
      {"queue_delay", "ps", "sum over requests of the time lost to busy ports and banks"},
      {"energy", "pJ", "bank accesses * access_energy_pj"},
      {"area", "mm^2", "capacity in MiB * area_per_mib"},
      {"errors", "requests", "requests beyond the capacity or of zero bytes; not answered"},
      {"rejected", "events", "events on `req` of another kind; not answered"},
  };

  static const char* validate(const Params& p) {
    if (llround(1e12 / p.clock) < 1) return "clock period rounds to 0 ps";
    return nullptr;
  }

  static void init(State& s, const Params& p, archlab::Context& ctx) {
    for (Tick& t : s.bank_free)
      t = 0;
    s.period = static_cast<Tick>(llround(1e12 / p.clock));
    s.port_cycle = 0;
    s.port_used = 0;
    ctx.stat_add(kArea, static_cast<double>(p.capacity) / (1024.0 * 1024.0) * p.area_per_mib);
  }

  /// When the request arriving now gets a port: in its cycle, or in the first later cycle with a
  /// free port.
  ARCHLAB_HD static Tick take_port(State& s, const Params& p, Tick now) {
    const std::uint64_t cycle = now / s.period;
    if (cycle > s.port_cycle) {
      s.port_cycle = cycle;
      s.port_used = 0;
    }
    if (s.port_used >= p.ports) {
      ++s.port_cycle;
      s.port_used = 0;
    }
    ++s.port_used;
    return max2(now, s.port_cycle * s.period);
  }

  ARCHLAB_HD static void handle(State& s, const Params& p, const archlab::Event& e, archlab::Context& ctx) {
    if (e.kind != protocol::kMemRead && e.kind != protocol::kMemWrite) {
      ctx.stat_add(kRejected, 1.0);
      return;
    }
    const std::uint64_t address = e.payload.w[0];
    const std::uint64_t bytes = e.payload.w[1];
    if (bytes == 0 || address >= p.capacity || bytes > p.capacity - address) {
      ctx.stat_add(kErrors, 1.0);
      return;
    }
    const Tick now = ctx.now();
    const Tick accepted = take_port(s, p, now);

    // Chunks first..last; the first and last may be partial.
    const std::uint64_t first = address / p.interleave;
    const std::uint64_t last = (address + bytes - 1) / p.interleave;
    const std::uint64_t first_bytes = first == last ? bytes : (first + 1) * p.interleave - address;
    const std::uint64_t last_bytes = (address + bytes - 1) % p.interleave + 1;
    const std::uint64_t full_cycles = ceil_div(p.interleave, p.bytes_per_cycle);
    Tick done = accepted;
    std::uint64_t longest = 0;  // most transfer cycles of one bank
    std::uint64_t accesses = 0; // bank transfer cycles in all
    for (std::uint64_t bank = 0; bank < p.banks; ++bank) {
      std::uint64_t cycles = first + 1 < last ? chunks_on_bank(first + 1, last - 1, bank, p.banks) * full_cycles : 0;
      if (first % p.banks == bank) cycles += ceil_div(first_bytes, p.bytes_per_cycle);
      if (last != first && last % p.banks == bank) cycles += ceil_div(last_bytes, p.bytes_per_cycle);
      if (cycles == 0) continue;
      const Tick start = max2(accepted, s.bank_free[bank]);
      const std::uint64_t busy = p.pipelined ? cycles : p.latency + cycles;
      s.bank_free[bank] = start + busy * s.period;
      done = max2(done, start + (p.latency + cycles) * s.period);
      longest = cycles > longest ? cycles : longest;
      accesses += cycles;
      ctx.stat_add(kBusyTime, static_cast<double>(busy * s.period));
    }
    const Tick unloaded = now + (p.latency + longest) * s.period;
    const bool write = e.kind == protocol::kMemWrite;
    ctx.stat_add(write ? kWrites : kReads, 1.0);
    ctx.stat_add(kBytes, static_cast<double>(bytes));
    ctx.stat_add(kQueueDelay, static_cast<double>(done - unloaded));
    ctx.stat_add(kEnergy, static_cast<double>(accesses) * p.access_energy_pj);
    const std::uint32_t requester = p.via_interconnect ? 0 : ctx.index_of(kResp, e.src); // kNoIndex stops the run
    ctx.send(kResp, done - now, write ? protocol::kMemWriteDone : protocol::kMemReadDone,
             archlab::Payload{{address, bytes, protocol::energy_bits(static_cast<double>(accesses) * p.access_energy_pj),
                               e.payload.w[3]}},
             requester, p.via_interconnect ? e.route : 0);
  }
};

} // namespace

ARCHLAB_REGISTER_COMPONENT(
    Sram, memory, "1.0.0",
    "banked SRAM scratchpad: ports per cycle, per-bank queueing, access latency, energy and area")
