// memory.dram: a DRAM device behind its controller. Channels, ranks, bank groups and banks with
// open rows; the core timing constraints; an FR-FCFS scheduler with an open-page policy per
// channel; refresh; energy per action.
//
// Requests (protocol::kMemRead / kMemWrite: address, bytes, tag) arrive on `req`, wait in a
// request table, and are cut into bursts (bus_width * burst_length / 8 bytes) that enter their
// channel's scheduler queue in address order. Each channel issues commands (PRE, ACT, RD/WR) as
// the timings allow, choosing first-ready, first-come-first-served (Rixner et al., ISCA 2000):
// among the commands that can issue earliest, a column command (a row hit) before a row command,
// then the oldest. A bank with queued hits on its open row is not precharged (open page). A
// request is answered on `resp` when the data of its last burst has crossed the bus.
//
// The model is event-driven, never clocked: a decision issues every command that can issue
// before its horizon (the earliest pending wake-up, at least one command clock ahead) and keeps a
// wake-up for the earliest command left. Commands are committed in time order per kind (the ACTs
// of a rank, the column commands of a channel), so a decision may place a command a little in the
// future ("commit ahead") instead of waiting for another event. The component thus keeps one
// wake-up event pending (two while it catches up after answering its budget of requests), well
// inside the GPU engine's 16 same-window self events.
//
// Address mapping, from the most significant end (README.md has the details):
//   row_bank_column: row | rank | bank | column | bank group | channel | byte in burst
//   row_column_bank: row | column | rank | bank | bank group | channel | byte in burst
#include <archlab/component.hpp>
#include <archlab/protocol.hpp>

#include "presets.hpp"

namespace {

using archlab::Tick;
namespace protocol = archlab::protocol;
namespace dram = archlab::dram;

// Fixed sizes of the State (checked in validate()).
inline constexpr std::uint32_t kMaxChannels = 16;  ///< channels per component
inline constexpr std::uint32_t kMaxRanks = 4;      ///< ranks per channel
inline constexpr std::uint32_t kMaxGroups = 8;     ///< bank groups per rank
inline constexpr std::uint32_t kMaxBanks = 64;     ///< banks per channel (ranks * groups * banks per group)
inline constexpr std::uint32_t kMaxQueue = 32;     ///< scheduler entries (bursts) per channel
inline constexpr std::uint32_t kMaxRequests = 512; ///< requests in flight in the component (a full queue per channel)
inline constexpr std::uint32_t kMaxWakes = 4;      ///< pending wake-up events tracked (2 are ever used)
/// Requests answered from one event at most; the rest wait for a zero-delay wake-up, so that one
/// event never sends more than kMaxSendsPerEvent (answers plus one wake-up).
inline constexpr std::uint32_t kReplyBudget = 14;

inline constexpr std::uint32_t kNoRow = ~std::uint32_t{0};
inline constexpr Tick kNever = archlab::kTickMax;

static_assert(kMaxBanks <= 64, "bank sets are 64-bit masks");
static_assert(kMaxChannels <= 32, "channel sets are 32-bit masks");

ARCHLAB_HD constexpr Tick max2(Tick a, Tick b) { return a > b ? a : b; }
ARCHLAB_HD constexpr Tick min2(Tick a, Tick b) { return a < b ? a : b; }
ARCHLAB_HD constexpr Tick sub_floor(Tick a, Tick b) { return a > b ? a - b : 0; }

ARCHLAB_HD inline std::uint32_t lowest_bit(std::uint32_t mask) {
  std::uint32_t i = 0;
  while ((mask & 1u) == 0) {
    mask >>= 1;
    ++i;
  }
  return i;
}

/// Everything the model needs, with the preset applied: filled once at time 0.
struct Config {
  Tick tCK, tRCD, tCL, tCWL, tRP, tRAS, tBL, tCCD_S, tCCD_L, tRRD_S, tRRD_L, tFAW, tWR, tWTR_S, tWTR_L, tRTP;
  Tick tREFI, tRFC, tRFCpb;
  Tick refresh_interval; ///< between two refresh commands of a rank
  std::uint64_t row_size, burst_bytes, columns, capacity;
  std::uint32_t channels, ranks, groups, banks_per_group, rows, banks_per_rank, banks_per_channel;
  dram::RefreshMode refresh;
  std::uint32_t mapping, queue_depth;
  bool via_interconnect;
  double act_energy, read_energy, write_energy, refresh_energy;
};

struct Bank {
  Tick next_act;          ///< earliest ACT: tRC after the last ACT, tRP after PRE, tRFC after refresh
  Tick next_pre;          ///< earliest PRE: tRAS after ACT, tRTP after RD, write recovery after WR
  Tick cas_ready;         ///< earliest RD/WR: tRCD after ACT
  std::uint32_t open_row; ///< kNoRow: precharged
};

struct Rank {
  Tick next_act;                           ///< tRRD_S after the last ACT
  Tick next_act_group[kMaxGroups];         ///< tRRD_L after the group's last ACT
  Tick faw[4];                             ///< last four ACTs + tFAW, a ring (oldest at faw_pos)
  Tick next_cas_group[kMaxGroups];         ///< tCCD_L after the group's last RD/WR
  Tick read_after_write;                   ///< end of write data + tWTR_S
  Tick read_after_write_group[kMaxGroups]; ///< end of the group's write data + tWTR_L
  Tick next_refresh;                       ///< when the next refresh is due
  std::uint64_t refreshed;                 ///< per-bank refresh: banks of the rank done this round
  std::uint32_t faw_pos;
};

/// One burst waiting in a channel's queue (queue order is arrival order).
struct Entry {
  Tick arrival;          ///< its request's arrival
  std::uint32_t request; ///< slot in the request table
  std::uint32_t row;
  std::uint16_t bank; ///< (rank * groups + group) * banks_per_group + bank
  std::uint8_t write;
  std::uint8_t started; ///< a command was issued for it (its row class is counted)
};

struct Channel {
  Bank banks[kMaxBanks];
  Rank ranks[kMaxRanks];
  Entry queue[kMaxQueue];
  Tick next_cas;        ///< tCCD_S after the last RD/WR
  Tick read_data_free;  ///< earliest start of read data on the bus
  Tick write_data_free; ///< earliest start of write data (read-to-write turnaround included)
  Tick need;            ///< earliest time a command can issue here (kNever: nothing queued)
  std::uint32_t count;
};

struct Request {
  std::uint64_t address, bytes, tag;
  Tick arrival;
  Tick done;                ///< end of the latest data burst so far
  std::uint64_t next_burst; ///< next burst (address / burst_bytes) to queue
  std::uint64_t end_burst;
  std::uint32_t next_channel, next_bank, next_row; ///< where next_burst goes
  std::uint32_t pending;                           ///< bursts whose RD/WR is not issued yet
  std::uint32_t requester;                         ///< receiver index on `resp`
  std::uint32_t route;
  std::uint8_t write;
  double energy; ///< pJ of its RD/WR bursts and the ACTs they caused, reported in the answer
};

struct Dram {
  static constexpr const char* kName = "memory.dram";
  static constexpr std::uint32_t kMaxSendsPerEvent = 16;

