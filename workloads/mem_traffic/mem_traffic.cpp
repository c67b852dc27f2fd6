// workload.mem_traffic: synthetic memory traffic for memory.sram, memory.dram or anything else
// that speaks protocol::kMemRead / kMemWrite.
//
// Request i (i = 0, 1, ...) of `request_size` bytes goes to base + offset(i):
//   sequential: offset = i * request_size        (wrapping inside `range`)
//   strided:    offset = i * stride              (wrapping inside `range`; stride 0 repeats base)
//   random:     offset = a uniform multiple of request_size inside `range` (ctx.rng)
// and is a read with probability `read_fraction`. At most `outstanding` requests are in flight.
// With interval = 0 the generator runs closed loop: `outstanding` requests at time 0, then a new
// one for every answer. With interval > 0 it runs open loop: one request every `interval`, which
// waits for an answer while `outstanding` are in flight. `total_requests` in all (0: no limit).
// The tag of each request is its send time, so every answer gives its round-trip latency (reads
// and writes also apart).
#include <archlab/component.hpp>
#include <archlab/protocol.hpp>

namespace {

using archlab::Tick;
namespace protocol = archlab::protocol;

/// The high 64 bits of a * b.
ARCHLAB_HD constexpr std::uint64_t mul_high(std::uint64_t a, std::uint64_t b) {
  const std::uint64_t a_lo = a & 0xffffffffu, a_hi = a >> 32, b_lo = b & 0xffffffffu, b_hi = b >> 32;
  const std::uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
  const std::uint64_t middle = (lo_lo >> 32) + (hi_lo & 0xffffffffu) + lo_hi;
  return hi_hi + (hi_lo >> 32) + (middle >> 32);
}

static_assert(mul_high(~std::uint64_t{0}, ~std::uint64_t{0}) == ~std::uint64_t{0} - 1);
static_assert(mul_high(std::uint64_t{1} << 63, 6) == 3);

/// Uniform integer in [0, n) from 64 random bits (multiply-shift).
ARCHLAB_HD constexpr std::uint64_t uniform_below64(std::uint64_t bits, std::uint64_t n) { return mul_high(bits, n); }

struct MemTraffic {
  static constexpr const char* kName = "workload.mem_traffic";
  static constexpr std::uint32_t kMaxSendsPerEvent = 2;

  struct Params {
    std::uint32_t pattern;
    double read_fraction;
    std::uint64_t request_size;
    std::uint64_t stride;
    std::uint64_t base;
    std::uint64_t range;
    std::uint64_t total_requests;
    std::uint64_t outstanding;
    Tick interval;
    std::uint64_t target_interleave;
    bool via_interconnect;
    std::uint64_t route;
  };
  struct State {
    std::uint64_t issued;
    std::uint64_t in_flight;
    std::uint64_t backlog; ///< open loop: requests due but held back by `outstanding`
    Tick last_done;
  };

  enum Port : archlab::PortId { kIn, kOut };
  enum Stat : std::uint32_t {
    kRequests,
    kReads,
    kWrites,
    kCompleted,
    kLatency,
    kBytes,
    kCompletionTime,
    kRejected,
    kReadsCompleted,
    kWritesCompleted,
    kReadLatency,
    kWriteLatency
  };
  enum Pattern : std::uint32_t { kSequential, kRandom, kStrided };
  static constexpr std::uint16_t kTick = protocol::kFirstPrivateKind;

  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM_CHOICE(Params, pattern, "sequential|random|strided", "sequential",
                           "address pattern: consecutive requests, uniform random request-aligned addresses, or "
                           "a fixed stride"),
      ARCHLAB_PARAM_RANGE(Params, read_fraction, Float, "1.0", "probability that a request is a read", 0.0, 1.0),
      ARCHLAB_PARAM_RANGE(Params, request_size, Size, "64 B", "bytes per request", 1.0, 1.8e19),
      ARCHLAB_PARAM(Params, stride, Size, "4 KiB", "strided: bytes between consecutive requests (0: all at base)"),
      ARCHLAB_PARAM(Params, base, Size, "0 B", "lowest address"),
      ARCHLAB_PARAM_RANGE(Params, range, Size, "1 GiB",
                          "addresses stay in [base, base + range): the pattern wraps at the last whole request "
                          "(sequential, random) or stride (strided) inside it",
                          1.0, 1.8e19),
      ARCHLAB_PARAM(Params, total_requests, UInt, "1000", "requests in all (0: no limit, until the stop time)"),
      ARCHLAB_PARAM_RANGE(Params, outstanding, UInt, "16", "requests in flight at most", 1.0, 1e9),
      ARCHLAB_PARAM(Params, interval, Time, "0 ns",
                    "0: closed loop (a new request per answer); else open loop, one request per interval"),
      ARCHLAB_PARAM(Params, target_interleave, Size, "0 B",
                    "with `out` linked to several memories (to = \"mem[*].req\"): address / target_interleave "
                    "mod their count picks the memory; 0: always the first"),
      ARCHLAB_PARAM(Params, via_interconnect, Bool, "false",
                    "`out` leads into an interconnect: requests carry route = `route` (protocol.hpp)"),
      ARCHLAB_PARAM(Params, route, UInt, "0", "with via_interconnect: the memory's endpoint on the interconnect"),
  };
  static constexpr archlab::PortSpec ports[] = {
      {"in", archlab::PortDirection::In, "protocol::kMemReadDone / kMemWriteDone answers"},
      {"out", archlab::PortDirection::Out, "protocol::kMemRead / kMemWrite requests"},
  };
  static constexpr archlab::StatSpec stats[] = {
      {"requests", "requests", "requests sent"},
      {"reads", "requests", "read requests sent"},
      {"writes", "requests", "write requests sent"},
      {"completed", "requests", "answers received"},
      {"latency", "ps", "sum over answers of the time from sending the request to receiving the answer"},
      {"bytes", "bytes", "bytes of the answered requests"},
      {"completion_time", "ps", "time of the last answer"},
      {"rejected", "events", "events on `in` that were not kMemReadDone / kMemWriteDone"},
      {"reads_completed", "requests", "answers to reads received"},
      {"writes_completed", "requests", "answers to writes received (acknowledgements of posted writes included)"},
      {"read_latency", "ps", "latency, over the answers to reads"},
      {"write_latency", "ps", "latency, over the answers to writes"},
  };
  enum Histogram : std::uint32_t { kLatencyHistogram };
  static constexpr archlab::HistogramSpec histograms[] = {
      {"latency_histogram", "ps", "answers by round-trip latency: 50 ns bins up to 1 us", 0.0, 1e6, 20},
  };
  static constexpr archlab::DerivedStatSpec derived[] = {
      {"mean_latency", "ps", "latency / completed: the mean round-trip latency", "latency", "completed"},
      {"mean_read_latency", "ps", "read_latency / reads_completed", "read_latency", "reads_completed"},
      {"mean_write_latency", "ps", "write_latency / writes_completed", "write_latency", "writes_completed"},
  };

