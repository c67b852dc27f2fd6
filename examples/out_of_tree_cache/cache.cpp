// example.cache: a direct-mapped cache with miss status holding registers (MSHRs) in front of a
// memory: a component that forwards requests and answers them later (docs/plugin_guide.md walks
// through it).
//
// Requests (protocol::kMemRead / kMemWrite: address, bytes, tag) arrive on `req` from any number
// of requesters; a request must stay inside one line. A hit is answered on `resp` after
// `hit_latency`. A miss takes an MSHR: the line is read from the memory behind `mem_req` (one
// kMemRead of `line_size` bytes, tagged with the MSHR's number) and the request waits in the MSHR;
// later misses to the same line join it (up to kMaxTargets each). When the line arrives on
// `mem_resp`, it is filled and every waiting request is answered. A request that finds no MSHR
// (all busy, or its line's MSHR full) retries `hit_latency` later, as a self event that carries
// the request. Writes allocate like reads; dirty data is not modelled (no write-backs).
//
// Everything that changes lives in State (fixed-size arrays: a State is plain data, the same on
// every engine); answers go back through `resp`, an array link to the requesters, to
// index_of(resp, request's sender).
#include <archlab/component.hpp>
#include <archlab/protocol.hpp>

namespace {

using archlab::Tick;
namespace protocol = archlab::protocol;

inline constexpr std::uint32_t kMaxLines = 1024; ///< lines per cache (the `lines` parameter's bound)
inline constexpr std::uint32_t kMaxMshrs = 16;
inline constexpr std::uint32_t kMaxTargets = 4; ///< requests waiting on one MSHR

struct Cache {
  static constexpr const char* kName = "example.cache";
  // A fill answers every request waiting on its MSHR: the most events one handler call sends.
  static constexpr std::uint32_t kMaxSendsPerEvent = kMaxTargets;

  struct Params {
    std::uint64_t lines;
    std::uint64_t line_size;
    std::uint64_t mshrs;
    Tick hit_latency;
  };
  /// A request waiting for its line: enough to answer it.
  struct Target {
    std::uint64_t address;
    std::uint64_t bytes;
    std::uint64_t tag;
    std::uint32_t requester; ///< its index on `resp`
    std::uint16_t kind;      ///< kMemRead or kMemWrite
    std::uint16_t reserved;
  };
  struct Mshr {
    std::uint64_t line;    ///< line number (address / line_size)
    std::uint32_t targets; ///< 0: free
    std::uint32_t reserved;
    Target target[kMaxTargets];
  };
  struct State {
    std::uint64_t tag[kMaxLines]; ///< line number + 1 of the line held in each set; 0: empty
    Mshr mshr[kMaxMshrs];
  };

  enum Port : archlab::PortId { kReq, kResp, kMemReq, kMemResp };
  enum Stat : std::uint32_t { kHits, kMisses, kMerged, kRetries, kRejected };
  /// A request that found no MSHR, back after hit_latency. Its payload is the request's, with
  /// w[2] = requester index << 16 | kind (a request's w[2] is unused).
  static constexpr std::uint16_t kRetry = protocol::kFirstPrivateKind;

  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM_RANGE(Params, lines, UInt, "64", "lines (direct mapped: one line per set; at most 1024)", 1.0,
                          kMaxLines),
      ARCHLAB_PARAM_RANGE(Params, line_size, Size, "64 B", "bytes per line", 1.0, 1e9),
      ARCHLAB_PARAM_RANGE(Params, mshrs, UInt, "4", "misses in flight to the memory at most (at most 16)", 1.0,
                          kMaxMshrs),
      ARCHLAB_PARAM_RANGE(Params, hit_latency, Time, "2 ns", "time to answer a hit; also the retry interval", 1.0,
                          1e15),
  };
  static constexpr archlab::PortSpec ports[] = {
      {"req", archlab::PortDirection::In, "protocol::kMemRead / kMemWrite from the requesters"},
      {"resp", archlab::PortDirection::Out, "answers, to the requesters (an array link back to them)"},
      {"mem_req", archlab::PortDirection::Out, "line reads to the memory"},
      {"mem_resp", archlab::PortDirection::In, "the memory's answers"},
  };
  static constexpr archlab::StatSpec stats[] = {
      {"hits", "requests", "requests answered from the cache"},
      {"misses", "requests", "requests that took an MSHR and read their line from the memory"},
      {"merged", "requests", "misses that joined the MSHR already reading their line"},
      {"retries", "events", "times a request found no MSHR and waited hit_latency"},
      {"rejected", "events", "requests of another kind or across a line boundary; not answered"},
  };