  struct Params {
    std::uint32_t preset;
    std::uint64_t channels, ranks, bank_groups, banks_per_group, rows;
    std::uint64_t row_size;
    std::uint64_t bus_width, burst_length;
    std::uint32_t mapping;
    std::uint64_t queue_depth;
    std::uint32_t refresh;
    Tick tCK, tRCD, tCL, tCWL, tRP, tRAS, tBL, tCCD_S, tCCD_L, tRRD_S, tRRD_L, tFAW, tWR, tWTR_S, tWTR_L, tRTP;
    Tick tREFI, tRFC, tRFCpb;
    double act_energy, read_energy, write_energy, refresh_energy;
    double area_mm2;
    bool via_interconnect;
  };

  struct State {
    Config cfg;
    Channel channels[kMaxChannels];
    Request requests[kMaxRequests];
    std::uint32_t feed[kMaxRequests]; ///< requests with bursts not yet queued, oldest first
    std::uint32_t feed_count;
    std::uint32_t free_slots[kMaxRequests]; ///< unused request slots, a stack
    std::uint32_t free_count;
    std::uint32_t wake_count;
    Tick wakes[kMaxWakes]; ///< pending wake-up events, earliest first
    std::uint32_t replies; ///< answers sent by the event being handled
    bool exhausted;        ///< the event ran out of its answer budget
    bool refeed;           ///< a queue entry left or a request came: feed() has work
  };