  static const char* validate(const Params& p) {
    if (p.request_size > p.range) return "request_size must not exceed range";
    if (p.pattern == kStrided && p.stride > p.range) return "stride must not exceed range";
    return nullptr;
  }

  ARCHLAB_HD static bool more_to_issue(const State& s, const Params& p) {
    return p.total_requests == 0 || s.issued + s.backlog < p.total_requests;
  }

  ARCHLAB_HD static std::uint64_t offset(const Params& p, std::uint64_t i, std::uint64_t random_bits) {
    switch (p.pattern) {
    case kRandom:
      return uniform_below64(random_bits, p.range / p.request_size) * p.request_size;
    case kStrided:
      return p.stride == 0 ? 0 : (i % (p.range / p.stride)) * p.stride;
    default:
      return (i % (p.range / p.request_size)) * p.request_size;
    }
  }

  ARCHLAB_HD static void issue(State& s, const Params& p, archlab::Context& ctx) {
    const bool mixed = p.read_fraction > 0.0 && p.read_fraction < 1.0;
    archlab::Philox4x32 r{};
    if (p.pattern == kRandom || mixed) r = ctx.rng4();
    const bool read =
        mixed ? archlab::uniform01(archlab::join_bits(r.v[2], r.v[3])) < p.read_fraction : p.read_fraction >= 1.0;
    const std::uint64_t address = p.base + offset(p, s.issued, archlab::join_bits(r.v[0], r.v[1]));
    const std::uint32_t receivers = ctx.fanout(kOut);
    const std::uint32_t target = p.target_interleave == 0 || receivers <= 1 || p.via_interconnect
                                     ? 0
                                     : static_cast<std::uint32_t>((address / p.target_interleave) % receivers);
    ++s.issued;
    ++s.in_flight;
    ctx.stat_add(kRequests, 1.0);
    ctx.stat_add(read ? kReads : kWrites, 1.0);
    ctx.send(kOut, 0, read ? protocol::kMemRead : protocol::kMemWrite,
             archlab::Payload{{address, p.request_size, 0, ctx.now()}}, target,
             p.via_interconnect ? static_cast<std::uint32_t>(p.route) : 0);
  }

  ARCHLAB_HD static void init(State& s, const Params& p, archlab::Context& ctx) {
    s = State{};
    if (p.interval > 0) {
      ctx.schedule_self(0, kTick, archlab::Payload{});
      return;
    }
    while (more_to_issue(s, p) && s.issued < p.outstanding)
      issue(s, p, ctx);
  }

  ARCHLAB_HD static void handle(State& s, const Params& p, const archlab::Event& e, archlab::Context& ctx) {
    if (e.port == archlab::kSelfPort) {
      if (s.in_flight < p.outstanding) {
        issue(s, p, ctx);
      } else {
        ++s.backlog;
      }
      if (more_to_issue(s, p)) ctx.schedule_self(p.interval, kTick, archlab::Payload{});
      return;
    }
    if (e.kind != protocol::kMemReadDone && e.kind != protocol::kMemWriteDone) {
      ctx.stat_add(kRejected, 1.0);
      return;
    }
    const Tick now = ctx.now();
    const bool read = e.kind == protocol::kMemReadDone;
    ctx.stat_add(kCompleted, 1.0);
    ctx.stat_add(read ? kReadsCompleted : kWritesCompleted, 1.0);
    ctx.stat_add(kLatency, static_cast<double>(now - e.payload.w[3]));
    ctx.stat_add(read ? kReadLatency : kWriteLatency, static_cast<double>(now - e.payload.w[3]));
    archlab::histogram_add<MemTraffic, kLatencyHistogram>(ctx, static_cast<double>(now - e.payload.w[3]));
    ctx.stat_add(kBytes, static_cast<double>(e.payload.w[1]));
    ctx.stat_add(kCompletionTime, static_cast<double>(now - s.last_done)); // the sum is the last time
    s.last_done = now;
    if (s.in_flight > 0) --s.in_flight;
    if (s.backlog > 0) {
      --s.backlog;
      issue(s, p, ctx);
    } else if (p.interval == 0 && more_to_issue(s, p)) {
      issue(s, p, ctx);
    }
  }
};

} // namespace

ARCHLAB_REGISTER_COMPONENT(MemTraffic, workload, "1.0.0",
                           "synthetic memory traffic: sequential, random or strided reads and writes, closed or open "
                           "loop")
