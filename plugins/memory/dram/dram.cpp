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
// The model is event-driven, never clocked. A decision issues every command that can issue before
// its horizon (the earliest pending wake-up, at least one command clock ahead) and keeps a
// wake-up for the earliest command left ("commit ahead"). Those wake-ups are lazy: after each
// event the component takes the coming ones itself, as long as none answers a request, with every
// change of state kept so that it can be undone (an undo journal; a planned RD/WR or ACT keeps its
// own); the first one that must answer gets a real event.
// A request arriving earlier undoes the planned wake-ups from the first one it changes (the first
// where it could have entered a queue) and the controller decides again with it. The decisions
// are exactly those of one event per wake-up; a request costs its arrival, about one wake-up event
// and its answer.
//
// Address mapping, from the most significant end (README.md has the details):
//   row_bank_column: row | rank | bank | column | bank group | channel | byte in burst
//   row_column_bank: row | column | rank | bank | bank group | channel | byte in burst
// or any order of the six fields, written "RoRaBaCoBgCh" or "rorabacobgch" (address_map.hpp).
//
// Posted writes (posted_writes = true): a write is acknowledged when it enters the controller, as
// long as fewer than write_buffer acknowledged writes wait to be written; the acknowledgement and
// the answer at the end of the data are then one and the same message, sent early.
#include <archlab/component.hpp>

#include <archlab/protocol.hpp>
#include <cstddef>
#include <cstring>

#include "address_map.hpp"
#include "presets.hpp"

#if defined(ARCHLAB_DRAM_SELF_CHECK) && !defined(__CUDA_ARCH__)
#include <cstdio>
#include <cstdlib>
#endif

namespace {

using archlab::Tick;
namespace protocol = archlab::protocol;
namespace dram = archlab::dram;

// Fixed sizes of the State (checked in validate()).
inline constexpr std::uint32_t kMaxChannels = 16; ///< channels per component
inline constexpr std::uint32_t kMaxRanks = 4;     ///< ranks per channel
inline constexpr std::uint32_t kMaxGroups = 8;    ///< bank groups per rank
inline constexpr std::uint32_t kMaxBanks = 64;    ///< banks per channel (ranks * groups * banks per group)
inline constexpr std::uint32_t kRankGroups = kMaxRanks * kMaxGroups;
inline constexpr std::uint32_t kMaxQueue = 32;     ///< scheduler entries (bursts) per channel
inline constexpr std::uint32_t kMaxRequests = 512; ///< requests in flight in the component (a full queue per channel)
inline constexpr std::uint32_t kMaxWakes = 4;      ///< pending wake-up events tracked (older ones still fire)
inline constexpr std::uint32_t kMaxLost = 16;      ///< planned wake-ups beyond kMaxWakes still to come
/// Undo journal of the planned (not yet committed) commands: records and commands. Planning stops
/// (and keeps a wake-up) where a command might not fit: kUndoPerStep covers a command or the
/// refresh of a whole rank, kUndoPerFeed each burst a RD/WR's freed slot lets into a queue.
inline constexpr std::uint32_t kUndoRecords = 16384; ///< the largest undo_bound() fits in an empty journal
/// Planning further ahead saves events but wastes the work a request arriving in between undoes
/// (the plan from its arrival on). The reach (State::reach) follows the requests: with G steps
/// counted between two arrivals that undo planned steps (smoothed), waste per arrival grows with
/// the reach R and events with G / R, so R = sqrt(G * kEventSteps), kept within
/// [kMinReach, kPlannedSteps]. kEventSteps = 40 (2026-12-05, fourth session, 10 / 40 / 160 tried):
/// the issue-18 machine's ResNet-50 (G about 6,700) plans 512 and takes 42.4k events instead of
/// 46.5k at a fixed 256 in the same CPU time; the edge machine's (G about 1,500) stays near 256,
/// whose CPU time a deeper plan raises (0.73 s at 256, 0.88 s at 512). Not below 256: there a
/// request of the HBM3 1 KiB random mix costs more than three events (3.28 at 128;
/// DramEvents.ARequestCostsAboutThreeEvents), although the edge machine's ResNet-50 would take
/// about 10% less CPU time at 32 (with 2.4 times the events).
inline constexpr std::uint32_t kPlannedSteps = 512;
inline constexpr std::uint32_t kMinReach = 256;
inline constexpr std::uint64_t kEventSteps = 40;

inline constexpr std::uint32_t kUndoPerStep = 160;
inline constexpr std::uint32_t kUndoPerFeed = 2; ///< 1 per burst, 1 per request (a request moves at least one burst)
static_assert(kUndoPerStep + kUndoPerFeed * kMaxChannels * (kMaxQueue + 1) <= kUndoRecords,
              "a step and its feed must fit in an empty journal, or planning could not go on");
/// Requests answered from one event at most; the rest wait for a zero-delay wake-up, so that one
/// event never sends more than kMaxSendsPerEvent (answers plus one wake-up).
inline constexpr std::uint32_t kReplyBudget = 14;

/// The FR-FCFS choice as one 64-bit key per bank: 41 bits of time after now (2.2 ms), a bit for a
/// row command, 16 bits of queue order (counted from the channel's order_epoch), 6 bits of bank.
inline constexpr std::uint32_t kKeyTimeBits = 41;
inline constexpr std::uint32_t kKeyAgeBits = 16;
inline constexpr std::uint64_t kOrderMask = ~(std::uint64_t{1} << 63);
/// A channel's keys count time from its time_epoch, at most this far behind the decision's time.
inline constexpr Tick kEpochSpan = Tick{1} << (kKeyTimeBits - 1);
inline constexpr std::uint32_t kFloorCount = 4 * kRankGroups; ///< (unused or PRE), ACT, RD, WR per (rank, group)
inline constexpr std::uint32_t kCasFloors = 1u << kMaxRanks;  ///< Channel::floors_dirty: the RD and WR bus floors
inline constexpr std::uint32_t kAllFloors = kCasFloors | (kCasFloors - 1);
static_assert(kKeyTimeBits + 1 + kKeyAgeBits + 6 == 64, "the key is 64 bits");

inline constexpr std::uint32_t kNoRow = ~std::uint32_t{0};
/// Channel::slot_key: an entry's order above its slot (orders stay below 2^59: bursts ever queued).
inline constexpr std::uint32_t kSlotBits = 5;
inline constexpr std::uint64_t kSlotMask = (std::uint64_t{1} << kSlotBits) - 1;
static_assert(kMaxQueue <= (1u << kSlotBits), "a slot fits in the low bits of a slot key");
inline constexpr std::uint8_t kFed = 0xff;
inline constexpr std::uint8_t kNoSlot = 0xff;
inline constexpr Tick kNever = archlab::kTickMax;

static_assert(kMaxBanks <= 64, "bank sets are 64-bit masks");
static_assert(kMaxChannels <= 32, "channel sets are 32-bit masks");

/// Kept out of line: the search (find_candidate()). What is inlined makes one function
/// (decide()), and what that holds decides how many values its per-command path keeps on the
/// stack: inlined, the search's loops ran with registers spilled around them (3% of the time,
/// issue-18 ResNet-50).
#if defined(__CUDACC__)
#define ARCHLAB_DRAM_OUTLINE __noinline__
#else
#define ARCHLAB_DRAM_OUTLINE __attribute__((noinline))
#endif
/// Kept out of line on the CPU: feed() and the paths a RD/WR does not take (PRE, ACT, refresh,
/// refloor(), refit_orders(), list_hits()), which cost the RD/WR path spills of their own (out of
/// line: 1.3-1.8% fewer loads and stores; benchmarks/README.md, eleventh session). Measured on the
/// CPU only: the GPU form inlines them as before.
#if defined(__CUDA_ARCH__)
#define ARCHLAB_DRAM_HOST_OUTLINE
#else
#define ARCHLAB_DRAM_HOST_OUTLINE ARCHLAB_DRAM_OUTLINE
#endif

ARCHLAB_HD constexpr Tick max2(Tick a, Tick b) { return a > b ? a : b; }
ARCHLAB_HD constexpr Tick min2(Tick a, Tick b) { return a < b ? a : b; }
ARCHLAB_HD constexpr Tick sub_floor(Tick a, Tick b) { return a > b ? a - b : 0; }

ARCHLAB_HD inline std::uint32_t lowest_bit(std::uint32_t mask) {
#ifdef __CUDA_ARCH__
  return static_cast<std::uint32_t>(__ffs(static_cast<int>(mask)) - 1);
#else
  return static_cast<std::uint32_t>(__builtin_ctz(mask));
#endif
}

ARCHLAB_HD inline std::uint32_t lowest_bit64(std::uint64_t mask) {
#ifdef __CUDA_ARCH__
  return static_cast<std::uint32_t>(__ffsll(static_cast<long long>(mask)) - 1);
#else
  return static_cast<std::uint32_t>(__builtin_ctzll(mask));
#endif
}

/// Everything the model needs, with the preset applied: filled once at time 0.
struct Config {
  Tick tCK, tRCD, tCL, tCWL, tRP, tRAS, tBL, tCCD_S, tCCD_L, tRRD_S, tRRD_L, tFAW, tWR, tWTR_S, tWTR_L, tRTP;
  Tick tREFI, tRFC, tRFCpb;
  Tick refresh_interval; ///< between two refresh commands of a rank
  std::uint64_t row_size, burst_bytes, columns, capacity;
  std::uint32_t channels, ranks, groups, banks_per_group, rows, banks_per_rank, banks_per_channel;
  dram::RefreshMode refresh;
  std::uint32_t queue_depth;
  std::uint32_t write_buffer; ///< posted writes acknowledged and not yet written, at most
  bool posted;                ///< posted_writes
  bool via_interconnect;
  bool lazy; ///< lazy_wakeups: plan wake-ups ahead without events (false: one event per wake-up)
  std::uint8_t map_field[dram::kMapFields];   ///< the address map's fields, least significant first
  std::uint64_t map_count[dram::kMapFields];  ///< ... and their counts
  bool map_bits;                              ///< every count a power of two: the fields are bit ranges
  std::uint8_t field_shift[dram::kMapFields]; ///< map_bits: each field's lowest bit (by MapField)
  std::uint64_t field_mask[dram::kMapFields]; ///< map_bits: its width as a mask (the highest: all)
  double act_energy, read_energy, write_energy, refresh_energy;
  std::uint8_t bank_rank[kMaxBanks], bank_group[kMaxBanks]; ///< of each bank of a channel (no division per command)
  std::uint8_t bank_rank_group[kMaxBanks];                  ///< rank * groups + group
  std::uint64_t rank_banks[kMaxRanks];                      ///< the banks of each rank of a channel
  std::uint32_t undo_most;                                  ///< the most undo records a step and its feed write
};

struct Bank {
  Tick next_act;          ///< earliest ACT: tRC after the last ACT, tRP after PRE, tRFC after refresh
  Tick next_pre;          ///< earliest PRE: tRAS after ACT, tRTP after RD, write recovery after WR
  Tick cas_ready;         ///< earliest RD/WR: tRCD after ACT
  std::uint32_t open_row; ///< kNoRow: precharged
};

/// What a bank group of a rank allows next.
struct GroupTimes {
  Tick next_act;         ///< tRRD_L after the group's last ACT
  Tick next_cas;         ///< tCCD_L after the group's last RD/WR
  Tick read_after_write; ///< end of the group's write data + tWTR_L
};

struct Rank {
  Tick next_act;           ///< tRRD_S after the last ACT
  Tick faw[4];             ///< last four ACTs + tFAW, a ring (oldest at faw_pos)
  Tick read_after_write;   ///< end of write data + tWTR_S
  Tick next_refresh;       ///< when the next refresh is due
  std::uint64_t refreshed; ///< per-bank refresh: banks of the rank done this round
  std::uint32_t faw_pos;
  GroupTimes group[kMaxGroups];
};

/// One burst waiting in a channel's queue (queue order, oldest first, is `order`).
/// Its queue order and row are kept beside it, in Channel::slot_key and slot_row (the searches
/// read those alone).
struct Entry {
  Tick arrival;          ///< its request's arrival
  std::uint16_t request; ///< slot in the request table
  std::uint16_t bank;    ///< (rank * groups + group) * banks_per_group + bank
  std::uint8_t write;
  std::uint8_t started; ///< a command was issued for it (its row class is counted)
};
static_assert(kMaxRequests <= 65536 && kMaxBanks <= 65536, "Entry holds them in 16 bits");

/// A channel. The fields every search and command reads come first, side by side (a few cache
/// lines: the channels of a component take turns, and what one touches per command decides how
/// much of it is still in the cache when its turn comes again).
struct Channel {
  std::uint64_t active; ///< banks with entries
  // The FR-FCFS candidate of each bank (its oldest hit, else its oldest entry), kept between
  // steps: a command changes only its own bank's candidate (the shared timings only delay them).
  std::uint64_t stale_banks; ///< banks whose candidate must be found again
  /// Banks, not stale, whose candidate was a PRE (no hit) and that got a hit since (feed()): it is
  /// their candidate now. A new entry is younger than every other, so no other fed entry changes
  /// a bank's candidate.
  std::uint64_t grown_banks;
  /// Banks, not stale, whose candidate (their oldest hit) a RD/WR took: the next hit in their list
  /// is the candidate, else their oldest entry.
  std::uint64_t popped_banks;
  std::uint64_t wide_banks; ///< banks whose time does not fit in candidate_key
  // candidate()'s last answer, valid while nothing in the channel changed (stale_banks == 0)
  Tick last_now, last_time, last_due;
  Tick time_epoch;           ///< candidate_key counts time from here
  std::uint64_t order_epoch; ///< candidate_low counts orders from here
  std::uint64_t entered;     ///< entries that ever entered (the next queue order)
  Tick next_cas;             ///< tCCD_S after the last RD/WR
  Tick read_data_free;       ///< earliest start of read data on the bus
  Tick write_data_free;      ///< earliest start of write data (read-to-write turnaround included)
  // What the rank and bank group allow, without `now`: floor[4 k + kind] for (rank, group) k and
  // kind 1 ACT, 2 RD, 3 WR (floor[0], a PRE's, stays 0); what the channel's data bus allows a RD
  // and a WR (bus_floor). Kept between steps: an ACT makes its rank's ACT floors stale (bit r of
  // floors_dirty), an undo all of them (kAllFloors: kCasFloors is every RD and WR floor and the
  // bus floors), and a RD/WR works out those it raises itself. They are not part of the keys:
  // the search puts them in, with `now`, so a RD/WR, which raises the bus floors of every RD/WR
  // candidate, leaves the other keys standing.
  Tick bus_floor[2]; ///< RD, WR
  std::uint32_t used;
  std::uint32_t write_slots; ///< used slots whose entry is a write (queue[i].write, at hand)
  std::uint32_t count;
  std::uint32_t floors_dirty;
  std::uint32_t last_slot, last_due_rank, last_bank;
  std::uint8_t last_command, last_valid;
  std::uint8_t orders_wide; ///< some candidate's order does not fit in candidate_low
  Tick floor[kFloorCount];
  std::uint64_t candidate_key[kMaxBanks];  ///< its key without the floors and `now`: bank time - time_epoch, low bits
  std::uint64_t candidate_low[kMaxBanks];  ///< the low bits of its key: row command, order - order_epoch, bank
  std::uint8_t candidate_floor[kMaxBanks]; ///< which floor applies to it
  std::uint8_t candidate_slot[kMaxBanks];
  std::uint8_t candidate_command[kMaxBanks];
  /// Each bank's hits (entries of its open row), oldest first, as a list through the queue slots:
  /// hit_first[bank] (kNoSlot: none) and hit_last[bank], then hit_next[slot]. Kept while the bank
  /// is not stale (a stale bank's list is built again with its candidate).
  std::uint8_t hit_first[kMaxBanks];
  std::uint8_t hit_last[kMaxBanks];
  std::uint8_t hit_next[kMaxQueue];
  std::uint32_t bank_slots[kMaxBanks];     ///< the slots of each bank's entries
  Tick candidate_bank_time[kMaxBanks];     ///< the bank's own constraint on it (cas_ready, next_act or next_pre)
  std::uint64_t candidate_rank[kMaxBanks]; ///< tie-break: a RD/WR (0) before a row command (2^63), then queue order
  /// Slot i's entry: its queue order (when it entered, counted per channel) << kSlotBits | i, and
  /// its row, side by side for the searches: the least key of a set of slots is its oldest entry
  /// and names the slot.
  std::uint64_t slot_key[kMaxQueue];
  std::uint32_t slot_row[kMaxQueue];
  std::uint16_t slot_request[kMaxQueue]; ///< queue[i].request, at hand for the check before a RD/WR
  Bank banks[kMaxBanks];
  Rank ranks[kMaxRanks];
  Entry queue[kMaxQueue]; ///< slots; `used` says which hold an entry
};

/// One change of State to undo: `size` bytes at byte `offset` were `old`, or a special kind.
struct Undo {
  std::uint32_t offset; ///< byte offset in State; kUndoQueueInsert: channel << 8 | slot; kUndoProgress: feed index
  std::uint32_t kind;   ///< 1, 2, 4, 8 (bytes), kUndoQueueInsert or kUndoProgress
  std::uint64_t old;    ///< the old bytes; kUndoProgress: next_burst
};
/// An entry entered its queue (feed()): one record for the entry and the channel's used, count,
/// bank_slots and active and State::full, which follow from it.
inline constexpr std::uint32_t kUndoQueueInsert = 16;
/// A request of the feed list moved bursts into queues (feed()): one record for its next burst,
/// the channel it waits for (feed_channel), the waiting counts and State::queued.
inline constexpr std::uint32_t kUndoProgress = 17;
/// A planned RD/WR or ACT writes no Undo records (they were a third of the time): its Step keeps
/// what it changes, as it was (Step::old, by these indices), and the undo writes that back after
/// the step's records. "energy" and "done" are its request's; "group" fields are those of its
/// bank's group in its rank.
enum CasOld : std::uint32_t {
  kCasEnergy, ///< the bits of the double
  kCasDone,
  kCasNextPre,
  kCasNextCas,
  kCasGroupCas, ///< next_cas_group
  kCasReadFree, ///< read_data_free
  kCasWriteFree,
  kCasWtr,      ///< read_after_write (a WR's only: a RD leaves it)
  kCasGroupWtr, ///< read_after_write_group (a WR's only)
  kCasOld
};
enum ActOld : std::uint32_t {
  kActEnergy,
  kActNextPre,
  kActCasReady,
  kActNextAct,
  kActRankAct,  ///< the rank's next_act
  kActGroupAct, ///< next_act_group
  kActFaw,      ///< faw[faw_pos]
  kActFawPos,   ///< faw_pos, and the bank's open_row above 32 bits
  kActOld
};
/// A planned decision's wake-up step keeps the list of pending wake-ups (State::wakes and
/// wake_count) as it was: the decision changes it without Undo records (one or two a wake-up).
enum WakeOld : std::uint32_t { kWakeList, kWakeCount = kWakeList + kMaxWakes, kWakeOld };
inline constexpr std::uint32_t kOldFields = 9;
static_assert(kCasOld <= kOldFields && kActOld <= kOldFields && kWakeOld <= kOldFields, "Step::old holds any");

/// A planned command (or refresh) whose statistics are counted once it is committed.
/// 128 bytes, what count() reads (decided, kind, row_class, the union, removed.write) in the first
/// 56: a planned step is written once and read back when it is counted, hundreds of steps later.
struct Step {
  Tick decided; ///< when the controller decides it (the rollback and counting order)
  union {
    Tick queue_delay;        ///< row_class != 0: from the request's arrival to this first command
    std::uint64_t refreshes; ///< kind Refresh (row_class 0): refresh commands
    /// kind Wake (the first step of a planned decision): the channels whose queue was full when it
    /// began, and those a request waiting for them could have entered in it (accept()).
    struct {
      std::uint32_t full, opened;
    } wake;
  };
  std::uint32_t undo_begin;      ///< its first Undo record
  std::uint8_t channel;          ///< kind Cas or Act: its channel
  std::uint8_t slot;             ///< ... and queue slot
  std::uint8_t kind;             ///< Command
  std::uint8_t row_class;        ///< 0, or 1 + the Stat of its burst's first command
  Entry removed;                 ///< kind Cas: the queue entry it took, as it was (undo; `write` for count())
  std::uint64_t removed_key;     ///< ... its Channel::slot_key (planned steps only)
  std::uint32_t removed_row;     ///< ... and row
  /// kind Cas or Act, planned: what it changed, as it was (CasOld, ActOld); kind Wake: the
  /// pending wake-ups (State::wakes, then wake_count) when its decision began (WakeOld)
  std::uint64_t old[kOldFields];
};
static_assert(sizeof(Step) == 128, "a step is two cache lines");

/// A request in the table (its count of bursts not issued is State::pending). What every RD/WR of
/// it reads and writes comes first, side by side.
struct Request {
  std::uint8_t write;
  std::uint8_t posted;      ///< a write acknowledged on arrival: nothing to answer when it is done
  Tick done;                ///< end of the latest data burst so far
  double energy;            ///< pJ of its RD/WR bursts and the ACTs they caused, reported in the answer
  std::uint64_t next_burst; ///< next burst (address / burst_bytes) to queue
  std::uint64_t end_burst;
  std::uint32_t next_channel, next_bank, next_row; ///< where next_burst goes
  std::uint32_t requester;                         ///< receiver index on `resp`
  Tick arrival;
  std::uint64_t address, bytes, tag;
  std::uint32_t route;
};

struct Dram {
  static constexpr const char* kName = "memory.dram";
  static constexpr std::uint32_t kMaxSendsPerEvent = 16;
  /// State::tally: RD/WR commands (busy_time: tBL each), ACTs, the row classes (hits, misses,
  /// conflicts, in the order of Stat), queue delay.
  enum Tally : std::uint32_t { kTallyCas, kTallyAct, kTallyRowClass, kTallyQueueDelay = kTallyRowClass + 3, kTallies };