  enum Port : archlab::PortId { kReq, kResp };
  enum Stat : std::uint32_t {
    kReads,
    kWrites,
    kBytes,
    kRowHits,
    kRowMisses,
    kRowConflicts,
    kActivates,
    kRefreshes,
    kQueueDelay,
    kBusyTime,
    kEnergy,
    kArea,
    kErrors,
    kDropped,
    kRejected
  };
  static constexpr std::uint16_t kWake = protocol::kFirstPrivateKind;

  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM_CHOICE(Params, preset, dram::kPresetChoices, "ddr4_3200",
                           "fills organisation, timings, refresh and energies from published figures "
                           "(presets.hpp); a parameter left at 0 takes the preset's value, so any one can be "
                           "overridden. custom: nothing is filled in"),
      ARCHLAB_PARAM_RANGE(Params, channels, UInt, "0", "independent channels (0: the preset's)", 0.0, kMaxChannels),
      ARCHLAB_PARAM_RANGE(Params, ranks, UInt, "0", "ranks per channel (0: the preset's)", 0.0, kMaxRanks),
      ARCHLAB_PARAM_RANGE(Params, bank_groups, UInt, "0", "bank groups per rank (0: the preset's)", 0.0, kMaxGroups),
      ARCHLAB_PARAM_RANGE(Params, banks_per_group, UInt, "0", "banks per bank group (0: the preset's)", 0.0, kMaxBanks),
      ARCHLAB_PARAM_RANGE(Params, rows, UInt, "0", "rows per bank (0: the preset's)", 0.0, 4294967294.0),
      ARCHLAB_PARAM(Params, row_size, Size, "0 B",
                    "bytes of one row of one bank across the channel, the page (0: the preset's)"),
      ARCHLAB_PARAM_RANGE(Params, bus_width, UInt, "0", "data bus bits per channel (0: the preset's)", 0.0, 4096.0),
      ARCHLAB_PARAM_RANGE(Params, burst_length, UInt, "0",
                          "beats per burst (0: the preset's); a burst moves bus_width * burst_length / 8 bytes", 0.0,
                          1024.0),
      ARCHLAB_PARAM_CHOICE(Params, mapping, "row_bank_column|row_column_bank", "row_bank_column",
                           "address bits, most significant first: row|rank|bank|column|group|channel (a row "
                           "is streamed across the bank groups) or row|column|rank|bank|group|channel "
                           "(consecutive bursts spread over every bank)"),
      ARCHLAB_PARAM_RANGE(Params, queue_depth, UInt, "32", "scheduler queue entries (bursts) per channel", 1.0,
                          kMaxQueue),
      ARCHLAB_PARAM_CHOICE(Params, refresh, "preset|all_bank|per_bank|none", "preset",
                           "all_bank: every tREFI a rank precharges and refreshes for tRFC; per_bank: every "
                           "tREFI / banks one bank refreshes for tRFCpb, each once per round; preset: the "
                           "preset's (none with custom)"),
      ARCHLAB_PARAM(Params, tCK, Time, "0 ns",
                    "command clock period: how far ahead a decision commits commands, and the read-to-write "
                    "bus turnaround (2 tCK)"),
      ARCHLAB_PARAM(Params, tRCD, Time, "0 ns", "ACT to RD/WR, same bank"),
      ARCHLAB_PARAM(Params, tCL, Time, "0 ns", "RD to first read data (CAS latency, tAA)"),
      ARCHLAB_PARAM(Params, tCWL, Time, "0 ns", "WR to first write data (CAS write latency)"),
      ARCHLAB_PARAM(Params, tRP, Time, "0 ns", "PRE to ACT, same bank"),
      ARCHLAB_PARAM(Params, tRAS, Time, "0 ns", "ACT to PRE, same bank (tRC = tRAS + tRP)"),
      ARCHLAB_PARAM(Params, tBL, Time, "0 ns", "burst time: data bus busy per burst"),
      ARCHLAB_PARAM(Params, tCCD_S, Time, "0 ns", "RD/WR to RD/WR, different bank group (or rank)"),
      ARCHLAB_PARAM(Params, tCCD_L, Time, "0 ns", "RD/WR to RD/WR, same bank group"),
      ARCHLAB_PARAM(Params, tRRD_S, Time, "0 ns", "ACT to ACT, different bank group"),
      ARCHLAB_PARAM(Params, tRRD_L, Time, "0 ns", "ACT to ACT, same bank group"),
      ARCHLAB_PARAM(Params, tFAW, Time, "0 ns", "window in which a rank takes at most four ACTs"),
      ARCHLAB_PARAM(Params, tWR, Time, "0 ns", "end of write data to PRE (write recovery)"),
      ARCHLAB_PARAM(Params, tWTR_S, Time, "0 ns", "end of write data to RD, different bank group"),
      ARCHLAB_PARAM(Params, tWTR_L, Time, "0 ns", "end of write data to RD, same bank group"),
      ARCHLAB_PARAM(Params, tRTP, Time, "0 ns", "RD to PRE"),
      ARCHLAB_PARAM(Params, tREFI, Time, "0 ns", "average refresh interval of a rank"),
      ARCHLAB_PARAM(Params, tRFC, Time, "0 ns", "all-bank refresh time"),
      ARCHLAB_PARAM(Params, tRFCpb, Time, "0 ns", "per-bank refresh time"),
      ARCHLAB_PARAM_RANGE(Params, act_energy, Float, "0",
                          "pJ per ACT+PRE pair (0: the preset's; see presets.hpp for the derivations)", 0.0, 1e12),
      ARCHLAB_PARAM_RANGE(Params, read_energy, Float, "0", "pJ per read burst (0: the preset's)", 0.0, 1e12),
      ARCHLAB_PARAM_RANGE(Params, write_energy, Float, "0", "pJ per write burst (0: the preset's)", 0.0, 1e12),
      ARCHLAB_PARAM_RANGE(Params, refresh_energy, Float, "0",
                          "pJ per refresh command: a rank (all-bank) or one bank (per-bank) (0: the preset's)", 0.0,
                          1e15),
      ARCHLAB_PARAM_RANGE(Params, area_mm2, Float, "0",
                          "area charged to this memory, mm^2 (for example controller and PHY on the accelerator "
                          "die); no default: the DRAM dies are off chip",
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
      {"reads", "requests", "read requests answered"},
      {"writes", "requests", "write requests answered"},
      {"bytes", "bytes", "bytes of the requests answered"},
      {"row_hits", "bursts", "bursts whose first command was RD/WR (their row was open)"},
      {"row_misses", "bursts", "bursts that needed an ACT on a precharged bank"},
      {"row_conflicts", "bursts", "bursts that needed a PRE of another row, then an ACT"},
      {"activates", "commands", "ACT commands (each paired with a PRE later)"},
      {"refreshes", "commands", "refresh commands; applied when the channel next works, so idle channels lag"},
      {"queue_delay", "ps", "sum over bursts of the time from the request's arrival to the burst's first command"},
      {"busy_time", "ps", "data bus time, summed over channels (bursts * tBL)"},
      {"energy", "pJ", "ACT+PRE, read, write and refresh energy (I/O and background power not included)"},
      {"area", "mm^2", "area_mm2"},
      {"errors", "requests", "requests beyond the capacity or of zero bytes; not answered"},
      {"dropped", "requests", "requests that found the request table (512 entries) full; not answered"},
      {"rejected", "events", "events on `req` of another kind; not answered"},
  };

  // ---------------------------------------------------------------------------------------------
  // Configuration (host)
  // ---------------------------------------------------------------------------------------------

