// workload.noc_traffic: synthetic traffic for interconnects, to draw latency-vs-load curves the
// way Dally & Towles, "Principles and Practices of Interconnection Networks" (2004), measure them.
//
// Nodes talk through the interconnect their `out` and `in` are linked to (`to = "noc.in"`,
// `from = "noc.out"`, `to = "node[*].in"`), whose endpoints 0 .. X*Y-1 form an X by Y grid
// (endpoint e at column e mod X, row e / X); node i of the array is endpoint first_endpoint + i.
// In every cycle a node creates a packet of `packet_flits` flits with probability
// rate / packet_flits (a Bernoulli process: `rate` is the offered load in flits per node per
// cycle) and picks its destination by `pattern`:
//   uniform    every endpoint (itself included) with the same probability;
//   transpose  the endpoint at (column c, row r) sends to (column r, row c) (X = Y);
//   hotspot    endpoint `hotspot` with probability hotspot_fraction, else uniform.
// Packets wait in the node's source queue and enter the interconnect one flit per cycle; latency
// is counted from creation (source queueing included) to arrival. Each cycle's trial is a 32-bit
// word from ctx.rng4(); a node draws the trials of the cycles ahead until one succeeds and wakes
// up only then, so it has one self event pending and one event per packet.
//
// Measurement (README.md): packets created in the window [warmup, warmup + measure) are the
// measured ones, their latency is averaged; flits arriving in the window give the accepted
// throughput. measure = 0: the window lasts until the run stops.
//
// A packet is private kind kPacket: w[0] creation time, w[1] source endpoint, w[2] packet bytes
// (the size word interconnects read for private kinds), w[3] the source's packet number.
#include <cmath>

#include <archlab/component.hpp>
#include <archlab/protocol.hpp>

namespace {

using archlab::Tick;

inline constexpr std::uint32_t kSearchCycles = 256; ///< Bernoulli trials one event draws at most
inline constexpr double kMaxNodes = 1 << 24;

struct NocTraffic {
  static constexpr const char* kName = "workload.noc_traffic";
  /// A packet, and the next creation.
  static constexpr std::uint32_t kMaxSendsPerEvent = 2;

  enum Pattern : std::uint32_t { kUniform, kTranspose, kHotspot };
  struct Params {
    std::uint32_t pattern;
    double rate;
    std::uint64_t packet_flits;
    std::uint64_t flit_size;
    double clock;
    std::uint64_t x;
    std::uint64_t y;
    std::uint64_t first_endpoint;
    std::uint64_t hotspot;
    double hotspot_fraction;
    Tick warmup;
    Tick measure;
    Tick duration;
  };
  struct State {
    Tick source_free; ///< when the source queue's last packet has entered the interconnect
    std::uint64_t created;
  };