  struct Params {
    std::uint32_t preset;
    std::uint64_t channels, ranks, bank_groups, banks_per_group, rows;
    std::uint64_t row_size;
    std::uint64_t bus_width, burst_length;
    std::uint32_t mapping;
    std::uint64_t queue_depth;
    bool posted_writes;
    std::uint64_t write_buffer;
    std::uint32_t refresh;
    Tick tCK, tRCD, tCL, tCWL, tRP, tRAS, tBL, tCCD_S, tCCD_L, tRRD_S, tRRD_L, tFAW, tWR, tWTR_S, tWTR_L, tRTP;
    Tick tREFI, tRFC, tRFCpb;
    double act_energy, read_energy, write_energy, refresh_energy;
    double area_mm2;
    bool via_interconnect;
    bool lazy_wakeups;
  };

  struct State {
    Config cfg;
    Channel channels[kMaxChannels];
    Request requests[kMaxRequests];
    /// Each request's bursts whose RD/WR is not issued yet, apart from the table: a RD/WR checks its
    /// request's count before it issues, on the path from one command to the next (4 KiB stay in
    /// the cache where the table would not). 64 bits: a custom organisation can take a request of
    /// 2^32 bursts or more, which 32 bits would count wrong.
    std::uint64_t pending[kMaxRequests];
    std::uint32_t feed[kMaxRequests];        ///< requests with bursts not yet queued, oldest first
    std::uint8_t feed_channel[kMaxRequests]; ///< the channel feed[i] waits for; kFed: all queued
    // Requests in feed[] waiting for each channel: joined + moved (modulo 2^64), two counters so
    // that undoing a planned feed (moved, recorded) does not forget a request that arrived since
    // (joined, never undone).
    std::uint64_t waiters_joined[kMaxChannels];
    std::uint64_t waiters_moved[kMaxChannels];
    std::uint32_t feed_head; ///< feed[0, feed_head) are all queued
    std::uint32_t feed_count;
    std::uint32_t free_slots[kMaxRequests]; ///< unused request slots, a stack
    std::uint32_t free_count;
    std::uint32_t posted_count; ///< posted writes acknowledged and not yet written
    Tick need[kMaxChannels];    ///< earliest time a command can issue in each channel (kNever: nothing queued)
    std::uint32_t full;         ///< channels whose queue is full
    // Requests with bursts not yet queued: joined - queued (two counters, so that undoing a
    // planned feed does not forget a request that arrived since).
    std::uint64_t joined, queued;
    std::uint32_t wake_count;
    Tick wakes[kMaxWakes]; ///< pending wake-up events, earliest first
    std::uint32_t replies; ///< answers sent by the event being handled
    std::uint32_t lost_count;
    Tick lost[kMaxLost]; ///< wake-ups no longer tracked in wakes[] that still come (earliest first)
    std::uint32_t event_count;
    Tick events[kMaxWakes]; ///< wake-up events really scheduled and not yet handled, earliest first
    Tick blocked;           ///< the wake-up where planning stopped (it needs an event); kNever: none
    bool paused;            ///< ... in the middle of it: decide() goes on from paused_dirty at the event
    std::uint32_t paused_channel, paused_dirty; ///< the channel it stopped in, the channels still to run
    Tick paused_horizon;
    /// A queue entry left a channel that requests wait for: feed() has work. Not journaled: every
    /// decision that planning starts from or goes on to ends with nothing left to feed (false), so
    /// an undo leaves it false.
    bool refeed;
    bool exhausted;                                ///< the event ran out of its answer budget
    std::uint32_t opened;                          ///< the decision being planned: Step::wake.opened so far
    std::uint32_t undo_count, step_count, counted; ///< steps[0, counted) are decided and counted
    std::uint32_t reach;                           ///< planned steps not counted yet, at most (adapt_reach())
    std::uint32_t gap;             ///< steps counted between two arrivals that undid planned steps, smoothed
    std::uint32_t since;           ///< steps counted since the last such arrival (saturating)
    std::uint64_t tally[kTallies]; ///< counts and times of decided steps not yet in the statistics (count())
    Undo undo[kUndoRecords];
    Step steps[kPlannedSteps];
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
    kRejected,
    kReadLatency,
    kWriteLatency,
    kPostedWrites
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
      ARCHLAB_PARAM_CHOICE(Params, mapping, dram::kMapChoices.data(), "row_bank_column",
                           "address fields of a burst's number (address / burst bytes), most significant first: "
                           "row_bank_column = RoRaBaCoBgCh (a row is streamed across the bank groups), "
                           "row_column_bank = RoCoRaBaBgCh (consecutive bursts spread over every bank), or any "
                           "order of the six fields Ro (row), Ra (rank), Bg (bank group), Ba (bank), Co (column), "
                           "Ch (channel), each once, as Ramulator (RoRaBaCoBgCh) or DRAMsim3 (rorabacobgch) "
                           "write it"),
      ARCHLAB_PARAM_RANGE(Params, queue_depth, UInt, "32", "scheduler queue entries (bursts) per channel", 1.0,
                          kMaxQueue),
      ARCHLAB_PARAM(Params, posted_writes, Bool, "false",
                    "acknowledge a write (kMemWriteDone, energy 0: not reported) when it enters the controller "
                    "instead of when its data is written, while fewer than write_buffer such writes wait"),
      ARCHLAB_PARAM_RANGE(Params, write_buffer, UInt, "32",
                          "posted_writes: acknowledged writes not yet written, at most; a write arriving when the "
                          "buffer is full is answered when it is written",
                          1.0, 256.0),
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
      ARCHLAB_PARAM(Params, lazy_wakeups, Bool, "true",
                    "plan the scheduler's wake-ups ahead without events, undoing them when a request arrives "
                    "earlier (README: Lazy wake-ups); false: one event per wake-up, the eager model the lazy "
                    "one must equal in every decision, kept to check that (several times slower)"),
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
      {"read_latency", "ps", "sum over answered reads of the time from arrival to the answer (end of the data)"},
      {"write_latency", "ps",
       "sum over answered writes of the time from arrival to the answer (end of the data, or the "
       "acknowledgement of a posted write)"},
      {"posted_writes", "requests", "writes acknowledged on arrival (posted_writes)"},
  };
  static constexpr archlab::DerivedStatSpec derived[] = {
      {"mean_read_latency", "ps", "read_latency / reads", "read_latency", "reads"},
      {"mean_write_latency", "ps", "write_latency / writes", "write_latency", "writes"},
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
    c.queue_depth = static_cast<std::uint32_t>(p.queue_depth);
    c.posted = p.posted_writes;
    c.write_buffer = static_cast<std::uint32_t>(p.write_buffer);
    c.via_interconnect = p.via_interconnect;
    c.lazy = p.lazy_wakeups;
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
    const std::uint64_t field_count[dram::kMapFields] = {c.rows,    c.ranks,   c.groups, c.banks_per_group,
                                                         c.columns, c.channels};
    const dram::MapOrder order = dram::map_of_choice(p.mapping);
    c.map_bits = true;
    std::uint32_t shift = 0;
    for (std::uint32_t k = 0; k < dram::kMapFields; ++k) {
      const std::uint8_t field = order[dram::kMapFields - 1 - k];
      const std::uint64_t count = field_count[field];
      c.map_field[k] = field;
      c.map_count[k] = count;
      c.field_shift[field] = static_cast<std::uint8_t>(shift < 64 ? shift : 63);
      c.field_mask[field] = k + 1 == dram::kMapFields ? ~std::uint64_t{0} : count - 1;
      if (k + 1 < dram::kMapFields && (count & (count - 1)) != 0) c.map_bits = false;
      for (std::uint64_t left = count; left > 1 && shift < 64; left >>= 1)
        ++shift; // + log2(count) when a power of two (else unused)
    }
    c.undo_most = kUndoPerStep + kUndoPerFeed * c.channels * (c.queue_depth + 1);
    c.banks_per_rank = c.groups * c.banks_per_group;
    c.banks_per_channel = c.ranks * c.banks_per_rank;
    for (std::uint32_t b = 0; b < c.banks_per_channel; ++b) {
      c.bank_rank[b] = static_cast<std::uint8_t>(b / c.banks_per_rank);
      c.bank_group[b] = static_cast<std::uint8_t>(b / c.banks_per_group % c.groups);
      c.bank_rank_group[b] = static_cast<std::uint8_t>(c.bank_rank[b] * c.groups + c.bank_group[b]);
      c.rank_banks[c.bank_rank[b]] |= std::uint64_t{1} << b;
    }
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
    s.full = 0;
    for (std::uint32_t ci = 0; ci < kMaxChannels; ++ci) {
      s.need[ci] = kNever;
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
      for (std::uint32_t& slots : ch.bank_slots)
        slots = 0;
      ch.active = ch.entered = 0;
      ch.used = 0;
      ch.write_slots = 0;
      ch.stale_banks = ~std::uint64_t{0};
      ch.grown_banks = ch.popped_banks = 0;
      ch.last_valid = 0;
      ch.order_epoch = 0;
      ch.orders_wide = 0;
      ch.time_epoch = 0;
      ch.wide_banks = 0;
      for (std::uint64_t& key : ch.candidate_key)
        key = ~std::uint64_t{0};
      for (Tick& f : ch.floor)
        f = 0;
      ch.bus_floor[0] = ch.bus_floor[1] = 0;
      ch.floors_dirty = kAllFloors;
      ch.count = 0;
    }
    for (std::uint32_t i = 0; i < kMaxRequests; ++i) {
      s.requests[i] = Request{};
      s.pending[i] = 0;
      s.free_slots[i] = kMaxRequests - 1 - i; // slot 0 on top
    }
    s.free_count = kMaxRequests;
    s.posted_count = 0;
    s.feed_count = 0;
    s.joined = s.queued = 0;
    s.feed_head = 0;
    s.wake_count = 0;
    s.replies = 0;
    s.lost_count = 0;
    s.event_count = 0;
    s.blocked = kNever;
    s.paused = false;
    s.paused_channel = s.paused_dirty = 0;
    s.paused_horizon = 0;
    s.refeed = false;
    for (std::uint32_t ci = 0; ci < kMaxChannels; ++ci)
      s.waiters_joined[ci] = s.waiters_moved[ci] = 0;
    s.exhausted = false;
    s.undo_count = s.step_count = s.counted = 0;
    s.reach = kMinReach;
    s.gap = 0;
    s.since = 0;
    ctx.stat_add(kArea, p.area_mm2);
  }