  static std::uint64_t pick(std::uint64_t value, std::uint64_t preset_value) {
    return value != 0 ? value : preset_value;
  }
  static double pick(double value, double preset_value) { return value != 0.0 ? value : preset_value; }

  /// The parameters with the preset filled in; `error` is set when they do not fit the model.
  static Config resolve(const Params& p, const char** error) {
    static const dram::Preset kNone{};
    const dram::Preset& d = p.preset < std::extent_v<decltype(dram::kPresets)> && dram::kPresets[p.preset] != nullptr
                                ? *dram::kPresets[p.preset]
                                : kNone;
    Config c{};
    c.tCK = pick(p.tCK, d.tCK);
    c.tRCD = pick(p.tRCD, d.tRCD);
    c.tCL = pick(p.tCL, d.tCL);
    c.tCWL = pick(p.tCWL, d.tCWL);
    c.tRP = pick(p.tRP, d.tRP);
    c.tRAS = pick(p.tRAS, d.tRAS);
    c.tBL = pick(p.tBL, d.tBL);
    c.tCCD_S = pick(p.tCCD_S, d.tCCD_S);
    c.tCCD_L = pick(p.tCCD_L, d.tCCD_L);
    c.tRRD_S = pick(p.tRRD_S, d.tRRD_S);
    c.tRRD_L = pick(p.tRRD_L, d.tRRD_L);
    c.tFAW = pick(p.tFAW, d.tFAW);
    c.tWR = pick(p.tWR, d.tWR);
    c.tWTR_S = pick(p.tWTR_S, d.tWTR_S);
    c.tWTR_L = pick(p.tWTR_L, d.tWTR_L);
    c.tRTP = pick(p.tRTP, d.tRTP);
    c.tREFI = pick(p.tREFI, d.tREFI);
    c.tRFC = pick(p.tRFC, d.tRFC);
    c.tRFCpb = pick(p.tRFCpb, d.tRFCpb);
    c.channels = static_cast<std::uint32_t>(pick(p.channels, d.channels));
    c.ranks = static_cast<std::uint32_t>(pick(p.ranks, d.ranks));
    c.groups = static_cast<std::uint32_t>(pick(p.bank_groups, d.bank_groups));
    c.banks_per_group = static_cast<std::uint32_t>(pick(p.banks_per_group, d.banks_per_group));
    c.rows = static_cast<std::uint32_t>(pick(p.rows, d.rows));
    c.row_size = pick(p.row_size, d.row_size);
    const std::uint64_t bus_width = pick(p.bus_width, d.bus_width);
    const std::uint64_t burst_length = pick(p.burst_length, d.burst_length);
    c.refresh = p.refresh != 0 ? static_cast<dram::RefreshMode>(p.refresh) : d.refresh;
    if (c.refresh == dram::RefreshMode::Preset) c.refresh = dram::RefreshMode::None; // custom: no preset
    c.mapping = p.mapping;
    c.queue_depth = static_cast<std::uint32_t>(p.queue_depth);
    c.via_interconnect = p.via_interconnect;
    c.act_energy = pick(p.act_energy, d.act_energy);
    c.read_energy = pick(p.read_energy, d.read_energy);
    c.write_energy = pick(p.write_energy, d.write_energy);
    c.refresh_energy = pick(p.refresh_energy, d.refresh_energy);

    *error = nullptr;
    if (c.channels == 0 || c.ranks == 0 || c.groups == 0 || c.banks_per_group == 0 || c.rows == 0) {
      *error = "channels, ranks, bank_groups, banks_per_group and rows must be at least 1 (preset = custom fills "
               "none of them)";
    } else if (c.channels > kMaxChannels || c.ranks > kMaxRanks || c.groups > kMaxGroups) {
      *error = "at most 16 channels, 4 ranks and 8 bank groups per rank";
    } else if (std::uint64_t{c.ranks} * c.groups * c.banks_per_group > kMaxBanks) {
      *error = "ranks * bank_groups * banks_per_group must be at most 64 banks per channel";
    } else if (bus_width == 0 || burst_length == 0 || bus_width * burst_length % 8 != 0) {
      *error = "bus_width * burst_length must be a positive whole number of bytes";
    } else if (c.tBL == 0 || c.tCK == 0) {
      *error = "tBL and tCK must be positive";
    } else if (c.tCCD_S == 0) {
      *error = "tCCD_S must be positive (at least one clock between column commands)";
    } else if (c.refresh == dram::RefreshMode::AllBank && (c.tREFI == 0 || c.tRFC == 0)) {
      *error = "all-bank refresh needs tREFI and tRFC";
    } else if (c.refresh == dram::RefreshMode::PerBank && (c.tREFI == 0 || c.tRFCpb == 0)) {
      *error = "per-bank refresh needs tREFI and tRFCpb";
    }
    if (*error != nullptr) return c;
    c.burst_bytes = bus_width * burst_length / 8;
    if (c.row_size == 0 || c.row_size % c.burst_bytes != 0) {
      *error = "row_size must be a positive multiple of the burst (bus_width * burst_length / 8 bytes)";
      return c;
    }
    c.columns = c.row_size / c.burst_bytes;
    c.banks_per_rank = c.groups * c.banks_per_group;
    c.banks_per_channel = c.ranks * c.banks_per_rank;
    const long double capacity = static_cast<long double>(c.row_size) * c.rows * c.banks_per_channel * c.channels;
    if (capacity >= 1.8e19L) {
      *error = "capacity (channels * ranks * banks * rows * row_size) does not fit in 64 bits";
      return c;
    }
    c.capacity = c.row_size * c.rows * c.banks_per_channel * c.channels;
    c.refresh_interval = c.refresh == dram::RefreshMode::PerBank ? c.tREFI / c.banks_per_rank : c.tREFI;
    if (c.refresh != dram::RefreshMode::None && c.refresh_interval == 0) {
      *error = "tREFI / banks per rank must be at least 1 ps";
    }
    return c;
  }

