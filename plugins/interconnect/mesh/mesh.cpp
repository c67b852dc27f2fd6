// interconnect.mesh: an X x Y 2-D mesh of routers with dimension-order (XY) routing, a router
// pipeline delay, per-link bandwidth, packets split into flits and contention on every link.
//
// Events of any kind enter on `in` and leave, payload untouched, on `out` to the endpoint named
// by Event::route; the delivered event's route is the endpoint it came from (protocol.hpp).
// Endpoint e sits at router e mod (X * Y) (router r at column r mod X, row r / X).
//
// One component models the whole mesh: it keeps when each link is next free, and moves a packet
// one hop per event. A packet of F flits (ceil(bytes / flit_size)) whose head reaches router r at
// time t, bound for a mesh link L (XY order: along X first, then along Y):
//
//   start = max(t + router delay, L free)    L free = start + F * flit time    head at the next router: start + link
//   delay
//
// and, at its destination router, for the ejection port E to its endpoint:
//
//   start = max(t, E free)                   E free = start + F * flit time    delivered (tail) = start + F * flit time
//
// so with no contention a packet over H hops takes H * (router delay + link delay) + F * flit time
// (plus the latencies of the links into and out of the mesh). This is virtual cut-through with
// unbounded buffers: flits of a packet stay together, nothing pushes back. Each link is served
// first come first served; heads that reach a router at the same time go in the engines' total
// order.
//
// The hop from router to router is an event the mesh sends itself through its `hop` port, which
// must be linked to its own `hop_in`; that link's latency is the link delay. Events that cross a
// link always land at or after the end of the engines' current window, so however many packets
// are in flight the mesh never has a same-window self event pending (the GPU engine keeps at most
// 16 per component), and the link's latency gives the engines their lookahead.
#include "../packet.hpp"

namespace {

using archlab::Tick;
namespace net = archlab::interconnect;

inline constexpr std::uint32_t kMaxSide = 16;                     ///< routers along X and along Y
inline constexpr std::uint32_t kMaxRouters = kMaxSide * kMaxSide; ///< fits the 8 bits a hop event carries it in
inline constexpr std::uint32_t kMaxEndpoints = 4096;              ///< fits the 12 bits a hop event carries each in

struct Mesh {
  static constexpr const char* kName = "interconnect.mesh";
  static constexpr std::uint32_t kMaxSendsPerEvent = 1;

  struct Params {
    std::uint64_t x;
    std::uint64_t y;
    double clock;
    std::uint64_t router_cycles;
    std::uint64_t flit_size;
    double link_bandwidth;
    std::uint64_t header;
    double flit_hop_energy_pj;
    double router_area_mm2;
  };

  /// A router's output ports.
  enum Direction : std::uint32_t { kEast, kWest, kNorth, kSouth, kEject, kDirections };
  struct State {
    Tick link_free[kMaxRouters][kDirections]; ///< when each router's output port is next free
  };

  enum Port : archlab::PortId { kIn, kOut, kHop, kHopIn, kSources };
  enum Stat : std::uint32_t { kPackets, kFlits, kBytes, kHops, kFlitHops, kBusyTime, kQueueDelay, kEnergy, kArea };

  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM_RANGE(Params, x, UInt, "4", "routers along X (columns)", 1.0, kMaxSide),
      ARCHLAB_PARAM_RANGE(Params, y, UInt, "4", "routers along Y (rows)", 1.0, kMaxSide),
      ARCHLAB_PARAM_RANGE(Params, clock, Frequency, "1 GHz", "router clock", 1e3, 1e12),
      ARCHLAB_PARAM_RANGE(Params, router_cycles, UInt, "1",
                          "router pipeline delay in cycles, paid at every router a packet leaves through a mesh link",
                          0.0, 1e6),
      ARCHLAB_PARAM_RANGE(Params, flit_size, Size, "16 B",
                          "bytes per flit: packets are split into ceil(bytes / flit_size)", 1.0, 1e9),
      ARCHLAB_PARAM_RANGE(Params, link_bandwidth, Bandwidth, "16 GB/s",
                          "bytes per second of each link and ejection port; flit time = flit_size / link_bandwidth "
                          "(default: one 16 B flit per 1 GHz cycle)",
                          1.0, 1e18),
      ARCHLAB_PARAM_RANGE(Params, header, Size, "8 B",
                          "bytes of a packet without data: commands, read requests, acknowledgements (README.md)", 1.0,
                          1e9),
      ARCHLAB_PARAM_RANGE(Params, flit_hop_energy_pj, Float, "22",
                          "energy of one flit through one router and out of one of its ports, in pJ; default: "
                          "128-bit flit at 0.17 pJ/bit per router, from the 45 nm 4x4 mesh of Park et al. (DAC 2012) "
                          "(README.md shows the derivation)",
                          0.0, 1e9),
      ARCHLAB_PARAM_RANGE(Params, router_area_mm2, Float, "0.34",
                          "area of one router in mm^2; default: the 5-port router of Intel's 80-tile chip, 65 nm "
                          "(Vangal et al., IEEE JSSC 2008)",
                          0.0, 1e6),
  };
  static constexpr archlab::PortSpec ports[] = {
      {"in", archlab::PortDirection::In, "packets to carry: Event::route is the destination endpoint"},
      {"out", archlab::PortDirection::Out,
       "to the endpoints, in endpoint order (receiver e is endpoint e, at router e mod X*Y); the delivered route is "
       "the source endpoint"},
      {"hop", archlab::PortDirection::Out,
       "router-to-router hops: link it to this mesh's own `hop_in` with the link delay as latency "
       "(from = \"noc.hop\", to = \"noc.hop_in\", latency = \"1 ns\")"},
      {"hop_in", archlab::PortDirection::In, "hops arriving from `hop`"},
      {"sources", archlab::PortDirection::Out,
       "optional, carries nothing: link it to senders that are not receivers of `out` to number them as endpoints; "
       "an event from a component neither port reaches stops the run with an error on this port"},
  };
  static constexpr archlab::StatSpec stats[] = {
      {"packets", "packets", "packets delivered"},
      {"flits", "flits", "flits delivered"},
      {"bytes", "bytes", "bytes delivered, headers included"},
      {"hops", "hops", "router-to-router links crossed by packets (H per packet; not counting ejection)"},
      {"flit_hops", "flit-hops", "flits times routers crossed (H + 1 per packet: the last router ejects)"},
      {"busy_time", "ps", "time links and ejection ports spent carrying flits, summed over them"},
      {"queue_delay", "ps", "time packets waited for busy links and ejection ports"},
      {"energy", "pJ", "flit_hops * flit_hop_energy_pj"},
      {"area", "mm^2", "X * Y * router_area_mm2"},
  };