  // ---------------------------------------------------------------------------------------------
  // The model (host and device)
  // ---------------------------------------------------------------------------------------------

  struct Location {
    std::uint32_t channel, bank, row;
  };

  /// Channel::slot_key of an entry of queue order `order` in slot `slot`.
  ARCHLAB_HD static std::uint64_t slot_key(std::uint64_t order, std::uint32_t slot) {
    return order << kSlotBits | slot;
  }

  /// The lowest field of `n` (`count` values), which then drops it.
  ARCHLAB_HD static std::uint32_t take(std::uint64_t& n, std::uint64_t count) {
    const std::uint64_t field = n % count;
    n /= count;
    return static_cast<std::uint32_t>(field);
  }

  ARCHLAB_HD static std::uint32_t bits(const Config& c, std::uint64_t burst, dram::MapField field) {
    return static_cast<std::uint32_t>(burst >> c.field_shift[field] & c.field_mask[field]);
  }

  /// Where burst number `burst` lies: the address map's fields, lowest first; the highest takes
  /// what is left (less than its count, since the request lies inside the capacity).
  ARCHLAB_HD static Location decode(const Config& c, std::uint64_t burst) {
    if (c.map_bits) { // the presets: bit ranges, no division
      return Location{bits(c, burst, dram::kChannelField),
                      (bits(c, burst, dram::kRankField) * c.groups + bits(c, burst, dram::kGroupField)) *
                              c.banks_per_group +
                          bits(c, burst, dram::kBankField),
                      bits(c, burst, dram::kRowField)};
    }
    std::uint64_t n = burst;
    std::uint32_t field[dram::kMapFields];
    for (std::uint32_t k = 0; k + 1 < dram::kMapFields; ++k)
      field[c.map_field[k]] = take(n, c.map_count[k]);
    field[c.map_field[dram::kMapFields - 1]] = static_cast<std::uint32_t>(n);
    return Location{field[dram::kChannelField],
                    (field[dram::kRankField] * c.groups + field[dram::kGroupField]) * c.banks_per_group +
                        field[dram::kBankField],
                    field[dram::kRowField]};
  }

  ARCHLAB_HD static std::uint32_t rank_of(const Config& c, std::uint32_t bank) { return c.bank_rank[bank]; }
  ARCHLAB_HD static std::uint32_t group_of(const Config& c, std::uint32_t bank) { return c.bank_group[bank]; }

  enum class Command : std::uint8_t { Cas = 0, Act = 1, Pre = 2, Refresh = 3, Wake = 4 };

  // --- The undo journal ---------------------------------------------------------------------

  /// Every change of State a planned step makes goes through here, so that it can be undone.
  /// kJournal (planning ahead: record every change so that it can be undone) is a template
  /// argument of everything that changes State in a decision: no step tests for it at run time.
  template <bool kJournal, class T> ARCHLAB_HD static void put(State& s, T& field, T value) {
    static_assert(sizeof(T) == 1 || sizeof(T) == 2 || sizeof(T) == 4 || sizeof(T) == 8, "restore() copies these");
    if constexpr (kJournal) {
      if (field == value) return; // no record for no change
      Undo& u = s.undo[s.undo_count++];
      u.offset = static_cast<std::uint32_t>(reinterpret_cast<char*>(&field) - reinterpret_cast<char*>(&s));
      u.kind = sizeof(T);
      u.old = 0;
      memcpy(&u.old, &field, sizeof(T));
    }
    field = value;
  }

  template <bool kJournal>
  ARCHLAB_HD static void record(State& s, std::uint32_t kind, std::uint32_t offset, std::uint64_t old) {
    if constexpr (kJournal) s.undo[s.undo_count++] = Undo{offset, kind, old};
  }

  /// Write back the `size` old bytes of a put(): one fixed-size copy per size (a copy of a
  /// variable size is a call into the C library, 3.5% of the edge machine's time).
  ARCHLAB_HD static void restore(char* field, std::uint64_t old, std::uint32_t size) {
    if (size == 8) {
      memcpy(field, &old, 8);
    } else if (size == 4) {
      memcpy(field, &old, 4);
    } else if (size == 2) {
      memcpy(field, &old, 2);
    } else {
      memcpy(field, &old, 1);
    }
  }

  /// Undo the planned steps decided after `now`, newest first.
  ARCHLAB_HD static void rollback(State& s, Tick now) {
    if (s.step_count == s.counted || s.steps[s.step_count - 1].decided <= now) return; // nothing to undo
    adapt_reach(s);
    s.refeed = false;          // see State::refeed
    std::uint32_t touched = 0; // channels whose state changed back
    while (s.step_count > s.counted && s.steps[s.step_count - 1].decided > now) {
      const Step& step = s.steps[--s.step_count];
      while (s.undo_count > step.undo_begin) {
        const Undo& u = s.undo[--s.undo_count];
        if (u.kind == kUndoQueueInsert) {
          const std::uint32_t ci = u.offset >> 8, i = u.offset & 0xffu;
          Channel& ch = s.channels[ci];
          const std::uint32_t bank = ch.queue[i].bank; // still the entry put in: what came later is undone
          if (ch.count-- == s.cfg.queue_depth) s.full &= ~(1u << ci);
          ch.used &= ~(1u << i);
          --ch.entered;
          ch.bank_slots[bank] &= ~(1u << i);
          if (ch.bank_slots[bank] == 0) ch.active &= ~(std::uint64_t{1} << bank);
          touched |= 1u << ci;
        } else if (u.kind == kUndoProgress) {
          const std::uint8_t waits = s.feed_channel[u.offset]; // as the feed left it
          Request& q = s.requests[s.feed[u.offset]];
          q.next_burst = u.old;
          locate_next(s.cfg, q);
          const std::uint8_t waited = static_cast<std::uint8_t>(q.next_channel);
          if (waits != waited) {
            ++s.waiters_moved[waited];
            if (waits != kFed) --s.waiters_moved[waits];
          }
          if (waits == kFed) --s.queued;
          s.feed_channel[u.offset] = waited;
        } else {
          restore(reinterpret_cast<char*>(&s) + u.offset, u.old, u.kind);
          touched |= channel_bit(u.offset);
        }
      }
      if (step.kind == static_cast<std::uint8_t>(Command::Cas)) {
        unissue_cas(s, step);
        touched |= 1u << step.channel;
      } else if (step.kind == static_cast<std::uint8_t>(Command::Act)) {
        unissue_act(s, step);
        touched |= 1u << step.channel;
      } else if (step.kind == static_cast<std::uint8_t>(Command::Wake)) {
        for (std::uint32_t k = 0; k < kMaxWakes; ++k)
          s.wakes[k] = step.old[kWakeList + k];
        s.wake_count = static_cast<std::uint32_t>(step.old[kWakeCount]);
      }
    }
    // Their cached FR-FCFS candidates and floors may depend on what changed back: all are found
    // again (once per undo, cheaper than working out which).
    for (; touched != 0; touched &= touched - 1) {
      Channel& ch = s.channels[lowest_bit(touched)];
      ch.last_valid = 0;
      ch.floors_dirty = kAllFloors;
      ch.stale_banks = ~std::uint64_t{0};
    }
  }