  static const char* validate(const Params& p) {
    const char* error = nullptr;
    resolve(p, &error);
    return error;
  }

  // Runs on the host only (the engines call init there), so it may read the preset tables.
  static void init(State& s, const Params& p, archlab::Context& ctx) {
    const char* error = nullptr;
    s.cfg = resolve(p, &error);
    const Config& c = s.cfg;
    for (std::uint32_t ci = 0; ci < kMaxChannels; ++ci) {
      Channel& ch = s.channels[ci];
      for (Bank& b : ch.banks)
        b = Bank{0, 0, 0, kNoRow};
      for (std::uint32_t r = 0; r < kMaxRanks; ++r) {
        ch.ranks[r] = Rank{};
        // Ranks and channels refresh staggered over one interval, not all at once.
        const std::uint64_t k = std::uint64_t{ci} * c.ranks + r;
        const std::uint64_t n = std::uint64_t{c.channels} * c.ranks;
        ch.ranks[r].next_refresh = c.refresh == dram::RefreshMode::None ? kNever : c.refresh_interval * (k + 1) / n;
      }
      ch.next_cas = ch.read_data_free = ch.write_data_free = 0;
      ch.need = kNever;
      ch.count = 0;
    }
    for (std::uint32_t i = 0; i < kMaxRequests; ++i) {
      s.requests[i] = Request{};
      s.free_slots[i] = kMaxRequests - 1 - i; // slot 0 on top
    }
    s.free_count = kMaxRequests;
    s.feed_count = 0;
    s.wake_count = 0;
    s.replies = 0;
    s.exhausted = false;
    s.refeed = false;
    ctx.stat_add(kArea, p.area_mm2);
  }

  // ---------------------------------------------------------------------------------------------
  // The model (host and device)
  // ---------------------------------------------------------------------------------------------

  struct Location {
    std::uint32_t channel, bank, row;
  };

  /// The lowest field of `n` (`count` values), which then drops it.
  ARCHLAB_HD static std::uint32_t take(std::uint64_t& n, std::uint64_t count) {
    const std::uint64_t field = n % count;
    n /= count;
    return static_cast<std::uint32_t>(field);
  }

  ARCHLAB_HD static Location decode(const Config& c, std::uint64_t burst) {
    std::uint64_t n = burst;
    const std::uint32_t channel = take(n, c.channels);
    const std::uint32_t group = take(n, c.groups);
    std::uint32_t bank = 0, rank = 0;
    if (c.mapping == 0) { // row | rank | bank | column | group | channel
      take(n, c.columns);
      bank = take(n, c.banks_per_group);
      rank = take(n, c.ranks);
    } else { // row | column | rank | bank | group | channel
      bank = take(n, c.banks_per_group);
      rank = take(n, c.ranks);
      take(n, c.columns);
    }
    return Location{channel, (rank * c.groups + group) * c.banks_per_group + bank, static_cast<std::uint32_t>(n)};
  }

  ARCHLAB_HD static std::uint32_t rank_of(const Config& c, std::uint32_t bank) { return bank / c.banks_per_rank; }
  ARCHLAB_HD static std::uint32_t group_of(const Config& c, std::uint32_t bank) {
    return (bank / c.banks_per_group) % c.groups;
  }

  enum class Command : std::uint32_t { Cas = 0, Act = 1, Pre = 2 };

  ARCHLAB_HD static Tick cas_time(const Config& c, const Channel& ch, const Entry& e) {
    const Rank& r = ch.ranks[rank_of(c, e.bank)];
    const std::uint32_t g = group_of(c, e.bank);
    Tick t = max2(ch.banks[e.bank].cas_ready, max2(ch.next_cas, r.next_cas_group[g]));
    if (e.write) return max2(t, sub_floor(ch.write_data_free, c.tCWL));
    t = max2(t, sub_floor(ch.read_data_free, c.tCL));
    return max2(t, max2(r.read_after_write, r.read_after_write_group[g]));
  }

  ARCHLAB_HD static Tick act_time(const Config& c, const Channel& ch, std::uint32_t bank) {
    const Rank& r = ch.ranks[rank_of(c, bank)];
    const Tick t = max2(ch.banks[bank].next_act, max2(r.next_act, r.next_act_group[group_of(c, bank)]));
    return max2(t, r.faw[r.faw_pos]);
  }

  ARCHLAB_HD static void count_first_command(Entry& e, Stat row_class, Tick at, archlab::Context& ctx) {
    if (e.started) return;
    e.started = 1;
    ctx.stat_add(row_class, 1.0);
    ctx.stat_add(kQueueDelay, static_cast<double>(at - e.arrival));
  }

  ARCHLAB_HD static void issue_pre(const Config& c, Channel& ch, Entry& e, Tick at, archlab::Context& ctx) {
    Bank& b = ch.banks[e.bank];
    b.open_row = kNoRow;
    b.next_act = max2(b.next_act, at + c.tRP);
    count_first_command(e, kRowConflicts, at, ctx);
  }

