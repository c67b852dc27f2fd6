// workload.mem_trace: replays a memory trace file (time, read or write, address, size) into
// memory.sram, memory.dram or anything else that speaks protocol::kMemRead / kMemWrite.
// README.md in this folder has the file format.
//
// When the configuration loads, prepare() (mem_trace_host.cpp) reads the file into records in
// the component's read-only data, so that every engine, the GPU's included, replays the same
// records. At run time (mem_trace.cpp) record i is sent at its time, or, when `outstanding`
// requests are in flight then, as soon as an answer frees a place: records go in file order.
#pragma once

#include <cstdint>
#include <type_traits>

#include <archlab/component.hpp>
#include <archlab/protocol.hpp>

namespace archlab::mem_trace {

/// One line of the trace.
struct TraceRecord {
  Tick time; ///< when it is due (ps from the start of the run)
  std::uint64_t address;
  std::uint32_t bytes;
  std::uint32_t write; ///< 1: a write (kMemWrite), 0: a read
};

struct MemTrace {
  static constexpr const char* kName = "workload.mem_trace";
  /// Requests sent by one event at most; more due at once go on in a zero-delay event of its own.
  static constexpr std::uint32_t kIssuesPerEvent = 15;
  static constexpr std::uint32_t kMaxSendsPerEvent = kIssuesPerEvent + 1;

  struct Params {
    DataRef trace;
    Tick cycle;
    std::uint64_t request_size;
    std::uint64_t outstanding;
    std::uint64_t target_interleave;
    bool via_interconnect;
    std::uint64_t route;
    // Filled by prepare():
    DataRef records; ///< TraceRecord[count]
    std::uint64_t count;
  };
  struct State {
    std::uint64_t next; ///< the next record to send
    std::uint64_t in_flight;
    Tick tick_at; ///< the pending self event that sends records when due; kTickMax: none
    Tick last_done;
  };

  enum Port : PortId { kIn, kOut };
  enum Stat : std::uint32_t {
    kRequests,
    kReads,
    kWrites,
    kCompleted,
    kReadsCompleted,
    kWritesCompleted,
    kLatency,
    kReadLatency,
    kWriteLatency,
    kBytes,
    kCompletionTime,
    kHeldTime,
    kRejected
  };
  static constexpr std::uint16_t kTick = protocol::kFirstPrivateKind;

  static constexpr ParamSpec params[] = {
      ARCHLAB_PARAM(Params, trace, Path, nullptr,
                    "the trace file: one request per line, `<time> <R|W> <address> [<bytes>]`, # comments "
                    "(README.md); at most 16 MiB"),
      ARCHLAB_PARAM(Params, cycle, Time, "0 ns",
                    "a bare number in the time column counts clock cycles of this period (DRAMsim3-style "
                    "traces); 0: every time needs a unit (\"12 ns\")"),
      ARCHLAB_PARAM_RANGE(Params, request_size, Size, "64 B", "bytes of a record that has no size column", 1.0,
                          4294967295.0),
      ARCHLAB_PARAM_RANGE(Params, outstanding, UInt, "16",
                          "requests in flight at most; a record due while that many are in flight waits for an "
                          "answer",
                          1.0, 1e9),
      ARCHLAB_PARAM(Params, target_interleave, Size, "0 B",
                    "with `out` linked to several memories (to = \"mem[*].req\"): address / target_interleave "
                    "mod their count picks the memory; 0: always the first"),
      ARCHLAB_PARAM(Params, via_interconnect, Bool, "false",
                    "`out` leads into an interconnect: requests carry route = `route` (protocol.hpp)"),
      ARCHLAB_PARAM(Params, route, UInt, "0", "with via_interconnect: the memory's endpoint on the interconnect"),
  };
  static constexpr PortSpec ports[] = {
      {"in", PortDirection::In, "protocol::kMemReadDone / kMemWriteDone answers"},
      {"out", PortDirection::Out, "protocol::kMemRead / kMemWrite requests"},
  };
  static constexpr StatSpec stats[] = {
      {"requests", "requests", "requests sent (records replayed)"},
      {"reads", "requests", "read requests sent"},
      {"writes", "requests", "write requests sent"},
      {"completed", "requests", "answers received"},
      {"reads_completed", "requests", "answers to reads received"},
      {"writes_completed", "requests", "answers to writes received"},
      {"latency", "ps", "sum over answers of the time from sending the request to receiving the answer"},
      {"read_latency", "ps", "latency, over the answers to reads"},
      {"write_latency", "ps", "latency, over the answers to writes"},
      {"bytes", "bytes", "bytes of the answered requests"},
      {"completion_time", "ps", "time of the last answer"},
      {"held_time", "ps", "sum over requests of the time from the record's time to sending it (held by `outstanding`)"},
      {"rejected", "events", "events on `in` that were not kMemReadDone / kMemWriteDone"},
  };
  enum Histogram : std::uint32_t { kLatencyHistogram };
  static constexpr HistogramSpec histograms[] = {
      {"latency_histogram", "ps", "answers by round-trip latency: 50 ns bins up to 1 us", 0.0, 1e6, 20},
  };
  static constexpr DerivedStatSpec derived[] = {
      {"mean_latency", "ps", "latency / completed: the mean round-trip latency", "latency", "completed"},
      {"mean_read_latency", "ps", "read_latency / reads_completed", "read_latency", "reads_completed"},
      {"mean_write_latency", "ps", "write_latency / writes_completed", "write_latency", "writes_completed"},
  };

  static bool prepare(Params& p, DataBuilder& data);

  ARCHLAB_HD static void init(State& s, const Params& p, Context& ctx);
  ARCHLAB_HD static void handle(State& s, const Params& p, const Event& e, Context& ctx);
};

// The engines copy states and data as bytes (checkpoints, the GPU).
static_assert(std::is_trivially_copyable_v<MemTrace::State>);
static_assert(std::is_trivially_copyable_v<TraceRecord>);
static_assert(sizeof(TraceRecord) == 24);

} // namespace archlab::mem_trace