  /// An arrival undoes planned steps: the reach becomes sqrt(G * kEventSteps), within [kMinReach,
  /// kPlannedSteps], G the steps counted between two such arrivals, smoothed over the last few.
  ARCHLAB_HD static void adapt_reach(State& s) {
    const std::uint64_t gap = (3 * std::uint64_t{s.gap} + s.since) / 4;
    s.gap = static_cast<std::uint32_t>(gap);
    s.since = 0;
    const std::uint64_t square = gap * kEventSteps;
    std::uint64_t root = 0; // the integer square root, bit by bit (the same on every engine)
    for (std::uint64_t bit = std::uint64_t{1} << 31; bit != 0; bit >>= 1)
      if ((root + bit) * (root + bit) <= square) root += bit;
    s.reach = static_cast<std::uint32_t>(root < kMinReach ? kMinReach : root > kPlannedSteps ? kPlannedSteps : root);
  }

  /// The channel whose state holds byte `offset` of State, as a bit (0: none).
  ARCHLAB_HD static std::uint32_t channel_bit(std::uint32_t offset) {
    const std::uint32_t first = static_cast<std::uint32_t>(offsetof(State, channels));
    if (offset < first || offset >= first + sizeof(State::channels)) return 0;
    return 1u << ((offset - first) / sizeof(Channel));
  }

  /// The statistics of a decided step: the energy at once (a sum of doubles, in the order of the
  /// commands), the counts and times into State::tally (added up exactly, flush_tally()).
  ARCHLAB_HD static void count(State& s, const Step& step, archlab::Context& ctx) {
    const Config& c = s.cfg;
    if (step.kind == static_cast<std::uint8_t>(Command::Cas)) {
      ++s.tally[kTallyCas];
      ctx.stat_add(kEnergy, step.removed.write ? c.write_energy : c.read_energy);
    } else if (step.kind == static_cast<std::uint8_t>(Command::Act)) {
      ++s.tally[kTallyAct];
      ctx.stat_add(kEnergy, c.act_energy);
    } else if (step.kind == static_cast<std::uint8_t>(Command::Refresh) && step.refreshes > 0) {
      const double commands = static_cast<double>(step.refreshes);
      ctx.stat_add(kRefreshes, commands);
      ctx.stat_add(kEnergy, commands * c.refresh_energy);
    }
    if (step.row_class != 0) {
      ++s.tally[kTallyRowClass + step.row_class - 1 - kRowHits];
      s.tally[kTallyQueueDelay] += step.queue_delay;
    }
  }

  /// Hand the tallied counts and times to their statistics (at the end of every event, so that
  /// the statistics are the same between events as if each command had added its own). They are
  /// whole numbers, added up exactly either way as long as a sum stays below 2^53.
  ARCHLAB_HD static void flush_tally(State& s, archlab::Context& ctx) {
    const Config& c = s.cfg;
    constexpr Stat stats[kTallies] = {kBusyTime, kActivates, kRowHits, kRowMisses, kRowConflicts, kQueueDelay};
    for (std::uint32_t k = 0; k < kTallies; ++k) {
      if (s.tally[k] == 0) continue;
      const std::uint64_t value = k == kTallyCas ? s.tally[k] * c.tBL : s.tally[k];
      ctx.stat_add(stats[k], static_cast<double>(value));
      s.tally[k] = 0;
    }
  }

  /// Count the planned steps decided by now; forget the journal once nothing planned is left in it.
  ARCHLAB_HD static void count_decided(State& s, Tick now, archlab::Context& ctx) {
    const std::uint32_t before = s.counted;
    while (s.counted < s.step_count && s.steps[s.counted].decided <= now)
      count(s, s.steps[s.counted++], ctx);
    const std::uint32_t counted = s.counted - before;
    s.since = s.since + counted < s.since ? ~std::uint32_t{0} : s.since + counted;
    if (s.counted == s.step_count) s.undo_count = s.step_count = s.counted = 0;
  }

  /// Room for one more planned step that may write `records` undo records: drop the committed
  /// steps from the front when that helps.
  ARCHLAB_HD static bool journal_has_room(State& s, std::uint32_t records) {
    if (s.step_count < kPlannedSteps && s.undo_count + records <= kUndoRecords) return true;
    if (s.counted == 0) return false;
    const std::uint32_t first_undo = s.steps[s.counted].undo_begin;
    for (std::uint32_t k = s.counted; k < s.step_count; ++k) {
      s.steps[k - s.counted] = s.steps[k];
      s.steps[k - s.counted].undo_begin -= first_undo;
    }
    for (std::uint32_t k = first_undo; k < s.undo_count; ++k) {
      Undo u = s.undo[k];
      s.undo[k - first_undo] = u;
    }
    s.step_count -= s.counted;
    s.undo_count -= first_undo;
    s.counted = 0;
    return s.step_count < kPlannedSteps && s.undo_count + records <= kUndoRecords;
  }

  /// Room for one more planned step and the feed after it: undo_bound() is worked out only when
  /// the journal is nearly full (what it can be at most leaves room otherwise).
  ARCHLAB_HD static bool journal_has_room_for_step(State& s) {
    const Config& c = s.cfg;
    if (s.step_count - s.counted >= s.reach) return false; // planned far enough
    if (s.step_count < kPlannedSteps && s.undo_count + c.undo_most <= kUndoRecords) return true;
    return journal_has_room(s, undo_bound(s));
  }

  /// The most undo records a step can write, with the feed that may follow it in the same
  /// decision: while requests wait, bursts may go into every free slot of every queue (and the
  /// slot a RD/WR frees).
  ARCHLAB_HD static std::uint32_t undo_bound(const State& s) {
    std::uint32_t records = kUndoPerStep;
    if (waiting(s)) {
      for (std::uint32_t ci = 0; ci < s.cfg.channels; ++ci)
        records += kUndoPerFeed * (s.cfg.queue_depth - s.channels[ci].count + 1);
    }
    return records;
  }

  // --- Commands ------------------------------------------------------------------------------

  /// `step` is the first command of entry `e`'s burst: its row class and queue delay are counted.
  ARCHLAB_HD static void count_first(const Entry& e, Stat row_class, Tick at, Step& step) {
    step.row_class = static_cast<std::uint8_t>(row_class + 1);
    step.queue_delay = at - e.arrival;
  }

  template <bool kJournal>
  ARCHLAB_HD static void first_command(State& s, Entry& e, Stat row_class, Tick at, Step& step) {
    if (e.started) return;
    put<kJournal>(s, e.started, std::uint8_t{1});
    count_first(e, row_class, at, step);
  }

  template <bool kJournal>
  ARCHLAB_DRAM_HOST_OUTLINE ARCHLAB_HD static void issue_pre(State& s, Channel& ch, Entry& e, Tick at, Step& step) {
    const Config& c = s.cfg;
    Bank& b = ch.banks[e.bank];
    put<kJournal>(s, b.open_row, kNoRow);
    put<kJournal>(s, b.next_act, max2(b.next_act, at + c.tRP));
    ch.stale_banks |= std::uint64_t{1} << e.bank;
    ch.last_valid = 0;
    first_command<kJournal>(s, e, kRowConflicts, at, step);
  }

  /// A planned RD/WR or ACT's step keeps where it is and its request's energy, as it was.
  ARCHLAB_HD static void keep_place(Step& step, std::uint32_t ci, std::uint32_t i, const Request& q) {
    static_assert(kCasEnergy == 0 && kActEnergy == 0, "both keep the energy first");
    step.channel = static_cast<std::uint8_t>(ci);
    step.slot = static_cast<std::uint8_t>(i);
    memcpy(&step.old[0], &q.energy, sizeof(double));
  }

  template <bool kJournal>
  ARCHLAB_DRAM_HOST_OUTLINE ARCHLAB_HD static void issue_act(State& s, std::uint32_t ci, std::uint32_t i, Tick at,
                                                             Step& step) {
    const Config& c = s.cfg;
    Channel& ch = s.channels[ci];
    Entry& e = ch.queue[i];
    Request& q = s.requests[e.request];
    Bank& b = ch.banks[e.bank];
    Rank& r = ch.ranks[rank_of(c, e.bank)];
    const std::uint32_t g = group_of(c, e.bank);
    if constexpr (kJournal) {
      keep_place(step, ci, i, q);
      step.old[kActNextPre] = b.next_pre;
      step.old[kActCasReady] = b.cas_ready;
      step.old[kActNextAct] = b.next_act;
      step.old[kActRankAct] = r.next_act;
      step.old[kActGroupAct] = r.group[g].next_act;
      step.old[kActFaw] = r.faw[r.faw_pos];
      step.old[kActFawPos] = std::uint64_t{b.open_row} << 32 | r.faw_pos;
    }
    q.energy += c.act_energy;
    b.open_row = ch.slot_row[i];
    b.cas_ready = at + c.tRCD;
    b.next_pre = max2(b.next_pre, at + c.tRAS);
    b.next_act = max2(b.next_act, at + c.tRAS + c.tRP);
    r.next_act = max2(r.next_act, at + c.tRRD_S);
    r.group[g].next_act = max2(r.group[g].next_act, at + c.tRRD_L);
    r.faw[r.faw_pos] = at + c.tFAW;
    r.faw_pos = (r.faw_pos + 1) % 4;
    ch.floors_dirty |= 1u << rank_of(c, e.bank);
    ch.stale_banks |= std::uint64_t{1} << e.bank;
    ch.last_valid = 0;
    first_command<kJournal>(s, e, kRowMisses, at, step);
  }

  /// Undo a planned ACT (its Undo records are undone already).
  ARCHLAB_HD static void unissue_act(State& s, const Step& step) {
    const Config& c = s.cfg;
    Channel& ch = s.channels[step.channel];
    const Entry& e = ch.queue[step.slot]; // still there: the steps after it are undone
    Bank& b = ch.banks[e.bank];
    Rank& r = ch.ranks[rank_of(c, e.bank)];
    const std::uint32_t g = group_of(c, e.bank);
    memcpy(&s.requests[e.request].energy, &step.old[kActEnergy], sizeof(double));
    b.next_pre = step.old[kActNextPre];
    b.cas_ready = step.old[kActCasReady];
    b.next_act = step.old[kActNextAct];
    r.next_act = step.old[kActRankAct];
    r.group[g].next_act = step.old[kActGroupAct];
    r.faw_pos = static_cast<std::uint32_t>(step.old[kActFawPos]);
    b.open_row = static_cast<std::uint32_t>(step.old[kActFawPos] >> 32);
    r.faw[r.faw_pos] = step.old[kActFaw];
  }

  /// RD/WR for queue entry `i` of channel `ci` at `at`; the entry leaves the queue. Returns its
  /// request when this was its last burst.
  template <bool kJournal>
  ARCHLAB_HD static Request* issue_cas(State& s, std::uint32_t ci, std::uint32_t i, Tick at, Step& step) {
    return s.channels[ci].queue[i].write ? issue_cas_as<kJournal, true>(s, ci, i, at, step)
                                         : issue_cas_as<kJournal, false>(s, ci, i, at, step);
  }

  /// issue_cas() of a WR (kWrite) or a RD.
  template <bool kJournal, bool kWrite>
  ARCHLAB_HD static Request* issue_cas_as(State& s, std::uint32_t ci, std::uint32_t i, Tick at, Step& step) {
    const Config& c = s.cfg;
    Channel& ch = s.channels[ci];
    Entry& e = ch.queue[i];
    Bank& b = ch.banks[e.bank];
    Rank& r = ch.ranks[rank_of(c, e.bank)];
    const std::uint32_t g = group_of(c, e.bank);
    const Tick data_end = at + (kWrite ? c.tCWL : c.tCL) + c.tBL;
    Request& q = s.requests[e.request];
    step.removed = e;
    if constexpr (kJournal) {
      keep_place(step, ci, i, q);
      step.removed_key = ch.slot_key[i];
      step.removed_row = ch.slot_row[i];
      step.old[kCasDone] = q.done;
      step.old[kCasNextPre] = b.next_pre;
      step.old[kCasNextCas] = ch.next_cas;
      step.old[kCasGroupCas] = r.group[g].next_cas;
      step.old[kCasReadFree] = ch.read_data_free;
      step.old[kCasWriteFree] = ch.write_data_free;
      if constexpr (kWrite) { // a RD leaves them as they are (unissue_cas())
        step.old[kCasWtr] = r.read_after_write;
        step.old[kCasGroupWtr] = r.group[g].read_after_write;
      }
    }
    GroupTimes& group = r.group[g];
    const Tick next_cas = max2(ch.next_cas, at + c.tCCD_S);
    const Tick group_cas = max2(group.next_cas, at + c.tCCD_L);
    ch.next_cas = next_cas;
    group.next_cas = group_cas;
    Tick read_free = max2(ch.read_data_free, data_end);
    Tick write_free = ch.write_data_free;
    Tick rank_wtr = r.read_after_write;
    if constexpr (kWrite) {
      write_free = max2(write_free, data_end);
      rank_wtr = max2(rank_wtr, data_end + c.tWTR_S);
      r.read_after_write = rank_wtr;
      group.read_after_write = max2(group.read_after_write, data_end + c.tWTR_L);
      b.next_pre = max2(b.next_pre, data_end + c.tWR);
    } else {
      write_free = max2(write_free, data_end + 2 * c.tCK);
      b.next_pre = max2(b.next_pre, at + c.tRTP);
    }
    ch.read_data_free = read_free;
    ch.write_data_free = write_free;
    // The floors it raised, worked out here from the values at hand (refloor() would load them
    // back right after these stores, on the path from one command to the next): the bus floors,
    // the RD and WR floors of its group, and for a WR the RD floors of its rank's other groups,
    // which rise to the rank's read_after_write (floors only rise between two undos, and an
    // undo works them all out again).
    set_bus_floors(c, ch, next_cas, read_free, write_free);
    if constexpr (kWrite) {
      const std::uint32_t first = 4 * rank_of(c, e.bank) * c.groups + 2;
      for (std::uint32_t f = first; f < first + 4 * c.groups; f += 4)
        ch.floor[f] = max2(ch.floor[f], rank_wtr);
    }
    set_cas_floors(ch, c.bank_rank_group[e.bank], rank_wtr, group_cas, group.read_after_write);
    q.energy += kWrite ? c.write_energy : c.read_energy;
    if (!e.started) count_first(e, kRowHits, at, step); // the entry leaves: `started` stays as in step.removed
    q.done = max2(q.done, data_end);
    const std::uint64_t left = --s.pending[e.request];
    if (ch.count-- == c.queue_depth) s.full &= ~(1u << ci);
    ch.used &= ~(1u << i);
    ch.bank_slots[e.bank] &= ~(1u << i);
    if (ch.bank_slots[e.bank] == 0) ch.active &= ~(std::uint64_t{1} << e.bank);
    // It took its bank's candidate, the first of the bank's hits: the next one follows.
    ch.hit_first[e.bank] = ch.hit_next[i];
    ch.popped_banks |= std::uint64_t{1} << e.bank;
    ch.last_valid = 0;
    // Every waiting request waits for a full queue (feed_all() leaves them so): only a slot of a
    // channel that one waits for gives feed_all() work.
    if (s.waiters_joined[ci] + s.waiters_moved[ci] != 0) s.refeed = true;
    return left == 0 ? &q : nullptr;
  }