  enum Port : archlab::PortId { kIn, kOut };
  enum Stat : std::uint32_t {
    kSent,
    kSentFlits,
    kReceived,
    kReceivedFlits,
    kMeasuredSent,
    kSourceDelay,
    kMeasuredReceived,
    kLatency,
    kDistance,
    kWindowFlits,
    kMisdelivered
  };
  static constexpr std::uint16_t kPacket = archlab::protocol::kFirstPrivateKind + 0x10;
  static constexpr std::uint16_t kTick = archlab::protocol::kFirstPrivateKind;
  /// What a kTick event does (payload w[0]): create a packet, or go on looking for the next one.
  static constexpr std::uint64_t kCreate = 1, kSearch = 0;

  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM_CHOICE(Params, pattern, "uniform|transpose|hotspot", "uniform", "destination pattern"),
      ARCHLAB_PARAM_RANGE(Params, rate, Float, "0.1", "offered load in flits per node per cycle (0 to 1)", 0.0, 1.0),
      ARCHLAB_PARAM_RANGE(Params, packet_flits, UInt, "1", "flits per packet", 1.0, 1e6),
      ARCHLAB_PARAM_RANGE(Params, flit_size, Size, "16 B",
                          "bytes per flit (the interconnect's); a packet is packet_flits * flit_size bytes", 1.0, 1e9),
      ARCHLAB_PARAM_RANGE(Params, clock, Frequency, "1 GHz", "cycle of the injection process and the source queue", 1e3,
                          1e12),
      ARCHLAB_PARAM_RANGE(Params, x, UInt, "8", "endpoints along X: endpoint e is at column e mod X, row e / X", 1.0,
                          kMaxNodes),
      ARCHLAB_PARAM_RANGE(Params, y, UInt, "8",
                          "endpoints along Y: X * Y endpoints in all (the nodes of this array and of others)", 1.0,
                          kMaxNodes),
      ARCHLAB_PARAM(Params, first_endpoint, UInt, "0",
                    "endpoint of node 0 of this array: node i is endpoint first_endpoint + i (arrays after the first "
                    "on one interconnect)"),
      ARCHLAB_PARAM(Params, hotspot, UInt, "0", "the hotspot endpoint (pattern = hotspot)"),
      ARCHLAB_PARAM_RANGE(Params, hotspot_fraction, Float, "0.2",
                          "probability that a packet goes to the hotspot (pattern = hotspot)", 0.0, 1.0),
      ARCHLAB_PARAM_RANGE(Params, warmup, Time, "0 ns", "start of the measurement window", 0.0, 1e18),
      ARCHLAB_PARAM_RANGE(Params, measure, Time, "0 ns", "length of the measurement window; 0: until the run stops",
                          0.0, 1e18),
      ARCHLAB_PARAM_RANGE(Params, duration, Time, "0 ns",
                          "packets are created before this time only (then the network drains and the run ends); "
                          "0: until the run's stop_time",
                          0.0, 1e18),
  };
  static constexpr archlab::PortSpec ports[] = {
      {"in", archlab::PortDirection::In, "packets from the interconnect"},
      {"out", archlab::PortDirection::Out,
       "into the interconnect (receiver 0); Event::route is the destination endpoint"},
  };
  static constexpr archlab::StatSpec stats[] = {
      {"sent", "packets", "packets created"},
      {"sent_flits", "flits", "flits created"},
      {"received", "packets", "packets received"},
      {"received_flits", "flits", "flits received"},
      {"measured_sent", "packets", "packets created in the measurement window"},
      {"source_delay", "ps", "time measured packets waited in the source queue, summed (part of their latency)"},
      {"measured_received", "packets", "packets created in the window and received (at any time)"},
      {"latency", "ps", "creation to arrival, summed over measured packets received"},
      {"distance", "hops",
       "X-Y (Manhattan) distance from source to destination, summed over measured packets received"},
      {"window_flits", "flits", "flits received during the window: accepted throughput"},
      {"misdelivered", "packets", "packets whose route was not their source endpoint (an interconnect bug)"},
  };

  static const char* validate(const Params& p) {
    if (static_cast<double>(p.x) * static_cast<double>(p.y) > kMaxNodes) return "x * y must be at most 2^24";
    if (p.pattern == kTranspose && p.x != p.y) return "pattern = transpose needs x = y";
    if (p.pattern == kHotspot && p.hotspot >= p.x * p.y) return "hotspot must be an endpoint below x * y";
    return nullptr;
  }

  ARCHLAB_HD static Tick cycle(const Params& p) {
    const auto rounded = static_cast<Tick>(llround(1e12 / p.clock));
    return rounded > 0 ? rounded : 1;
  }
  ARCHLAB_HD static bool in_window(const Params& p, Tick t) {
    return t >= p.warmup && (p.measure == 0 || t - p.warmup < p.measure);
  }
  ARCHLAB_HD static std::uint64_t distance(const Params& p, std::uint64_t a, std::uint64_t b) {
    const std::uint64_t ax = a % p.x, ay = a / p.x, bx = b % p.x, by = b / p.x;
    return (ax > bx ? ax - bx : bx - ax) + (ay > by ? ay - by : by - ay);
  }

  ARCHLAB_HD static void init(State& s, const Params& p, archlab::Context& ctx) {
    s.source_free = 0;
    s.created = 0;
    if (p.rate > 0.0) search(p, 0, ctx);
  }