  ARCHLAB_HD static void issue_act(State& s, const Config& c, Channel& ch, Entry& e, Tick at, archlab::Context& ctx) {
    s.requests[e.request].energy += c.act_energy;
    Bank& b = ch.banks[e.bank];
    Rank& r = ch.ranks[rank_of(c, e.bank)];
    const std::uint32_t g = group_of(c, e.bank);
    b.open_row = e.row;
    b.cas_ready = at + c.tRCD;
    b.next_pre = max2(b.next_pre, at + c.tRAS);
    b.next_act = max2(b.next_act, at + c.tRAS + c.tRP);
    r.next_act = max2(r.next_act, at + c.tRRD_S);
    r.next_act_group[g] = max2(r.next_act_group[g], at + c.tRRD_L);
    r.faw[r.faw_pos] = at + c.tFAW;
    r.faw_pos = (r.faw_pos + 1) % 4;
    ctx.stat_add(kActivates, 1.0);
    ctx.stat_add(kEnergy, c.act_energy);
    count_first_command(e, kRowMisses, at, ctx);
  }

  /// RD/WR for queue entry `i` at `at`; the entry leaves the queue, and its request is answered
  /// when this was its last burst.
  ARCHLAB_HD static void issue_cas(State& s, Channel& ch, std::uint32_t i, Tick at, archlab::Context& ctx) {
    const Config& c = s.cfg;
    Entry& e = ch.queue[i];
    Bank& b = ch.banks[e.bank];
    Rank& r = ch.ranks[rank_of(c, e.bank)];
    const std::uint32_t g = group_of(c, e.bank);
    const Tick data_end = at + (e.write ? c.tCWL : c.tCL) + c.tBL;
    ch.next_cas = max2(ch.next_cas, at + c.tCCD_S);
    r.next_cas_group[g] = max2(r.next_cas_group[g], at + c.tCCD_L);
    if (e.write) {
      ch.write_data_free = max2(ch.write_data_free, data_end);
      ch.read_data_free = max2(ch.read_data_free, data_end);
      r.read_after_write = max2(r.read_after_write, data_end + c.tWTR_S);
      r.read_after_write_group[g] = max2(r.read_after_write_group[g], data_end + c.tWTR_L);
      b.next_pre = max2(b.next_pre, data_end + c.tWR);
    } else {
      ch.read_data_free = max2(ch.read_data_free, data_end);
      ch.write_data_free = max2(ch.write_data_free, data_end + 2 * c.tCK);
      b.next_pre = max2(b.next_pre, at + c.tRTP);
    }
    ctx.stat_add(kBusyTime, static_cast<double>(c.tBL));
    ctx.stat_add(kEnergy, e.write ? c.write_energy : c.read_energy);
    s.requests[e.request].energy += e.write ? c.write_energy : c.read_energy;
    count_first_command(e, kRowHits, at, ctx);

    Request& q = s.requests[e.request];
    q.done = max2(q.done, data_end);
    --q.pending;
    for (std::uint32_t k = i + 1; k < ch.count; ++k)
      ch.queue[k - 1] = ch.queue[k];
    --ch.count;
    s.refeed = s.feed_count > 0;
    if (q.pending == 0) answer(s, q, ctx);
  }

  ARCHLAB_HD static void answer(State& s, Request& q, archlab::Context& ctx) {
    const Tick now = ctx.now();
    ctx.stat_add(q.write ? kWrites : kReads, 1.0);
    ctx.stat_add(kBytes, static_cast<double>(q.bytes));
    ctx.send(kResp, q.done - now, q.write ? protocol::kMemWriteDone : protocol::kMemReadDone,
             archlab::Payload{{q.address, q.bytes, protocol::energy_bits(q.energy), q.tag}}, q.requester, q.route);
    s.free_slots[s.free_count++] = static_cast<std::uint32_t>(&q - s.requests);
    ++s.replies;
  }