  /// Undo a planned RD/WR (its Undo records are undone already): its entry goes back in its slot.
  ARCHLAB_HD static void unissue_cas(State& s, const Step& step) {
    const Config& c = s.cfg;
    const std::uint32_t ci = step.channel, i = step.slot;
    Channel& ch = s.channels[ci];
    const Entry& e = step.removed;
    Bank& b = ch.banks[e.bank];
    Rank& r = ch.ranks[rank_of(c, e.bank)];
    const std::uint32_t g = group_of(c, e.bank);
    Request& q = s.requests[e.request];
    memcpy(&q.energy, &step.old[kCasEnergy], sizeof(double));
    q.done = step.old[kCasDone];
    b.next_pre = step.old[kCasNextPre];
    ch.next_cas = step.old[kCasNextCas];
    r.group[g].next_cas = step.old[kCasGroupCas];
    ch.read_data_free = step.old[kCasReadFree];
    ch.write_data_free = step.old[kCasWriteFree];
    if (e.write) {
      r.read_after_write = step.old[kCasWtr];
      r.group[g].read_after_write = step.old[kCasGroupWtr];
    }
    ++s.pending[e.request];
    ch.queue[i] = e;
    ch.slot_key[i] = step.removed_key;
    ch.slot_row[i] = step.removed_row;
    ch.slot_request[i] = e.request;
    ch.used |= 1u << i;
    ch.write_slots = e.write ? ch.write_slots | 1u << i : ch.write_slots & ~(1u << i);
    if (++ch.count == c.queue_depth) s.full |= 1u << ci;
    ch.bank_slots[e.bank] |= 1u << i;
    ch.active |= std::uint64_t{1} << e.bank;
  }

  /// Request `q` is done (its last burst's data ends at q.done): answer it, unless it is a posted
  /// write (answered on arrival), and free its slot.
  ARCHLAB_HD static void answer(State& s, Request& q, archlab::Context& ctx) {
    if (q.posted) {
      --s.posted_count;
    } else {
      reply(q, q.done, q.energy, ctx);
    }
    s.free_slots[s.free_count++] = static_cast<std::uint32_t>(&q - s.requests);
    ++s.replies;
  }

  /// The answer to request `q`, leaving at `at`, with its statistics.
  ARCHLAB_HD static void reply(const Request& q, Tick at, double energy, archlab::Context& ctx) {
    ctx.stat_add(q.write ? kWrites : kReads, 1.0);
    ctx.stat_add(kBytes, static_cast<double>(q.bytes));
    ctx.stat_add(q.write ? kWriteLatency : kReadLatency, static_cast<double>(at - q.arrival));
    ctx.send(kResp, at - ctx.now(), q.write ? protocol::kMemWriteDone : protocol::kMemReadDone,
             archlab::Payload{{q.address, q.bytes, protocol::energy_bits(energy), q.tag}}, q.requester, q.route);
  }

  /// Refresh of rank `ri`, due at r.next_refresh (<= `limit`). A long idle stretch is skipped in
  /// whole rounds (every bank refreshed once), which leaves the banks as they were: precharged
  /// and free. Returns the banks it changed (their FR-FCFS candidates must be found again).
  template <bool kJournal>
  ARCHLAB_DRAM_HOST_OUTLINE ARCHLAB_HD static std::uint64_t refresh_rank(State& s, Channel& ch, std::uint32_t ri,
                                                                         Tick limit, Step& step) {
    const Config& c = s.cfg;
    Rank& r = ch.ranks[ri];
    const std::uint32_t first = ri * c.banks_per_rank;
    const bool per_bank = c.refresh == dram::RefreshMode::PerBank;
    const Tick due = r.next_refresh;
    const Tick round = per_bank ? c.refresh_interval * c.banks_per_rank : c.refresh_interval;
    if (round > 0 && limit > due && limit - due > 2 * round) { // rounds behind: skip them if idle
      bool idle = true;
      for (std::uint32_t b = first; b < first + c.banks_per_rank; ++b)
        idle = idle && ch.banks[b].open_row == kNoRow && ch.banks[b].next_act <= due;
      if (idle) {
        const std::uint64_t rounds = (limit - due) / round - 1;
        step.refreshes = rounds * (per_bank ? c.banks_per_rank : 1);
        put<kJournal>(s, r.next_refresh, r.next_refresh + rounds * round);
        return 0;
      }
    }
    if (per_bank) {
      // Every bank once per round, in the order that disturbs least: of the banks not refreshed
      // yet, an idle one (no queued burst) used most recently, else the lowest.
      // (The latest next_pre among the idle ones, the highest bank at a tie.)
      const std::uint64_t all = c.banks_per_rank == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << c.banks_per_rank) - 1;
      const std::uint64_t left = all & ~r.refreshed; // never empty: a finished round starts again
      const std::uint64_t idle_left = left & ~(ch.active >> first);
      std::uint32_t pick = lowest_bit64(idle_left != 0 ? idle_left : left);
      for (std::uint64_t rest = idle_left & (idle_left - 1); rest != 0; rest &= rest - 1) {
        const std::uint32_t j = lowest_bit64(rest);
        if (ch.banks[first + j].next_pre >= ch.banks[first + pick].next_pre) pick = j;
      }
      Bank& b = ch.banks[first + pick];
      const Tick start = b.open_row != kNoRow ? max2(due, b.next_pre) + c.tRP : max2(due, b.next_act);
      put<kJournal>(s, b.open_row, kNoRow);
      put<kJournal>(s, b.next_act, max2(b.next_act, start + c.tRFCpb));
      const std::uint64_t done = r.refreshed | std::uint64_t{1} << pick;
      put<kJournal>(s, r.refreshed, done == all ? std::uint64_t{0} : done);
      put<kJournal>(s, r.next_refresh, r.next_refresh + c.refresh_interval);
      step.refreshes = 1;
      return std::uint64_t{1} << (first + pick);
    }
    // All-bank: the whole rank at once, when its last bank can take it.
    Tick start = due;
    for (std::uint32_t b = first; b < first + c.banks_per_rank; ++b) {
      const Bank& bank = ch.banks[b];
      start = max2(start, bank.open_row != kNoRow ? max2(due, bank.next_pre) + c.tRP : bank.next_act);
    }
    for (std::uint32_t b = first; b < first + c.banks_per_rank; ++b) {
      put<kJournal>(s, ch.banks[b].open_row, kNoRow);
      put<kJournal>(s, ch.banks[b].next_act, max2(ch.banks[b].next_act, start + c.tRFC));
    }
    put<kJournal>(s, r.next_refresh, r.next_refresh + c.refresh_interval);
    step.refreshes = 1;
    return c.rank_banks[ri];
  }

  // --- Scheduling ----------------------------------------------------------------------------

  /// FR-FCFS over channel `ch`'s queue, no command before `now`: per bank one candidate (its
  /// oldest hit, else the oldest entry's PRE or ACT); the earliest candidate wins, a RD/WR before a
  /// row command, then the oldest. And the channel's next refresh (ch.last_due). The answer is
  /// returned in registers and kept in ch.last_* for the next call.
  /// candidate()'s answer, in registers (16 bytes): the time and the slot (kMaxQueue: none) of the
  /// winner, and its command.
  struct Answer {
    Tick time;
    std::uint32_t slot;
    std::uint32_t command;
  };

  ARCHLAB_HD static Answer candidate(State& s, Channel& ch, Tick now) {
    // Every candidate's time is max(its own limits, now): with nothing changed, an answer found
    // earlier that is not in the past is still the answer (ties and all). That is the case at the
    // wake-up for the winner itself, at last_time.
    const std::uint64_t changed = ch.stale_banks | ch.grown_banks | ch.popped_banks;
    const bool standing = ch.last_valid && (ch.last_now == now || ch.last_time >= now);
    if (standing && changed == 0) return Answer{ch.last_time, ch.last_slot, ch.last_command};
    // Since the last answer only bursts came in (no command, no undo) and it is not in the past:
    // the banks they went to compete with the last winner, unless it is one of them. The other
    // banks still lose to it: a bank's time is max(its limits, now), and one that was at least
    // the winner's, itself at least the new now, is its limits' alone, then and now.
    const bool fed_only = standing && (ch.last_bank == kMaxBanks || (changed >> ch.last_bank & 1u) == 0);
    const Answer answer = fed_only ? find_candidate<true>(s, ch, now) : find_candidate<false>(s, ch, now);
    ch.last_valid = 1;
    ch.last_now = now;
    return answer;
  }

  ARCHLAB_HD static std::uint64_t key_low(bool row_command, std::uint64_t age, std::uint32_t bank) {
    return static_cast<std::uint64_t>(row_command) << (kKeyAgeBits + 6) |
           (age & ((std::uint64_t{1} << kKeyAgeBits) - 1)) << 6 | bank;
  }

  /// A candidate's order did not fit in its key (order_epoch is too far back, or an entry put
  /// back by an undo is older than it): count the orders from the oldest candidate again, and
  /// note whether they fit now (they do unless an entry waited while 2^16 others entered).
  ARCHLAB_DRAM_HOST_OUTLINE ARCHLAB_HD static void refit_orders(Channel& ch) {
    std::uint64_t oldest = ~std::uint64_t{0};
    for (std::uint64_t banks = ch.active; banks != 0; banks &= banks - 1) {
      const std::uint64_t order = ch.candidate_rank[lowest_bit64(banks)] & kOrderMask;
      oldest = order < oldest ? order : oldest;
    }
    ch.order_epoch = oldest;
    ch.orders_wide = 0;
    for (std::uint64_t banks = ch.active; banks != 0; banks &= banks - 1) {
      const std::uint32_t bank = lowest_bit64(banks);
      const std::uint64_t rank = ch.candidate_rank[bank];
      const std::uint64_t age = (rank & kOrderMask) - oldest;
      ch.orders_wide |= static_cast<std::uint8_t>((age >> kKeyAgeBits) != 0);
      ch.candidate_low[bank] = key_low((rank >> 63) != 0, age, bank);
    }
  }

  /// The data bus floors of the channel's RD and WR (bus_floor): tCCD_S after its last RD/WR
  /// (`next_cas`), and when the read or write data can start on the bus, less its latency.
  ARCHLAB_HD static void set_bus_floors(const Config& c, Channel& ch, Tick next_cas, Tick read_free, Tick write_free) {
    ch.bus_floor[0] = max2(next_cas, sub_floor(read_free, c.tCL));
    ch.bus_floor[1] = max2(next_cas, sub_floor(write_free, c.tCWL));
  }

  /// The RD and WR floors of (rank, group) `k`: its rank's and group's write-to-read turnarounds
  /// and the group's tCCD_L (`group_cas`).
  ARCHLAB_HD static void set_cas_floors(Channel& ch, std::uint32_t k, Tick rank_wtr, Tick group_cas, Tick group_wtr) {
    ch.floor[4 * k + 2] = max2(rank_wtr, max2(group_cas, group_wtr));
    ch.floor[4 * k + 3] = group_cas;
  }