  // A hop event's route: source endpoint (12 bits), destination endpoint (12), router reached (8).
  ARCHLAB_HD static std::uint32_t pack(std::uint32_t source, std::uint32_t destination, std::uint32_t router) {
    return (source << 20) | (destination << 8) | router;
  }

  ARCHLAB_HD static void init(State&, const Params& p, archlab::Context& ctx) {
    ctx.stat_add(kArea, static_cast<double>(p.x * p.y) * p.router_area_mm2);
  }

  ARCHLAB_HD static void handle(State& s, const Params& p, const archlab::Event& e, archlab::Context& ctx) {
    const auto routers = static_cast<std::uint32_t>(p.x * p.y);
    if (e.port == kHopIn) {
      const std::uint32_t source = e.route >> 20;
      const std::uint32_t destination = (e.route >> 8) & 0xfffu;
      hop(s, p, e, source, destination, e.route & 0xffu, ctx);
    } else if (e.port == kIn) {
      const std::uint32_t source = net::source_endpoint(ctx, kOut, kSources, e.src);
      if (source == archlab::kNoIndex) return net::stop_unknown_source(ctx, kSources, e);
      const std::uint32_t destination = e.route;
      // A destination no receiver of `out` has stops the run here, naming the port; so do
      // endpoints beyond what a hop event can carry.
      if (destination >= ctx.fanout(kOut) || destination >= kMaxEndpoints || source >= kMaxEndpoints) {
        return ctx.send(kOut, 0, e.kind, e.payload, archlab::kNoIndex);
      }
      hop(s, p, e, source, destination, source % routers, ctx);
    }
  }

  /// The head of a packet has reached `router` now: reserve its next output port.
  ARCHLAB_HD static void hop(State& s, const Params& p, const archlab::Event& e, std::uint32_t source,
                             std::uint32_t destination, std::uint32_t router, archlab::Context& ctx) {
    const auto columns = static_cast<std::uint32_t>(p.x);
    const std::uint32_t target = destination % static_cast<std::uint32_t>(p.x * p.y);
    const std::uint64_t bytes = net::packet_bytes(e, p.header);
    const std::uint64_t flits = net::ceil_div(bytes, p.flit_size);
    const Tick occupancy = flits * net::serialization_ticks(p.flit_size, p.link_bandwidth);
    const Tick now = ctx.now();
    ctx.stat_add(kFlitHops, static_cast<double>(flits));
    ctx.stat_add(kEnergy, static_cast<double>(flits) * p.flit_hop_energy_pj);
    ctx.stat_add(kBusyTime, static_cast<double>(occupancy));

    if (router == target) {
      Tick& free = s.link_free[router][kEject];
      const Tick start = free > now ? free : now;
      free = start + occupancy;
      ctx.stat_add(kQueueDelay, static_cast<double>(start - now));
      ctx.stat_add(kPackets, 1.0);
      ctx.stat_add(kFlits, static_cast<double>(flits));
      ctx.stat_add(kBytes, static_cast<double>(bytes));
      ctx.send(kOut, start + occupancy - now, e.kind, e.payload, destination, source);
      return;
    }

    const std::uint32_t column = router % columns, row = router / columns;
    const std::uint32_t target_column = target % columns, target_row = target / columns;
    Direction direction;
    std::uint32_t next;
    if (target_column > column) {
      direction = kEast;
      next = router + 1;
    } else if (target_column < column) {
      direction = kWest;
      next = router - 1;
    } else if (target_row > row) {
      direction = kSouth;
      next = router + columns;
    } else {
      direction = kNorth;
      next = router - columns;
    }
    const Tick ready = now + p.router_cycles * net::cycle_ticks(p.clock);
    Tick& free = s.link_free[router][direction];
    const Tick start = free > ready ? free : ready;
    free = start + occupancy;
    ctx.stat_add(kQueueDelay, static_cast<double>(start - ready));
    ctx.stat_add(kHops, 1.0);
    // The hop link's latency is the link delay: the head reaches `next` at start + link delay.
    ctx.send(kHop, start - now, e.kind, e.payload, 0, pack(source, destination, next));
  }
};

} // namespace

ARCHLAB_REGISTER_COMPONENT(Mesh, interconnect, "1.0.0",
                           "2-D mesh NoC: XY routing, router pipeline, flits, per-link bandwidth and contention")