  /// Refresh of rank `ri`, due at r.next_refresh (<= `limit`). A long idle stretch is skipped in
  /// whole rounds (every bank refreshed once), which leaves the banks as they were: precharged
  /// and free.
  ARCHLAB_HD static void refresh_rank(const Config& c, Channel& ch, std::uint32_t ri, Tick limit,
                                      archlab::Context& ctx) {
    Rank& r = ch.ranks[ri];
    const std::uint32_t first = ri * c.banks_per_rank;
    const bool per_bank = c.refresh == dram::RefreshMode::PerBank;
    const Tick due = r.next_refresh;
    const Tick round = per_bank ? c.refresh_interval * c.banks_per_rank : c.refresh_interval;
    bool idle = true;
    for (std::uint32_t b = first; b < first + c.banks_per_rank; ++b)
      idle = idle && ch.banks[b].open_row == kNoRow && ch.banks[b].next_act <= due;
    if (idle && round > 0 && limit - due > 2 * round) {
      const std::uint64_t rounds = (limit - due) / round - 1;
      const double commands = static_cast<double>(rounds) * (per_bank ? c.banks_per_rank : 1);
      r.next_refresh += rounds * round;
      ctx.stat_add(kRefreshes, commands);
      ctx.stat_add(kEnergy, commands * c.refresh_energy);
      return;
    }
    if (per_bank) {
      // Every bank once per round, in the order that disturbs least: of the banks not refreshed
      // yet, an idle one (no queued burst) used most recently, else the lowest.
      std::uint64_t queued = 0;
      for (std::uint32_t i = 0; i < ch.count; ++i)
        queued |= std::uint64_t{1} << ch.queue[i].bank;
      std::uint32_t pick = c.banks_per_rank;
      std::uint32_t fallback = c.banks_per_rank;
      for (std::uint32_t j = 0; j < c.banks_per_rank; ++j) {
        if ((r.refreshed >> j & 1u) != 0) continue;
        if (fallback == c.banks_per_rank) fallback = j;
        if ((queued >> (first + j) & 1u) != 0) continue;
        if (pick == c.banks_per_rank || ch.banks[first + j].next_pre >= ch.banks[first + pick].next_pre) pick = j;
      }
      if (pick == c.banks_per_rank) pick = fallback;
      Bank& b = ch.banks[first + pick];
      const Tick start = b.open_row != kNoRow ? max2(due, b.next_pre) + c.tRP : max2(due, b.next_act);
      b.open_row = kNoRow;
      b.next_act = max2(b.next_act, start + c.tRFCpb);
      r.refreshed |= std::uint64_t{1} << pick;
      if (r.refreshed == (c.banks_per_rank == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << c.banks_per_rank) - 1))
        r.refreshed = 0;
    } else {
      Tick start = due;
      for (std::uint32_t b = first; b < first + c.banks_per_rank; ++b) {
        const Bank& bank = ch.banks[b];
        start = max2(start, bank.open_row != kNoRow ? max2(due, bank.next_pre) + c.tRP : bank.next_act);
      }
      for (std::uint32_t b = first; b < first + c.banks_per_rank; ++b) {
        ch.banks[b].open_row = kNoRow;
        ch.banks[b].next_act = max2(ch.banks[b].next_act, start + c.tRFC);
      }
    }
    r.next_refresh += c.refresh_interval;
    ctx.stat_add(kRefreshes, 1.0);
    ctx.stat_add(kEnergy, c.refresh_energy);
  }

  /// Issue every command of channel `ci` that can issue before `horizon`, in time order, with
  /// the refreshes that fall due in between.
  ARCHLAB_HD static void run_channel(State& s, std::uint32_t ci, Tick horizon, archlab::Context& ctx) {
    const Config& c = s.cfg;
    Channel& ch = s.channels[ci];
    const Tick now = ctx.now();
    while (true) {
      std::uint32_t due_rank = 0;
      Tick due = kNever;
      for (std::uint32_t r = 0; r < c.ranks; ++r) {
        if (ch.ranks[r].next_refresh < due) {
          due = ch.ranks[r].next_refresh;
          due_rank = r;
        }
      }

      // FR-FCFS: per bank one candidate (its oldest hit, else the oldest entry's PRE or ACT); the
      // earliest candidate wins, a RD/WR before a row command, then the oldest.
      std::uint64_t hit_banks = 0;
      for (std::uint32_t i = 0; i < ch.count; ++i) {
        if (ch.banks[ch.queue[i].bank].open_row == ch.queue[i].row) hit_banks |= std::uint64_t{1} << ch.queue[i].bank;
      }
      std::uint64_t seen = 0;
      std::uint32_t best = kMaxQueue;
      Command best_command = Command::Cas;
      Tick best_time = kNever;
      for (std::uint32_t i = 0; i < ch.count; ++i) {
        const Entry& e = ch.queue[i];
        const std::uint64_t bit = std::uint64_t{1} << e.bank;
        if ((seen & bit) != 0) continue;
        const Bank& b = ch.banks[e.bank];
        Command command;
        Tick t;
        if (b.open_row == e.row) {
          command = Command::Cas;
          t = cas_time(c, ch, e);
        } else if ((hit_banks & bit) != 0) {
          continue; // open page: its row still has hits waiting
        } else if (b.open_row == kNoRow) {
          command = Command::Act;
          t = act_time(c, ch, e.bank);
        } else {
          command = Command::Pre;
          t = b.next_pre;
        }
        seen |= bit;
        t = max2(t, now);
        if (t < best_time || (t == best_time && command == Command::Cas && best_command != Command::Cas)) {
          best = i;
          best_time = t;
          best_command = command;
        }
      }
      ch.need = ch.count > 0 ? min2(best_time, due) : kNever;

      if (best < kMaxQueue && best_time < min2(horizon, due)) {
        if (best_command == Command::Cas) {
          const Request& q = s.requests[ch.queue[best].request];
          if (q.pending == 1 && s.replies >= kReplyBudget) {
            s.exhausted = true;
            return;
          }
          issue_cas(s, ch, best, best_time, ctx);
        } else if (best_command == Command::Act) {
          issue_act(s, c, ch, ch.queue[best], best_time, ctx);
        } else {
          issue_pre(c, ch, ch.queue[best], best_time, ctx);
        }
        continue;
      }
      if (due < horizon) {
        refresh_rank(c, ch, due_rank, horizon - 1, ctx);
        continue;
      }
      return;
    }
  }