  /// Work out the floors that floors_dirty names again.
  ARCHLAB_DRAM_HOST_OUTLINE ARCHLAB_HD static void refloor(const Config& c, Channel& ch) {
    if ((ch.floors_dirty & kCasFloors) != 0) {
      set_bus_floors(c, ch, ch.next_cas, ch.read_data_free, ch.write_data_free);
      for (std::uint32_t r = 0; r < c.ranks; ++r) {
        const Rank& rank = ch.ranks[r];
        for (std::uint32_t g = 0; g < c.groups; ++g)
          set_cas_floors(ch, r * c.groups + g, rank.read_after_write, rank.group[g].next_cas,
                         rank.group[g].read_after_write);
      }
    }
    for (std::uint32_t ranks = ch.floors_dirty & (kCasFloors - 1); ranks != 0; ranks &= ranks - 1) {
      const std::uint32_t r = lowest_bit(ranks);
      if (r >= c.ranks) continue;
      const Rank& rank = ch.ranks[r];
      const Tick rank_act = max2(rank.next_act, rank.faw[rank.faw_pos]);
      for (std::uint32_t g = 0; g < c.groups; ++g)
        ch.floor[4 * (r * c.groups + g) + 1] = max2(rank_act, rank.group[g].next_act);
    }
    ch.floors_dirty = 0;
  }

  /// The kind of floor `floor` (Channel::candidate_floor) is: 0 PRE, 1 ACT, 2 RD, 3 WR.
  ARCHLAB_HD static std::uint32_t floor_kind(std::uint32_t floor) { return floor & 3u; }

  /// A search's keys: what the floors of each kind are raised to (the bus floors and now, by
  /// floor_kind()), the epoch, and what the banks keyed so far gave.
  struct Keys {
    const Tick* base; ///< by floor_kind(), an array of the search's own (the scalars below stay in registers)
    Tick epoch;
    std::uint64_t times;  ///< the banks' own times after the epoch, or-ed: one is too wide for its key when >= 2^41
    std::uint64_t spread; ///< the floors' times after the epoch, or-ed: too wide for a key when >= 2^41
    std::uint64_t best;   ///< the least of their keys with the floors and now put in
  };

  /// What floor `f` (a candidate's) allows with its kind's bus floor and now put in (`base`).
  ARCHLAB_HD static Tick floor_time(const Channel& ch, std::uint32_t f, const Tick* base) {
    return max2(ch.floor[f], base[floor_kind(f)]);
  }

  /// Bank `bank`'s key, from its candidate's bank time, low bits and floor (kept in candidate_key
  /// without the floors and now, which the search puts in); the key with them joins `keys`.
  ARCHLAB_HD static void key_bank(Channel& ch, std::uint32_t bank, Tick bank_time, std::uint64_t low, std::uint32_t f,
                                  Keys& keys) {
    const Tick at = sub_floor(bank_time, keys.epoch);
    keys.times |= at;
    const std::uint64_t key = at << (64 - kKeyTimeBits) | low;
    ch.candidate_key[bank] = key;
    const Tick floor = floor_time(ch, f, keys.base) - keys.epoch;
    keys.spread |= floor;
    keys.best = min2(keys.best, max2(key, floor << (64 - kKeyTimeBits) | low));
  }

  /// Bank `bank`'s candidate is queue slot `i` (of queue order `order`): its hit when `has_hit`,
  /// else its oldest entry; its key joins `keys` (worked out from the values at hand: the search
  /// reads it back no more). Returns whether its order does not fit in its key (refit_orders()).
  ARCHLAB_HD static bool set_candidate(const Config& c, Channel& ch, std::uint32_t bank, std::uint32_t i,
                                       std::uint64_t order, bool has_hit, Keys& keys) {
    const Bank& b = ch.banks[bank];
    const Command command = has_hit ? Command::Cas : b.open_row == kNoRow ? Command::Act : Command::Pre;
    const std::uint32_t k = c.bank_rank_group[bank];
    ch.candidate_slot[bank] = static_cast<std::uint8_t>(i);
    ch.candidate_command[bank] = static_cast<std::uint8_t>(command);
    ch.candidate_rank[bank] = (has_hit ? 0 : std::uint64_t{1} << 63) | order;
    const std::uint64_t age = order - ch.order_epoch;
    const std::uint64_t low = key_low(!has_hit, age, bank);
    ch.candidate_low[bank] = low;
    const Tick bank_times[3] = {b.cas_ready, b.next_act, b.next_pre}; // by Command
    const Tick bank_time = bank_times[static_cast<std::uint32_t>(command)];
    ch.candidate_bank_time[bank] = bank_time;
    // The floor: 0 for a PRE, else 4 (rank, group) + (1 ACT, 2 RD, 3 WR).
    const std::uint32_t kind = has_hit ? 2u + (ch.write_slots >> i & 1u) : 1u;
    const std::uint32_t f = command == Command::Pre ? 0 : 4 * k + kind;
    ch.candidate_floor[bank] = static_cast<std::uint8_t>(f);
    key_bank(ch, bank, bank_time, low, f, keys);
    return (age >> kKeyAgeBits) != 0;
  }

  /// A stale bank's new candidate (list_hits()): the slot key of its oldest hit, else of its
  /// oldest entry.
  struct Chosen {
    std::uint64_t key;
    bool hit;
  };

  /// Build bank `bank`'s list of hits (entries of its open row, oldest first: hit_first,
  /// hit_next, hit_last) from its queue slots, and return its candidate. Kept out of line on the
  /// CPU: the search runs it for stale banks only, and inlined, its loops took registers that the
  /// search then spilled on its common path.
  ARCHLAB_DRAM_HOST_OUTLINE ARCHLAB_HD static Chosen list_hits(Channel& ch, std::uint32_t bank) {
    const std::uint32_t open = ch.banks[bank].open_row;
    // The oldest entry, and the hits in order of age (keys are unique): few, sorted by insertion.
    std::uint64_t oldest = ~std::uint64_t{0};
    std::uint64_t hits[kMaxQueue];
    std::uint32_t count = 0;
    for (std::uint32_t slots = ch.bank_slots[bank]; slots != 0; slots &= slots - 1) {
      const std::uint32_t i = lowest_bit(slots);
      const std::uint64_t key = ch.slot_key[i];
      oldest = min2(oldest, key);
      if (ch.slot_row[i] != open) continue;
      std::uint32_t k = count++;
      for (; k > 0 && hits[k - 1] > key; --k)
        hits[k] = hits[k - 1];
      hits[k] = key;
    }
    ch.hit_first[bank] = count > 0 ? static_cast<std::uint8_t>(hits[0] & kSlotMask) : kNoSlot;
    for (std::uint32_t k = 0; k < count; ++k)
      ch.hit_next[hits[k] & kSlotMask] = k + 1 < count ? static_cast<std::uint8_t>(hits[k + 1] & kSlotMask) : kNoSlot;
    if (count > 0) ch.hit_last[bank] = static_cast<std::uint8_t>(hits[count - 1] & kSlotMask);
    return Chosen{count > 0 ? hits[0] : oldest, count > 0};
  }

  template <bool kFedOnly>
  ARCHLAB_DRAM_OUTLINE ARCHLAB_HD static Answer find_candidate(State& s, Channel& ch, Tick now) {
    const Config& c = s.cfg;
    Tick due = ch.ranks[0].next_refresh; // every preset has one rank
    std::uint32_t due_rank = 0;
    for (std::uint32_t r = 1; r < c.ranks; ++r) {
      if (ch.ranks[r].next_refresh < due) {
        due = ch.ranks[r].next_refresh;
        due_rank = r;
      }
    }
    ch.last_due = due;
    ch.last_due_rank = due_rank;
    if (ch.count == 0) {
      ch.last_bank = kMaxBanks;
      ch.last_time = kNever;
      ch.last_slot = kMaxQueue;
      ch.last_command = static_cast<std::uint8_t>(Command::Cas);
      return Answer{kNever, kMaxQueue, static_cast<std::uint32_t>(Command::Cas)};
    }
    std::uint64_t scan = ch.active;
    if constexpr (kFedOnly) {
      // The last winner's bank still has its entries: only a command or an undo empties a bank,
      // and either one ends the last answer (last_valid).
      scan = (ch.stale_banks | ch.grown_banks | ch.popped_banks) & ch.active;
      if (ch.last_bank != kMaxBanks) scan |= std::uint64_t{1} << ch.last_bank;
    }
    // Keys to work out again: the banks whose candidates changed, or all when the time epoch moves
    // (it stays at most kEpochSpan behind now, never ahead).
    bool rekey_all = false;
    if (now - ch.time_epoch >= kEpochSpan) { // or now < time_epoch: the difference wraps around
      ch.time_epoch = now;
      rekey_all = true;
    }
    if (ch.floors_dirty != 0) refloor(c, ch);
    // A bank's command issues at the latest of its bank's own constraint (its key: that time -
    // time_epoch above its low bits), its floor and its kind's bus floor, and now: the floors and
    // now go into the key in the search, as (that time - time_epoch) above the bank's low bits. The
    // least of the new keys is taken on the way, so the search below reads back only the keys not
    // worked out again (a vector search over every bank's key just stored waited for the stores to
    // reach the cache: 4% slower on the edge machine).
    const Tick bases[4] = {now, now, max2(ch.bus_floor[0], now), max2(ch.bus_floor[1], now)};
    Keys keys{bases, ch.time_epoch, 0, 0, ~std::uint64_t{0}};
    bool refit = false; // some candidate's order does not fit in its key
    // A bank whose oldest hit a RD/WR took, or whose PRE candidate got a hit, takes the first hit
    // of its list; one without hits left is looked at again (its oldest entry). Open page: a bank
    // whose open row still has hits waiting is not precharged.
    std::uint64_t stale = ch.stale_banks & ch.active;
    const std::uint64_t listed = (ch.popped_banks | ch.grown_banks) & ch.active & ~stale;
    for (std::uint64_t banks = listed; banks != 0; banks &= banks - 1) {
      const std::uint32_t bank = lowest_bit64(banks);
      const std::uint32_t first = ch.hit_first[bank];
      if (first == kNoSlot) {
        stale |= std::uint64_t{1} << bank;
        continue;
      }
      refit |= set_candidate(c, ch, bank, first, ch.slot_key[first] >> kSlotBits, true, keys);
    }
    const std::uint64_t stale_active = stale | listed;
    for (; stale != 0; stale &= stale - 1) {
      const std::uint32_t bank = lowest_bit64(stale);
      const Chosen chosen = list_hits(ch, bank);
      refit |= set_candidate(c, ch, bank, chosen.key & kSlotMask, chosen.key >> kSlotBits, chosen.hit, keys);
    }
    ch.stale_banks = 0;
    ch.grown_banks = 0;
    ch.popped_banks = 0;
    std::uint64_t rekey = stale_active;
    if (refit) refit_orders(ch);
    if (rekey_all || refit) {
      rekey = ~std::uint64_t{0};
      keys.times = keys.spread = 0;
      keys.best = ~std::uint64_t{0};
      for (std::uint64_t banks = ch.active; banks != 0; banks &= banks - 1) {
        const std::uint32_t bank = lowest_bit64(banks);
        key_bank(ch, bank, ch.candidate_bank_time[bank], ch.candidate_low[bank], ch.candidate_floor[bank], keys);
      }
    }
    if ((keys.times >> kKeyTimeBits) != 0 || ch.wide_banks != 0) {
      // Some bank's own time does not fit in its key, keyed now or before: which ones.
      std::uint64_t wide = 0;
      for (std::uint64_t banks = rekey & ch.active; banks != 0; banks &= banks - 1) {
        const std::uint32_t bank = lowest_bit64(banks);
        wide |= static_cast<std::uint64_t>((sub_floor(ch.candidate_bank_time[bank], keys.epoch) >> kKeyTimeBits) != 0)
                << bank;
      }
      ch.wide_banks = (ch.wide_banks & ~rekey) | wide;
    }
    const Tick* const base = keys.base;
    const Tick epoch = keys.epoch;
    std::uint64_t spread = keys.spread;
    const std::uint64_t rekeyed_best = keys.best;
    // The earliest candidate wins; at equal times a RD/WR before a row command, then the oldest:
    // the least key once the floors and now are put in. When a time or an order does not fit in a
    // key, the exact comparison runs.
    std::uint32_t best_bank = kMaxBanks;
    Tick best_time = kNever;
    bool exact = (scan & ch.wide_banks) != 0 || ch.orders_wide != 0;
    if (!exact && scan != 0) {
      std::uint64_t best_key = kFedOnly ? ~std::uint64_t{0} : rekeyed_best;
      for (std::uint64_t banks = kFedOnly ? scan : ch.active & ~rekey; banks != 0; banks &= banks - 1) {
        const std::uint32_t bank = lowest_bit64(banks);
        const std::uint32_t f = ch.candidate_floor[bank];
        const Tick floor = floor_time(ch, f, base) - epoch;
        spread |= floor;
        best_key = min2(best_key, max2(ch.candidate_key[bank], floor << (64 - kKeyTimeBits) | ch.candidate_low[bank]));
      }
      exact = (spread >> kKeyTimeBits) != 0;
      best_bank = static_cast<std::uint32_t>(best_key & 63u);
      best_time = epoch + (best_key >> (64 - kKeyTimeBits));
    }
    if (exact) {
      best_bank = kMaxBanks;
      best_time = kNever;
      std::uint64_t best_rank = ~std::uint64_t{0};
      for (std::uint64_t banks = scan; banks != 0; banks &= banks - 1) {
        const std::uint32_t bank = lowest_bit64(banks);
        const std::uint32_t f = ch.candidate_floor[bank];
        const Tick t = max2(ch.candidate_bank_time[bank], floor_time(ch, f, base));
        const std::uint64_t rank = ch.candidate_rank[bank];
        const bool better = (t < best_time) | ((t == best_time) & (rank < best_rank));
        best_bank = better ? bank : best_bank;
        best_time = better ? t : best_time;
        best_rank = better ? rank : best_rank;
      }
    }
    const Answer answer{best_time, ch.candidate_slot[best_bank], ch.candidate_command[best_bank]};
    ch.last_bank = best_bank;
    ch.last_slot = answer.slot;
    ch.last_time = best_time;
    ch.last_command = static_cast<std::uint8_t>(answer.command);
    return answer;
  }