  ARCHLAB_HD static void init(State& s, const Params&, archlab::Context&) { s = State{}; }

  ARCHLAB_HD static void answer(const Target& t, Tick delay, archlab::Context& ctx) {
    const std::uint16_t done = t.kind == protocol::kMemRead ? protocol::kMemReadDone : protocol::kMemWriteDone;
    ctx.send(kResp, delay, done, archlab::Payload{{t.address, t.bytes, 0, t.tag}}, t.requester);
  }

  /// A request (new or retried): hit, join an MSHR, take a free one, or retry later.
  ARCHLAB_HD static void request(State& s, const Params& p, const Target& t, archlab::Context& ctx) {
    const std::uint64_t line = t.address / p.line_size;
    const std::uint64_t set = line % p.lines;
    if (s.tag[set] == line + 1) {
      ctx.stat_add(kHits, 1.0);
      answer(t, p.hit_latency, ctx);
      return;
    }
    std::uint32_t free = kMaxMshrs;
    for (std::uint32_t m = 0; m < p.mshrs; ++m) {
      Mshr& mshr = s.mshr[m];
      if (mshr.targets > 0 && mshr.line == line) {
        if (mshr.targets < kMaxTargets) {
          mshr.target[mshr.targets++] = t;
          ctx.stat_add(kMerged, 1.0);
          return;
        }
        free = kMaxMshrs; // its line's MSHR is full: wait, do not read the line twice
        break;
      }
      if (mshr.targets == 0 && free == kMaxMshrs) free = m;
    }
    if (free == kMaxMshrs) {
      ctx.stat_add(kRetries, 1.0);
      const std::uint64_t who = static_cast<std::uint64_t>(t.requester) << 16 | t.kind;
      ctx.schedule_self(p.hit_latency, kRetry, archlab::Payload{{t.address, t.bytes, who, t.tag}});
      return;
    }
    s.mshr[free].line = line;
    s.mshr[free].targets = 1;
    s.mshr[free].target[0] = t;
    ctx.stat_add(kMisses, 1.0);
    ctx.send(kMemReq, 0, protocol::kMemRead, archlab::Payload{{line * p.line_size, p.line_size, 0, free}});
  }

  ARCHLAB_HD static void handle(State& s, const Params& p, const archlab::Event& e, archlab::Context& ctx) {
    const archlab::Payload& w = e.payload;
    if (e.port == archlab::kSelfPort) { // a retry
      const auto requester = static_cast<std::uint32_t>(w.w[2] >> 16);
      const auto kind = static_cast<std::uint16_t>(w.w[2] & 0xffff);
      request(s, p, Target{w.w[0], w.w[1], w.w[3], requester, kind, 0}, ctx);
      return;
    }
    if (e.port == kMemResp) { // a line arrives: fill it, answer its MSHR's requests
      if (e.kind != protocol::kMemReadDone || w.w[3] >= p.mshrs || s.mshr[w.w[3]].targets == 0) {
        ctx.stat_add(kRejected, 1.0);
        return;
      }
      Mshr& mshr = s.mshr[w.w[3]];
      s.tag[mshr.line % p.lines] = mshr.line + 1;
      for (std::uint32_t k = 0; k < mshr.targets; ++k)
        answer(mshr.target[k], 0, ctx);
      mshr.targets = 0;
      return;
    }
    const bool known = e.kind == protocol::kMemRead || e.kind == protocol::kMemWrite;
    const std::uint32_t requester = ctx.index_of(kResp, e.src);
    const bool one_line = w.w[1] > 0 && w.w[0] / p.line_size == (w.w[0] + w.w[1] - 1) / p.line_size;
    if (!known || !one_line || requester == archlab::kNoIndex) {
      ctx.stat_add(kRejected, 1.0);
      return;
    }
    request(s, p, Target{w.w[0], w.w[1], w.w[3], requester, e.kind, 0}, ctx);
  }
};

} // namespace

ARCHLAB_REGISTER_COMPONENT(Cache, memory, "1.0.0", "example: direct-mapped cache with MSHRs in front of a memory")