  /// Move bursts of waiting requests into their channels' queues, oldest request first; a
  /// request waits (without holding back younger ones) while its next burst's queue is full.
  /// Returns the channels that got bursts.
  ARCHLAB_HD static std::uint32_t feed(State& s) {
    const Config& c = s.cfg;
    s.refeed = false;
    std::uint32_t touched = 0;
    std::uint32_t kept = 0;
    for (std::uint32_t i = 0; i < s.feed_count; ++i) {
      const std::uint32_t slot = s.feed[i];
      Request& q = s.requests[slot];
      while (q.next_burst < q.end_burst) {
        Channel& ch = s.channels[q.next_channel];
        if (ch.count >= c.queue_depth) break;
        ch.queue[ch.count++] = Entry{q.arrival, slot, q.next_row, static_cast<std::uint16_t>(q.next_bank), q.write, 0};
        touched |= 1u << q.next_channel;
        if (++q.next_burst < q.end_burst) locate_next(c, q);
      }
      if (q.next_burst < q.end_burst) s.feed[kept++] = slot;
    }
    s.feed_count = kept;
    return touched;
  }

  ARCHLAB_HD static void locate_next(const Config& c, Request& q) {
    const Location at = decode(c, q.next_burst);
    q.next_channel = at.channel;
    q.next_bank = at.bank;
    q.next_row = at.row;
  }

  /// Run the channels that can act before the horizon (the earliest pending wake-up, at least
  /// one command clock ahead): every command before it is committed now. `wake`: this is a
  /// wake-up, so any busy channel may be due; else only channels that got new bursts are.
  /// Then keep a wake-up for the earliest thing left to do.
  ARCHLAB_HD static void schedule(State& s, bool wake, archlab::Context& ctx) {
    const Config& c = s.cfg;
    const Tick now = ctx.now();
    const Tick pending = s.wake_count > 0 && s.wakes[0] > now ? s.wakes[0] : now + 1;
    const Tick horizon = max2(pending, now + c.tCK);
    std::uint32_t dirty = 0;
    if (wake) {
      for (std::uint32_t ci = 0; ci < c.channels; ++ci)
        if (s.channels[ci].need < horizon) dirty |= 1u << ci;
    }
    s.replies = 0;
    s.exhausted = false;
    while (!s.exhausted) {
      if (s.refeed) dirty |= feed(s);
      if (dirty == 0) break;
      const std::uint32_t ci = lowest_bit(dirty);
      dirty &= dirty - 1;
      run_channel(s, ci, horizon, ctx);
    }
    Tick want = kNever;
    if (s.exhausted) {
      // The channels not run yet may have new bursts: the zero-delay wake-up must run them.
      for (; dirty != 0; dirty &= dirty - 1)
        s.channels[lowest_bit(dirty)].need = now;
      want = now;
    } else {
      for (std::uint32_t ci = 0; ci < c.channels; ++ci)
        want = min2(want, s.channels[ci].need);
    }
    if (want == kNever || (s.wake_count > 0 && s.wakes[0] <= want)) return;
    const std::uint32_t keep = s.wake_count < kMaxWakes ? s.wake_count : kMaxWakes - 1;
    for (std::uint32_t k = keep; k > 0; --k)
      s.wakes[k] = s.wakes[k - 1];
    s.wakes[0] = want;
    s.wake_count = keep + 1;
    ctx.schedule_self(want - now, kWake, archlab::Payload{});
  }

  ARCHLAB_HD static void accept(State& s, const archlab::Event& e, archlab::Context& ctx) {
    const Config& c = s.cfg;
    const std::uint64_t address = e.payload.w[0];
    const std::uint64_t bytes = e.payload.w[1];
    if (bytes == 0 || address >= c.capacity || bytes > c.capacity - address) {
      ctx.stat_add(kErrors, 1.0);
      return;
    }
    if (s.free_count == 0) {
      ctx.stat_add(kDropped, 1.0);
      return;
    }
    const std::uint32_t slot = s.free_slots[--s.free_count];
    Request& q = s.requests[slot];
    q.address = address;
    q.bytes = bytes;
    q.tag = e.payload.w[3];
    q.arrival = ctx.now();
    q.done = 0;
    q.next_burst = address / c.burst_bytes;
    q.end_burst = (address + bytes - 1) / c.burst_bytes + 1;
    q.pending = static_cast<std::uint32_t>(q.end_burst - q.next_burst);
    q.requester = c.via_interconnect ? 0 : ctx.index_of(kResp, e.src); // kNoIndex: the answer stops the run
    q.route = c.via_interconnect ? e.route : 0;
    q.write = e.kind == protocol::kMemWrite ? 1 : 0;
    q.energy = 0;
    locate_next(c, q);
    s.feed[s.feed_count++] = slot;
    s.refeed = true;
    schedule(s, false, ctx);
  }

  ARCHLAB_HD static void handle(State& s, const Params&, const archlab::Event& e, archlab::Context& ctx) {
    if (e.port == archlab::kSelfPort) {
      if (s.wake_count > 0 && s.wakes[0] == ctx.now()) {
        for (std::uint32_t k = 1; k < s.wake_count; ++k)
          s.wakes[k - 1] = s.wakes[k];
        --s.wake_count;
      }
      schedule(s, true, ctx);
    } else if (e.kind == protocol::kMemRead || e.kind == protocol::kMemWrite) {
      accept(s, e, ctx);
    } else {
      ctx.stat_add(kRejected, 1.0);
    }
  }
};

} // namespace

ARCHLAB_REGISTER_COMPONENT(Dram, memory, "1.0.0",
                           "DRAM with banks, row buffers, JEDEC timings, FR-FCFS open-page scheduling and refresh; "
                           "DDR4-3200, LPDDR5, HBM2E and HBM3 presets")