  /// Move bursts of request feed[i] into their channels' queues, in address order, until one
  /// finds its queue full. Requests are fed oldest first: a request waits (without holding back
  /// younger ones) while its next burst's queue is full, so every waiting request waits for a
  /// full queue, and a slot freed in a channel goes to the oldest request waiting for it.
  template <bool kJournal>
  ARCHLAB_DRAM_HOST_OUTLINE ARCHLAB_HD static std::uint32_t feed(State& s, std::uint32_t i, Tick now) {
    const Config& c = s.cfg;
    const std::uint32_t slot = s.feed[i];
    Request& q = s.requests[slot];
    // The request's fields at hand (the stores into the queues would make them be read again).
    const std::uint64_t before = q.next_burst, end = q.end_burst;
    const Entry entry{q.arrival, static_cast<std::uint16_t>(slot), 0, q.write, 0};
    const std::uint32_t depth = c.queue_depth;
    std::uint64_t burst = before;
    Location at{q.next_channel, q.next_bank, q.next_row};
    std::uint32_t touched = 0;
    while (burst < end) {
      Channel& ch = s.channels[at.channel];
      if (ch.count >= depth) break;
      const std::uint32_t free = lowest_bit(~ch.used);
      const std::uint32_t bank = at.bank;
      ch.queue[free] = entry;
      ch.queue[free].bank = static_cast<std::uint16_t>(bank);
      ch.slot_key[free] = slot_key(ch.entered, free);
      ch.slot_row[free] = at.row;
      ch.slot_request[free] = static_cast<std::uint16_t>(slot);
      record<kJournal>(s, kUndoQueueInsert, at.channel << 8 | free, 0);
      ++ch.entered;
      ch.used |= 1u << free;
      ch.write_slots = entry.write ? ch.write_slots | 1u << free : ch.write_slots & ~(1u << free);
      if (++ch.count == depth) s.full |= 1u << at.channel;
      ch.bank_slots[bank] |= 1u << free;
      // A bank with entries and a candidate found since its last change only grows. The new entry
      // is younger than every other, so it changes that candidate only when the candidate is a PRE
      // and the entry a hit; else the channel's last answer still stands (no search again).
      const std::uint64_t bit = std::uint64_t{1} << bank;
      if ((ch.active & bit) != 0 && (ch.stale_banks & bit) == 0) {
        if (at.row == ch.banks[bank].open_row) { // a hit: the last of the bank's list
          ch.hit_next[free] = kNoSlot;
          if (ch.hit_first[bank] == kNoSlot) {
            ch.hit_first[bank] = static_cast<std::uint8_t>(free);
          } else {
            ch.hit_next[ch.hit_last[bank]] = static_cast<std::uint8_t>(free);
          }
          ch.hit_last[bank] = static_cast<std::uint8_t>(free);
          if (ch.candidate_command[bank] == static_cast<std::uint8_t>(Command::Pre)) ch.grown_banks |= bit;
        }
      } else {
        ch.stale_banks |= bit;
      }
      ch.active |= bit;
      // The channel runs again only if its FR-FCFS answer may have changed: otherwise it would find
      // what it found when it last ran (candidate()'s test).
      const bool same = ch.last_valid && (ch.stale_banks | ch.grown_banks | ch.popped_banks) == 0 &&
                        (ch.last_now == now || ch.last_time >= now);
      touched |= static_cast<std::uint32_t>(!same) << at.channel;
      if (++burst < end) at = decode(c, burst);
    }
    if (burst == before) return 0;
    q.next_burst = burst;
    q.next_channel = at.channel;
    q.next_bank = at.bank;
    q.next_row = at.row;
    // One record undoes all of it (rollback()): the request waited for the channel of burst
    // `before` (feed_channel[i] is always the channel of its next burst, or kFed).
    record<kJournal>(s, kUndoProgress, i, before);
    const std::uint8_t waits = burst == end ? kFed : static_cast<std::uint8_t>(at.channel);
    if (waits != s.feed_channel[i]) {
      --s.waiters_moved[s.feed_channel[i]];
      if (waits != kFed) ++s.waiters_moved[waits];
    }
    s.feed_channel[i] = waits;
    if (waits == kFed) ++s.queued;
    return touched;
  }

  ARCHLAB_HD static bool waiting(const State& s) { return s.joined != s.queued; }

  /// Feed every waiting request whose next queue has room, oldest first. Returns the channels
  /// that got bursts.
  template <bool kJournal>
  ARCHLAB_HD static std::uint32_t feed_all(State& s, Tick now) {
    const Config& c = s.cfg;
    s.refeed = false;
    std::uint32_t rooms = ~s.full & ((std::uint32_t{1} << c.channels) - 1); // channels with a free queue slot
    std::uint32_t touched = 0;
    std::uint32_t head = s.feed_head;
    while (head < s.feed_count && s.feed_channel[head] == kFed)
      ++head;
    put<kJournal>(s, s.feed_head, head);
    for (std::uint32_t i = s.feed_head; i < s.feed_count && rooms != 0; ++i) {
      const std::uint8_t ci = s.feed_channel[i];
      if (ci == kFed || (rooms >> ci & 1u) == 0) continue;
      const std::uint32_t got = feed<kJournal>(s, i, now);
      touched |= got;
      rooms &= ~s.full;
    }
    return touched;
  }

  ARCHLAB_HD static void locate_next(const Config& c, Request& q) {
    const Location at = decode(c, q.next_burst);
    q.next_channel = at.channel;
    q.next_bank = at.bank;
    q.next_row = at.row;
  }

#if defined(ARCHLAB_DRAM_SELF_CHECK) && !defined(__CUDA_ARCH__)
  /// The test build's check (tests/memory: `memory.check.*`): the FR-FCFS choice found again from
  /// the queue (its entries, their orders and rows) and timings alone, with none of the kept
  /// candidates, keys, floors or hit lists, must be candidate()'s answer. A difference aborts the
  /// run.
  static void check_candidate(const State& s, const Channel& ch, Tick now) {
    const Config& c = s.cfg;
    std::uint32_t best = kMaxQueue;
    Tick best_time = kNever;
    std::uint64_t best_rank = ~std::uint64_t{0};
    Command best_command = Command::Cas;
    for (std::uint32_t bank = 0; bank < c.banks_per_channel; ++bank) {
      const Bank& b = ch.banks[bank];
      std::uint32_t oldest = kMaxQueue, hit = kMaxQueue;
      for (std::uint32_t i = 0; i < kMaxQueue; ++i) {
        if ((ch.used >> i & 1u) == 0 || ch.queue[i].bank != bank) continue;
        if (oldest == kMaxQueue || ch.slot_key[i] < ch.slot_key[oldest]) oldest = i;
        if (ch.slot_row[i] == b.open_row && (hit == kMaxQueue || ch.slot_key[i] < ch.slot_key[hit])) hit = i;
      }
      if (oldest == kMaxQueue) continue;
      const Rank& r = ch.ranks[rank_of(c, bank)];
      const std::uint32_t g = group_of(c, bank);
      const std::uint32_t i = hit != kMaxQueue ? hit : oldest;
      const Command command = hit != kMaxQueue ? Command::Cas : b.open_row == kNoRow ? Command::Act : Command::Pre;
      Tick t = now;
      if (command == Command::Cas && ch.queue[i].write) {
        t = max2(t, max2(b.cas_ready, max2(ch.next_cas, sub_floor(ch.write_data_free, c.tCWL))));
        t = max2(t, r.group[g].next_cas);
      } else if (command == Command::Cas) {
        t = max2(t, max2(b.cas_ready, max2(ch.next_cas, sub_floor(ch.read_data_free, c.tCL))));
        t = max2(t, max2(r.read_after_write, max2(r.group[g].next_cas, r.group[g].read_after_write)));
      } else if (command == Command::Act) {
        t = max2(t, max2(b.next_act, max2(r.next_act, max2(r.faw[r.faw_pos], r.group[g].next_act))));
      } else {
        t = max2(t, b.next_pre);
      }
      const std::uint64_t rank = (command == Command::Cas ? 0 : std::uint64_t{1} << 63) | ch.slot_key[i] >> kSlotBits;
      if (t < best_time || (t == best_time && rank < best_rank)) {
        best = i;
        best_time = t;
        best_rank = rank;
        best_command = command;
      }
    }
    const bool same = ch.last_slot == best &&
                      (best == kMaxQueue ||
                       (ch.last_time == best_time && ch.last_command == static_cast<std::uint8_t>(best_command)));
    if (same) return;
    std::fprintf(stderr,
                 "memory.dram self-check: at %llu ps channel %ld chose slot %u (command %u at %llu ps), a search of "
                 "the queue chooses slot %u (command %u at %llu ps)\n",
                 static_cast<unsigned long long>(now), static_cast<long>(&ch - s.channels), ch.last_slot,
                 ch.last_command, static_cast<unsigned long long>(ch.last_time), best,
                 static_cast<unsigned>(best_command), static_cast<unsigned long long>(best_time));
    std::abort();
  }
#endif

  /// need[ci] where channel `ch`'s run stops: the earliest of its next command (at `best_time`)
  /// and its next refresh (`due`); kNever with an empty queue.
  ARCHLAB_HD static Tick stop_need(const Channel& ch, Tick best_time, Tick due) {
    return ch.count > 0 ? min2(best_time, due) : kNever;
  }

  /// Issue every command of channel `ci` that can issue before `horizon`, in time order, with the
  /// refreshes that fall due in between. Planning ahead, it gives up (false) at a RD/WR that
  /// completes a request (its answer needs an event) or where the journal might overflow.
  template <bool kJournal>
  ARCHLAB_HD static bool run_channel(State& s, std::uint32_t ci, Tick now, Tick horizon, archlab::Context& ctx) {
    Channel& ch = s.channels[ci];
    Step unjournaled;
    while (true) {
      const Answer found = candidate(s, ch, now);
#if defined(ARCHLAB_DRAM_SELF_CHECK) && !defined(__CUDA_ARCH__)
      check_candidate(s, ch, now);
#endif
      const Tick best_time = found.time;
      const std::uint32_t best = found.slot; // kMaxQueue: none
      const Command command = static_cast<Command>(found.command);
      const Tick due = ch.last_due; // the channel's earliest refresh
      // need[ci] is written where the run stops (stop_need(), worked out there, not kept through
      // the loop): nothing reads it in between, and every step of one decision is undone with the
      // others or not at all (they share `decided`).
      Request* done = nullptr;
      const bool issue = best < kMaxQueue && best_time < min2(horizon, due);
      if (!issue && due >= horizon) {
        put<kJournal>(s, s.need[ci], stop_need(ch, best_time, due));
        return true;
      }
      if (issue && command == Command::Cas && s.pending[ch.slot_request[best]] == 1) {
        if constexpr (kJournal) {
          put<kJournal>(s, s.need[ci], stop_need(ch, best_time, due));
          return false;
        }
        if (s.replies >= kReplyBudget) {
          s.exhausted = true;
          put<kJournal>(s, s.need[ci], stop_need(ch, best_time, due));
          return true;
        }
      }
      if (kJournal && !journal_has_room_for_step(s)) {
        put<kJournal>(s, s.need[ci], stop_need(ch, best_time, due));
        return false;
      }
      // A planned step is written in place (journal_has_room() may have moved the steps).
      Step& step = kJournal ? s.steps[s.step_count] : unjournaled;
      // Only what count() and the undo read: `removed` is set by issue_cas(), `refreshes` by
      // refresh_rank(), `queue_delay` with row_class by count_first().
      step.decided = now;
      step.undo_begin = s.undo_count;
      step.row_class = 0;
      if (issue) {
        step.kind = static_cast<std::uint8_t>(command);
        if (command == Command::Cas) {
          done = issue_cas<kJournal>(s, ci, best, best_time, step);
        } else if (command == Command::Act) {
          issue_act<kJournal>(s, ci, best, best_time, step);
        } else {
          issue_pre<kJournal>(s, ch, ch.queue[best], best_time, step);
        }
      } else {
        step.kind = static_cast<std::uint8_t>(Command::Refresh);
        // Only the banks it refreshed have other candidates now (it changes no floor).
        ch.stale_banks |= refresh_rank<kJournal>(s, ch, ch.last_due_rank, horizon - 1, step);
        ch.last_valid = 0;
      }
      if constexpr (kJournal) {
        ++s.step_count;
      } else {
        count(s, step, ctx);
        if (done != nullptr) answer(s, *done, ctx);
      }
    }
  }