  ARCHLAB_HD static void handle(State& s, const Params& p, const archlab::Event& e, archlab::Context& ctx) {
    if (e.port == archlab::kSelfPort) {
      if (e.payload.w[0] == kCreate) {
        create(s, p, ctx);
        search(p, ctx.now() + cycle(p), ctx);
      } else {
        search(p, ctx.now(), ctx);
      }
    } else {
      receive(p, e, ctx);
    }
  }

  /// Look for the next cycle, from `from` on, whose Bernoulli trial succeeds (a 32-bit word below
  /// the threshold, four trials per draw), and schedule the packet's creation there; after
  /// kSearchCycles failed trials, schedule a search that goes on from the next cycle.
  ARCHLAB_HD static void search(const Params& p, Tick from, archlab::Context& ctx) {
    const Tick period = cycle(p);
    const double per_cycle = p.rate / static_cast<double>(p.packet_flits);
    const auto threshold = static_cast<std::uint64_t>(per_cycle * 4294967296.0); // 2^32: every cycle
    archlab::Philox4x32 trials{};
    std::uint32_t c = 0;
    for (; c < kSearchCycles; ++c) {
      if (c % 4 == 0) trials = ctx.rng4();
      if (trials.v[c % 4] < threshold) break;
    }
    const Tick at = from + c * period;
    if (p.duration != 0 && at >= p.duration) return;
    ctx.schedule_self(at - ctx.now(), kTick, archlab::Payload{{c < kSearchCycles ? kCreate : kSearch, 0, 0, 0}});
  }

  /// A packet is created now: into the source queue, then into the interconnect.
  ARCHLAB_HD static void create(State& s, const Params& p, archlab::Context& ctx) {
    const Tick now = ctx.now();
    const Tick period = cycle(p);
    const Tick enters = s.source_free > now ? s.source_free : now;
    s.source_free = enters + p.packet_flits * period;
    const std::uint64_t source = p.first_endpoint + ctx.index();
    std::uint64_t destination = 0;
    if (p.pattern == kTranspose) {
      destination = source / p.x + (source % p.x) * p.x;
    } else {
      const archlab::Philox4x32 r = ctx.rng4();
      const bool hot =
          p.pattern == kHotspot && archlab::uniform01(archlab::join_bits(r.v[0], r.v[1])) < p.hotspot_fraction;
      destination = hot ? p.hotspot
                        : archlab::uniform_below(archlab::join_bits(r.v[2], 0), static_cast<std::uint32_t>(p.x * p.y));
    }
    ctx.stat_add(kSent, 1.0);
    ctx.stat_add(kSentFlits, static_cast<double>(p.packet_flits));
    if (in_window(p, now)) {
      ctx.stat_add(kMeasuredSent, 1.0);
      ctx.stat_add(kSourceDelay, static_cast<double>(enters - now));
    }
    const archlab::Payload packet{{now, source, p.packet_flits * p.flit_size, s.created++}};
    ctx.send(kOut, enters - now, kPacket, packet, 0, static_cast<std::uint32_t>(destination));
  }

  ARCHLAB_HD static void receive(const Params& p, const archlab::Event& e, archlab::Context& ctx) {
    const Tick now = ctx.now();
    const Tick created = e.payload.w[0];
    const std::uint64_t source = e.payload.w[1];
    const std::uint64_t flits = (e.payload.w[2] + p.flit_size - 1) / p.flit_size;
    ctx.stat_add(kReceived, 1.0);
    ctx.stat_add(kReceivedFlits, static_cast<double>(flits));
    if (in_window(p, now)) ctx.stat_add(kWindowFlits, static_cast<double>(flits));
    if (in_window(p, created)) {
      ctx.stat_add(kMeasuredReceived, 1.0);
      ctx.stat_add(kLatency, static_cast<double>(now - created));
      ctx.stat_add(kDistance, static_cast<double>(distance(p, source, p.first_endpoint + ctx.index())));
    }
    if (e.route != source) ctx.stat_add(kMisdelivered, 1.0);
  }
};

} // namespace

ARCHLAB_REGISTER_COMPONENT(
    NocTraffic, workload, "1.0.0",
    "synthetic NoC traffic (uniform, transpose, hotspot) at an offered load, for latency-vs-load")