  /// One decision of the controller at `now` (a request's arrival, or a wake-up when `wake`):
  /// run the channels that can act before the horizon (the earliest pending wake-up, at least one
  /// command clock ahead), then keep a wake-up for the earliest thing left to do. Planning ahead,
  /// it gives up (false) where run_channel() does.
  template <bool kJournal>
  ARCHLAB_HD static bool decide(State& s, bool wake, Tick now, archlab::Context& ctx, bool resume = false) {
    const Config& c = s.cfg;
    const Tick pending = s.wake_count > 0 && s.wakes[0] > now ? s.wakes[0] : now + 1;
    const Tick horizon = resume ? s.paused_horizon : max2(pending, now + c.tCK);
    std::uint32_t dirty = resume ? s.paused_dirty : 0;
    if (wake && !resume) {
      for (std::uint32_t ci = 0; ci < c.channels; ++ci)
        dirty |= static_cast<std::uint32_t>(s.need[ci] < horizon) << ci;
    }
    s.replies = 0;
    s.exhausted = false;
    // Going on after a pause, the channel it stopped in finishes first (run_channel() starts over
    // from the channel's state), before any feed, as if there had been no pause.
    bool paused_channel_first = resume;
    while (!s.exhausted) {
      std::uint32_t ci = s.paused_channel;
      if (!paused_channel_first) {
        if (s.refeed) {
          dirty |= feed_all<kJournal>(s, now);
          s.opened |= ~s.full; // a request younger than those fed would have entered a queue with room left
        }
        if (dirty == 0) break;
        ci = lowest_bit(dirty);
        dirty &= dirty - 1;
      }
      paused_channel_first = false;
      if (!run_channel<kJournal>(s, ci, now, horizon, ctx)) {
        s.paused_channel = ci;
        s.paused_dirty = dirty;
        s.paused_horizon = horizon;
        return false;
      }
      // A RD/WR left a slot that no request waits for: one waiting for it would have been fed now.
      if (!s.refeed) s.opened |= ~s.full & 1u << ci;
    }
    Tick want = kNever;
    if (s.exhausted) {
      // The channels not run yet may have new bursts: the zero-delay wake-up must run them.
      for (; dirty != 0; dirty &= dirty - 1)
        put<kJournal>(s, s.need[lowest_bit(dirty)], now);
      want = now;
    } else {
      for (std::uint32_t ci = 0; ci < c.channels; ++ci)
        want = min2(want, s.need[ci]);
    }
    if (want == kNever || (s.wake_count > 0 && s.wakes[0] <= want)) return true;
    // A wake-up pushed out of the list still comes (and decides again): it moves to `lost`.
    if (s.wake_count == kMaxWakes && s.lost_count < kMaxLost) {
      const Tick dropped = s.wakes[kMaxWakes - 1];
      std::uint32_t k = s.lost_count;
      put<kJournal>(s, s.lost_count, s.lost_count + 1);
      for (; k > 0 && s.lost[k - 1] > dropped; --k)
        put<kJournal>(s, s.lost[k], s.lost[k - 1]);
      put<kJournal>(s, s.lost[k], dropped);
    }
    const std::uint32_t keep = s.wake_count < kMaxWakes ? s.wake_count : kMaxWakes - 1;
    // The wake-up list needs no Undo records: a planned decision's wake-up step keeps it (WakeOld).
    for (std::uint32_t k = keep; k > 0; --k)
      s.wakes[k] = s.wakes[k - 1];
    s.wakes[0] = want;
    s.wake_count = keep + 1;
    return true;
  }

  /// The next wake-up to come (tracked or lost) and whether it is tracked; kNever: none.
  ARCHLAB_HD static Tick next_wake(const State& s, bool* tracked) {
    const Tick w = s.wake_count > 0 ? s.wakes[0] : kNever;
    const Tick l = s.lost_count > 0 ? s.lost[0] : kNever;
    *tracked = w <= l;
    return w <= l ? w : l;
  }

  /// The wake-up at `now` (the earliest to come): drop it from its list, then decide.
  template <bool kJournal>
  ARCHLAB_HD static bool wake_up(State& s, bool tracked, Tick now, archlab::Context& ctx) {
    if (tracked) {
      for (std::uint32_t k = 1; k < s.wake_count; ++k)
        s.wakes[k - 1] = s.wakes[k];
      --s.wake_count;
    } else {
      for (std::uint32_t k = 1; k < s.lost_count; ++k)
        put<kJournal>(s, s.lost[k - 1], s.lost[k]);
      put<kJournal>(s, s.lost_count, s.lost_count - 1);
    }
    return decide<kJournal>(s, true, now, ctx);
  }

  /// Make sure an event comes at `at`.
  ARCHLAB_HD static void keep_event(State& s, Tick at, archlab::Context& ctx) {
    for (std::uint32_t k = 0; k < s.event_count; ++k)
      if (s.events[k] == at) return;
    std::uint32_t k =
        s.event_count < kMaxWakes ? s.event_count++ : kMaxWakes - 1; // the latest is forgotten (it still comes)
    for (; k > 0 && s.events[k - 1] > at; --k)
      s.events[k] = s.events[k - 1];
    s.events[k] = at;
    ctx.schedule_self(at - ctx.now(), kWake, archlab::Payload{});
  }

  /// Plan ahead: take the wake-ups to come as the controller would, with no event, as long as
  /// they answer nothing, recording every change so that a request arriving earlier can undo them.
  /// The first one that must answer (or that the journal cannot hold) gets a real event.
  ARCHLAB_HD static void plan(State& s, archlab::Context& ctx) {
    const Tick now = ctx.now();
    if (!s.cfg.lazy) { // eager: every wake-up is an event
      bool tracked = true;
      const Tick at = next_wake(s, &tracked);
      if (at != kNever) keep_event(s, at, ctx);
      return;
    }
    if (s.paused) {
      keep_event(s, s.blocked, ctx);
      return;
    }
    while (true) {
      bool tracked = true;
      const Tick at = next_wake(s, &tracked);
      if (at == kNever) return;
      if (at <= now || at == s.blocked || !journal_has_room_for_step(s)) {
        keep_event(s, at, ctx);
        return;
      }
      // The wake-up's own step: only what count() and the undo read of it (not the whole Step).
      Step& step = s.steps[s.step_count++];
      step.decided = at;
      step.undo_begin = s.undo_count;
      step.kind = static_cast<std::uint8_t>(Command::Wake);
      step.row_class = 0;
      step.wake.full = s.full;
      for (std::uint32_t k = 0; k < kMaxWakes; ++k)
        step.old[kWakeList + k] = s.wakes[k];
      step.old[kWakeCount] = s.wake_count;
      // Its place after the counted steps (journal_has_room() may move the steps down by those
      // counted while the decision is planned; nothing counts steps meanwhile).
      const std::uint32_t after_counted = s.step_count - 1 - s.counted;
      s.opened = 0;
      const bool planned = wake_up<true>(s, tracked, at, ctx);
      s.steps[s.counted + after_counted].wake.opened = s.opened;
      if (!planned) {
        // Keep what it decided so far: the event at `at` goes on from there.
        s.blocked = at;
        s.paused = true;
        keep_event(s, at, ctx);
        return;
      }
    }
  }

  /// A request whose first burst goes to channel `first` arrives where the planned decisions after
  /// `boundary` did not know it: the time of the first of them that it changes (the plan must be
  /// undone from there), kNever when it changes none, or `boundary` + 1 (undo all of them) when
  /// it enters a queue on arrival or nothing is planned after `boundary`.
  /// A request that enters no queue changes no decision: until then it only waits (the decisions
  /// read the waiting list only to feed it). It waits while `first`'s queue is full and, once a
  /// RD/WR there frees a slot, while older requests take it: it would enter in the first planned
  /// decision where `first` had a free slot after a feed (the youngest waiting request comes
  /// last) or after a RD/WR that made no feed follow (no request waited for `first`: a waiting
  /// one would have), Step::wake.opened. On arrival it would have entered if the queue had room
  /// where the plan after `boundary` began, Step::wake.full. (Planning begins only after a
  /// decision that ended with nothing left to feed and its next wake-up kept, so that the
  /// arrival's own decision would have changed nothing.)
  ARCHLAB_HD static Tick first_change(const State& s, std::uint32_t first, Tick boundary) {
    std::uint32_t full = 0;
    bool planned = false;
    Tick change = kNever;
    for (std::uint32_t k = s.step_count; k > s.counted && s.steps[k - 1].decided > boundary; --k) {
      const Step& step = s.steps[k - 1];
      if (step.kind != static_cast<std::uint8_t>(Command::Wake)) continue;
      planned = true;
      full = step.wake.full;
      if ((step.wake.opened >> first & 1u) != 0) change = step.decided;
    }
    return planned && (full >> first & 1u) != 0 ? change : boundary + 1;
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
    const Tick now = ctx.now();
    // The plan after `boundary` did not know this request (a wake-up at this very time that the
    // total order puts after it is part of that). It is undone from the first decision the
    // request changes, if any (first_change()); the plan before stays, and the request joins the
    // waiting list, while the list keeps room (it is tidied up only with nothing planned).
    const Tick boundary = e.src < ctx.self() ? now - 1 : now;
    Tick change = boundary + 1;
    if (c.lazy && s.feed_count < kMaxRequests)
      change = first_change(s, decode(c, address / c.burst_bytes).channel, boundary);
    const bool plan_stands = change != boundary + 1;
    if (plan_stands) {
      if (change != kNever) {
        rollback(s, change - 1);
        if (s.paused && s.blocked >= change) { // the paused decision is undone
          s.paused = false;
          s.blocked = kNever;
        }
      }
      count_decided(s, now, ctx);
    } else {
      rollback(s, boundary);
      count_decided(s, now, ctx);
      s.blocked = kNever;
      s.paused = false;

      std::uint32_t kept = 0; // requests fully queued leave the feed list (nothing planned refers to it)
      for (std::uint32_t i = 0; i < s.feed_count; ++i) {
        if (s.feed_channel[i] == kFed) continue;
        s.feed[kept] = s.feed[i];
        s.feed_channel[kept++] = s.feed_channel[i];
      }
      s.feed_count = kept;
      s.feed_head = 0;
    }

    const std::uint32_t slot = s.free_slots[--s.free_count];
    Request& q = s.requests[slot];
    q.address = address;
    q.bytes = bytes;
    q.tag = e.payload.w[3];
    q.arrival = now;
    q.done = 0;
    q.next_burst = address / c.burst_bytes;
    q.end_burst = (address + bytes - 1) / c.burst_bytes + 1;
    s.pending[slot] = q.end_burst - q.next_burst;
    q.requester = c.via_interconnect ? 0 : ctx.index_of(kResp, e.src); // kNoIndex: the answer stops the run
    q.route = c.via_interconnect ? e.route : 0;
    q.write = e.kind == protocol::kMemWrite ? 1 : 0;
    q.energy = 0;
    q.posted = 0;
    if (q.write && c.posted && s.posted_count < c.write_buffer) {
      // Acknowledged now; its energy is not known yet (the `energy` statistic has it later).
      q.posted = 1;
      ++s.posted_count;
      ctx.stat_add(kPostedWrites, 1.0);
      reply(q, now, 0.0, ctx);
    }
    locate_next(c, q);
    s.feed[s.feed_count] = slot;
    s.feed_channel[s.feed_count++] = static_cast<std::uint8_t>(q.next_channel);
    ++s.waiters_joined[q.next_channel];
    ++s.joined;
    if (plan_stands) {
      if (change != kNever) plan(s, ctx); // plan again from where the undo left it
      return;
    }
    s.refeed = true;
    decide<false>(s, false, now, ctx);
    plan(s, ctx);
  }

  ARCHLAB_HD static void handle(State& s, const Params&, const archlab::Event& e, archlab::Context& ctx) {
    if (e.port == archlab::kSelfPort) {
      const Tick now = ctx.now();
      for (std::uint32_t k = 0; k < s.event_count; ++k) {
        if (s.events[k] != now) continue;
        for (; k + 1 < s.event_count; ++k)
          s.events[k] = s.events[k + 1];
        --s.event_count;
        break;
      }
      count_decided(s, now, ctx);
      bool tracked = true;
      if (s.paused && s.blocked == now) {
        s.paused = false;
        s.blocked = kNever;
        decide<false>(s, true, now, ctx, true);
      } else if (!s.paused && next_wake(s, &tracked) == now) {
        // The wake-up planning stopped at (or one at this time): decide it now, answers and all.
        s.blocked = kNever;
        wake_up<false>(s, tracked, now, ctx);
      }
      plan(s, ctx);
    } else if (e.kind == protocol::kMemRead || e.kind == protocol::kMemWrite) {
      accept(s, e, ctx);
    } else {
      ctx.stat_add(kRejected, 1.0);
    }
    flush_tally(s, ctx);
  }
};

} // namespace

ARCHLAB_REGISTER_COMPONENT(Dram, memory, "1.0.0",
                           "DRAM with banks, row buffers, JEDEC timings, FR-FCFS open-page scheduling and refresh; "
                           "DDR4-3200, LPDDR5, HBM2E and HBM3 presets")
