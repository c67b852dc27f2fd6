// interconnect.mesh: an X x Y 2-D mesh of routers with dimension-order (XY) routing, a router
// pipeline delay, per-link bandwidth, packets split into flits and contention on every link;
// optionally finite input buffers with virtual channels and credit flow control.
//
// Events of any kind enter on `in` and leave, payload untouched, on `out` to the endpoint named
// by Event::route; the delivered event's route is the endpoint it came from (protocol.hpp).
// Endpoint e sits at router e mod (X * Y) (router r at column r mod X, row r / X).
//
// One component models the whole mesh; the model moves a packet one hop at a time. A packet is
// F = ceil(bytes / flit_size) flits and holds a link for F flit times (virtual cut-through: its
// flits travel back to back). tr = router_cycles cycles, tl = the latency of the `hop` link.
//
// Unbounded buffers (buffer_flits = 0, the default): when the head of a packet reaches router r
// at time t, bound for output port L (a mesh link, XY order, or the ejection port E):
//
//   start = max(t + tr, L free)    L free = start + F * flit time    head at the next router: start + tl
//                                                                    (E: delivered at start + F * flit time)
//
// where the ejection port charges tr only with eject_pipeline = true. Nothing pushes back: every
// link and ejection port is first come first served, in the order heads reach it. The hops need
// no events: the mesh keeps them in its state and runs them, in the order the engines would
// have handled them as events, whenever it handles an event (see "hops advanced without events" below).
//
// Finite buffers (buffer_flits = B > 0, vcs = V): each router has five input ports (four from
// its neighbours, one from its endpoints' source queue), each with V virtual channels of B flits
// kept as FIFOs; only the head of a VC may go. The head asks for its output once it is head; it
// goes when the output has a downstream VC with room for min(F, B) flits and no older head waits
// for it (the ejection port always has room): then start = max(its arrival + tr, the VC's last
// tail out, L free, now). The space it held in this router returns to the upstream router as a
// credit at its tail time + tl. Packets from the endpoints wait in a source queue and enter an
// injection VC when it has room: the oldest 8 per router in the state, in order; the rest go
// round through `hop` until there is room, served roughly (not strictly) in order, since an
// event has no room left for a ticket.
//
// Every event that crosses a link lands at or after the end of the engines' current window. The
// self events: finite buffers, a zero-delay continuation, at most one pending, for grants beyond
// the handful one event may make; unbounded buffers, the same for deliveries, and at most one
// wake-up sooner than a hop link ahead (README.md). So the GPU engine's limit of 16 pending
// same-window self events per component holds however many packets are in flight, and the hop
// link's latency is the engines' lookahead.
#include "../packet.hpp"

namespace {

using archlab::Tick;
namespace net = archlab::interconnect;

inline constexpr std::uint32_t kMaxSide = 16;                     ///< routers along X and along Y
inline constexpr std::uint32_t kMaxRouters = kMaxSide * kMaxSide; ///< 256
inline constexpr std::uint32_t kMaxEndpoints = 4096;              ///< fits the 12 bits a hop event carries each in
inline constexpr std::uint32_t kCreditHop = 31; ///< a hop index no path reaches (at most 2 * 15): marks a credit
inline constexpr std::uint32_t kMaxVcs = 8;     ///< fits the 3 bits a hop event carries the VC in
inline constexpr std::uint32_t kMaxBufferFlits = 64;
inline constexpr std::uint32_t kMaxInputVcs = 4096;        ///< x * y * 5 * vcs
inline constexpr std::uint32_t kMaxBufferedPackets = 8192; ///< x * y * 5 * vcs * buffer_flits
inline constexpr std::uint32_t kSourceSlots = 8;           ///< source-queue packets per router in the state
inline constexpr std::uint32_t kLazySlots = 6144;          ///< unbounded buffers: packets whose hops the state holds
inline constexpr std::uint32_t kLazyReserve = 1024;        ///< slots kept for deliveries waiting to be sent
inline constexpr std::uint32_t kWakeSlots = 16;            ///< wake-ups the state remembers

struct Mesh {
  static constexpr const char* kName = "interconnect.mesh";
  /// Unbounded buffers: deliveries, the event's own hop, a wake-up, the continuation (see flush).
  static constexpr std::uint32_t kMaxSendsPerEvent = 16;
  /// Finite buffers: two per grant (the packet on, the credit back), a park, the continuation.
  static constexpr std::uint32_t kBufferedSends = 8;

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
    std::uint64_t buffer_flits;
    std::uint64_t vcs;
    bool eject_pipeline;
  };

  /// A router's ports: output ports toward a neighbour, and the input port a packet travelling
  /// that way arrives on at the neighbour (input port kEast: from the west neighbour); kLocal is
  /// the ejection port (output) and the injection port (input).
  enum Direction : std::uint32_t { kEast, kWest, kNorth, kSouth, kLocal, kDirections };
  static constexpr std::uint32_t kMeshDirections = 4;

  /// A packet in a buffer or in the source queue.
  struct Packet {
    archlab::Payload payload;
    Tick arrival; ///< when its head reached this router (or entered the source queue)
    std::uint16_t source;
    std::uint16_t destination;
    std::uint16_t kind;
    std::uint16_t unused;
  };
  enum VcStatus : std::uint8_t { kEmpty, kPending, kWaiting };
  /// One virtual channel of one input port: a FIFO of packets in `buffer`.
  struct InputVc {
    Tick free_at;        ///< when the last packet that left it has its tail out
    std::uint8_t head;   ///< FIFO position of its head in its B slots
    std::uint8_t count;  ///< packets in it
    std::uint8_t status; ///< VcStatus of its head: kPending in `pending_vcs`, kWaiting for `output`
    std::uint8_t output;
    std::uint32_t stamp; ///< when waiting: its router's wait counter then (older heads go first)
  };

  /// Finite buffers: the VCs, their packets, credits and the source queues.
  struct Buffered {
    std::uint16_t credits[kMaxRouters][kDirections][kMaxVcs]; ///< free flits of the VCs an output feeds
    std::uint8_t waiting[kMaxRouters][kMeshDirections];       ///< heads waiting for each mesh output
    std::uint8_t output_queued[kMaxRouters][kMeshDirections]; ///< in `pending_outputs`
    std::uint32_t stamp[kMaxRouters];
    std::uint32_t parked[kMaxRouters]; ///< source-queue packets beyond the state, going round through `hop`
    std::uint8_t source_head[kMaxRouters];
    std::uint8_t source_count[kMaxRouters];
    std::uint32_t pending_vcs_head, pending_vcs_count, pending_outputs_head, pending_outputs_count;
    std::uint16_t pending_vcs[kMaxInputVcs];                      ///< heads to route, in order
    std::uint16_t pending_outputs[kMaxRouters * kMeshDirections]; ///< outputs that got credits
    std::uint32_t continuation;                                   ///< a continuation self event is pending
    InputVc vcs[kMaxInputVcs];                                    ///< (router * 5 + input port) * V + vc
    Packet source[kMaxRouters][kSourceSlots];
    Packet buffer[kMaxBufferedPackets]; ///< VC i owns slots [i * B, (i + 1) * B)
  };

  /// Unbounded buffers: a packet's head on its way to a router, as a hop event would carry it;
  /// or, in the outbox, a delivery decided and not sent yet.
  struct Hop {
    archlab::Payload payload;
    Tick time;           ///< when its head reaches router (column, row) (in the outbox: when its tail leaves the mesh)
    std::uint64_t sends; ///< the mesh's send counter when the hop was made: its place among the mesh's own events
    std::uint16_t source;
    std::uint16_t destination;
    std::uint16_t kind;
    std::uint8_t column, row;               ///< the router its head reaches
    std::uint8_t target_column, target_row; ///< its destination's router
    std::uint16_t unused;
  };
  /// A pending hop in `Lazy::order`: its time, then made << 16 | slot (`made`: hops made before
  /// it, so that hops at the same time go in the order they were made).
  struct Pending {
    Tick time;
    std::uint64_t key;
  };
  struct Lazy {
    Hop hops[kLazySlots];
    Pending order[kLazySlots];          ///< binary heap of the pending hops in the engines' order
    Tick bound[kLazySlots];             ///< a pending hop's packet's earliest delivery (bound_of)
    std::uint16_t by_bound[kLazySlots]; ///< binary heap of the pending hops' slots by `bound`
    std::uint16_t bound_at[kLazySlots]; ///< a pending hop's position in `by_bound`
    std::uint16_t free_slots[kLazySlots];
    std::uint16_t outbox[kLazySlots]; ///< ring of deliveries decided and not sent yet, in the order decided
    std::uint32_t pending;            ///< hops in `order` and `by_bound`
    std::uint32_t used;               ///< slots ever handed out (the rest of `hops` is fresh)
    std::uint32_t free_count;
    std::uint32_t outbox_head, outbox_count;
    std::uint32_t continuation; ///< a continuation self event is pending
    std::uint64_t sends;        ///< events the mesh has sent: the order key of the next one (Event::seq)
    std::uint64_t made;
    std::uint64_t wake_ids;
    std::uint32_t wake_count; ///< wake-ups remembered, latest first: wake_time[wake_count - 1] is the earliest
    Tick wake_time[kWakeSlots];
    std::uint64_t wake_id[kWakeSlots];
  };

  struct State {
    Tick link_free[kMaxRouters][kDirections]; ///< when each router's output port is next free
    union {
      Buffered buffered; ///< buffer_flits > 0
      Lazy lazy;         ///< buffer_flits = 0
    };
  };

  enum Port : archlab::PortId { kIn, kOut, kHop, kHopIn, kSources };
  enum Stat : std::uint32_t {
    kPackets,
    kFlits,
    kBytes,
    kHops,
    kFlitHops,
    kBusyTime,
    kQueueDelay,
    kInjectionDelay,
    kCreditWaits,
    kParks,
    kEnergy,
    kArea
  };

  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM_RANGE(Params, x, UInt, "4", "routers along X (columns)", 1.0, kMaxSide),
      ARCHLAB_PARAM_RANGE(Params, y, UInt, "4", "routers along Y (rows)", 1.0, kMaxSide),
      ARCHLAB_PARAM_RANGE(Params, clock, Frequency, "1 GHz", "router clock", 1e3, 1e12),
      ARCHLAB_PARAM_RANGE(Params, router_cycles, UInt, "1",
                          "router pipeline delay in cycles, paid at every router a packet leaves through a mesh link "
                          "(and at the destination router with eject_pipeline = true)",
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
      ARCHLAB_PARAM_RANGE(Params, buffer_flits, UInt, "0",
                          "flits each virtual channel of each router input port holds, with credit flow control "
                          "(backpressure); 0: unbounded buffers, nothing pushes back (the fast default). "
                          "x * y * 5 * vcs * buffer_flits <= 8192 (README.md)",
                          0.0, kMaxBufferFlits),
      ARCHLAB_PARAM_RANGE(Params, vcs, UInt, "1",
                          "virtual channels per router input port, each a FIFO of buffer_flits flits (needs "
                          "buffer_flits > 0)",
                          1.0, kMaxVcs),
      ARCHLAB_PARAM(Params, eject_pipeline, Bool, "false",
                    "charge router_cycles at the destination router too, as cycle-level router models do: zero-load "
                    "latency (H + 1) tr + H tl + F t_f instead of H (tr + tl) + F t_f (README.md)"),
  };
  static constexpr archlab::PortSpec ports[] = {
      {"in", archlab::PortDirection::In, "packets to carry: Event::route is the destination endpoint"},
      {"out", archlab::PortDirection::Out,
       "to the endpoints, in endpoint order (receiver e is endpoint e, at router e mod X*Y); the delivered route is "
       "the source endpoint"},
      {"hop", archlab::PortDirection::Out,
       "router-to-router hops (and credits): link it to this mesh's own `hop_in` with the link delay as latency "
       "(from = \"noc.hop\", to = \"noc.hop_in\", latency = \"1 ns\")"},
      {"hop_in", archlab::PortDirection::In, "hops arriving from `hop`"},
      {"sources", archlab::PortDirection::Out,
       "optional, carries nothing: link it to senders that are not receivers of `out` to number them as endpoints; "
       "an event from a component neither port reaches stops the run with an error on this port"},
  };
  /// Context::stop reasons. Unreachable by the argument in "hops advanced without events"; the
  /// check keeps a broken argument from writing past the state.
  static constexpr const char* stop_reasons[] = {
      "unbounded buffers: no room left in the state for a delivery waiting to be sent (a bug in "
      "interconnect.mesh: please report it with the experiment)",
  };
  static constexpr archlab::StatSpec stats[] = {
      {"packets", "packets", "packets delivered"},
      {"flits", "flits", "flits delivered"},
      {"bytes", "bytes", "bytes delivered, headers included"},
      {"hops", "hops", "router-to-router links crossed by packets (H per packet; not counting ejection)"},
      {"flit_hops", "flit-hops", "flits times routers crossed (H + 1 per packet: the last router ejects)"},
      {"busy_time", "ps", "time links and ejection ports spent carrying flits, summed over them"},
      {"queue_delay", "ps",
       "time packets waited in routers beyond the router pipeline: for busy links and ejection ports, and (finite "
       "buffers) for credits and for the packets ahead of them in their VC"},
      {"injection_delay", "ps",
       "finite buffers: time packets waited in the mesh's source queues for room in an injection VC"},
      {"credit_waits", "requests",
       "finite buffers: heads that found no downstream VC with room (or an older head waiting) for their output"},
      {"parks", "events",
       "finite buffers: trips round `hop` of source-queue packets beyond the 8 per router the state holds"},
      {"energy", "pJ", "flit_hops * flit_hop_energy_pj"},
      {"area", "mm^2", "X * Y * router_area_mm2"},
  };

  static const char* validate(const Params& p) {
    if (p.buffer_flits == 0) {
      return p.vcs == 1 ? nullptr
                        : "vcs > 1 needs buffer_flits > 0: with unbounded buffers (buffer_flits = 0) there are no "
                          "virtual channels";
    }
    const std::uint64_t input_vcs = p.x * p.y * kDirections * p.vcs;
    if (input_vcs > kMaxInputVcs) {
      return "x * y * 5 * vcs must be at most 4096 (the VCs of every router input port live in the mesh's "
             "fixed-size state): use fewer vcs or a smaller mesh";
    }
    if (input_vcs * p.buffer_flits > kMaxBufferedPackets) {
      return "x * y * 5 * vcs * buffer_flits must be at most 8192 (every buffered packet lives in the mesh's "
             "fixed-size state): an 8 x 8 mesh allows vcs * buffer_flits <= 25, a 16 x 16 mesh <= 6";
    }
    return nullptr;
  }

  // A hop event's route: source endpoint (12 bits), destination endpoint (12), hops taken so far
  // (5: the router reached follows from the XY path), VC it occupies there (3). Hop 0 (finite
  // buffers): a source-queue packet parked outside the state; hop kCreditHop: a credit, whose
  // payload is (router, output port, VC, flits).
  ARCHLAB_HD static std::uint32_t pack(std::uint32_t source, std::uint32_t destination, std::uint32_t hop,
                                       std::uint32_t vc) {
    return (source << 20) | (destination << 8) | (hop << 3) | vc;
  }
  static constexpr std::uint32_t kCreditRoute = kCreditHop << 3;

  ARCHLAB_HD static std::uint32_t routers(const Params& p) { return static_cast<std::uint32_t>(p.x * p.y); }
  ARCHLAB_HD static Tick flit_ticks(const Params& p) { return net::serialization_ticks(p.flit_size, p.link_bandwidth); }
  ARCHLAB_HD static Tick router_ticks(const Params& p) { return p.router_cycles * net::cycle_ticks(p.clock); }
  ARCHLAB_HD static std::uint64_t flits_of(const Params& p, std::uint16_t kind, const archlab::Payload& payload) {
    archlab::Event e{};
    e.kind = kind;
    e.payload = payload;
    return net::ceil_div(net::packet_bytes(e, p.header), p.flit_size);
  }
  ARCHLAB_HD static std::uint32_t absolute_difference(std::uint32_t a, std::uint32_t b) {
    return a > b ? a - b : b - a;
  }

  /// The output port a packet at `router` takes toward `target` (XY: along X first).
  ARCHLAB_HD static Direction route(const Params& p, std::uint32_t router, std::uint32_t target) {
    const auto columns = static_cast<std::uint32_t>(p.x);
    const std::uint32_t column = router % columns, row = router / columns;
    const std::uint32_t target_column = target % columns, target_row = target / columns;
    if (target_column > column) return kEast;
    if (target_column < column) return kWest;
    if (target_row > row) return kSouth;
    if (target_row < row) return kNorth;
    return kLocal;
  }
  ARCHLAB_HD static std::uint32_t neighbour(const Params& p, std::uint32_t router, std::uint32_t direction) {
    const auto columns = static_cast<std::uint32_t>(p.x);
    switch (direction) {
    case kEast:
      return router + 1;
    case kWest:
      return router - 1;
    case kSouth:
      return router + columns;
    default:
      return router - columns; // kNorth
    }
  }
  /// Where a packet from `start` to `target` is after `hop` hops: the router, and the input port
  /// it arrived on there (kLocal at hop 0).
  ARCHLAB_HD static void place(const Params& p, std::uint32_t start, std::uint32_t target, std::uint32_t hop,
                               std::uint32_t& router, std::uint32_t& input) {
    const auto columns = static_cast<std::uint32_t>(p.x);
    const std::uint32_t column = start % columns, row = start / columns;
    const std::uint32_t target_column = target % columns, target_row = target / columns;
    const std::uint32_t along_x = absolute_difference(column, target_column);
    if (hop == 0) {
      router = start;
      input = kLocal;
    } else if (hop <= along_x) {
      const bool east = target_column > column;
      router = row * columns + (east ? column + hop : column - hop);
      input = east ? kEast : kWest;
    } else {
      const bool south = target_row > row;
      const std::uint32_t along_y = hop - along_x;
      router = (south ? row + along_y : row - along_y) * columns + target_column;
      input = south ? kSouth : kNorth;
    }
  }
  ARCHLAB_HD static std::uint32_t hops_from(const Params& p, std::uint32_t start, std::uint32_t router) {
    const auto columns = static_cast<std::uint32_t>(p.x);
    return absolute_difference(start % columns, router % columns) +
           absolute_difference(start / columns, router / columns);
  }

  ARCHLAB_HD static void init(State& s, const Params& p, archlab::Context& ctx) {
    ctx.stat_add(kArea, static_cast<double>(p.x * p.y) * p.router_area_mm2);
    for (std::uint32_t r = 0; r < routers(p); ++r) {
      for (std::uint32_t d = 0; d < kDirections; ++d) {
        for (std::uint32_t v = 0; v < p.vcs; ++v)
          s.buffered.credits[r][d][v] = static_cast<std::uint16_t>(p.buffer_flits);
      }
    }
  }

  ARCHLAB_HD static void handle(State& s, const Params& p, const archlab::Event& e, archlab::Context& ctx) {
    std::uint32_t source = 0, destination = 0, hop = 0, vc = 0;
    if (e.port == kHopIn) {
      source = e.route >> 20;
      destination = (e.route >> 8) & 0xfffu;
      hop = (e.route >> 3) & 0x1fu;
      vc = e.route & 0x7u;
    } else if (e.port == kIn) {
      source = net::source_endpoint(ctx, kOut, kSources, e.src);
      if (source == archlab::kNoIndex) return net::stop_unknown_source(ctx, kSources, e);
      destination = e.route;
      // A destination no receiver of `out` has stops the run here, naming the port; so do
      // endpoints beyond what a hop event can carry.
      if (destination >= ctx.fanout(kOut) || destination >= kMaxEndpoints || source >= kMaxEndpoints) {
        return ctx.send(kOut, 0, e.kind, e.payload, archlab::kNoIndex);
      }
    } else if (e.port != archlab::kSelfPort) {
      return;
    }
    if (p.buffer_flits == 0) return handle_unbounded(s, p, e, source, destination, hop, ctx);

    std::uint32_t sends = 0;
    if (e.port == archlab::kSelfPort) {
      s.buffered.continuation = 0;
    } else if (e.port == kHopIn && hop == kCreditHop) {
      credit(s, p, e.payload, ctx);
    } else if (e.port == kHopIn && hop != 0) {
      std::uint32_t router = 0, input = 0;
      place(p, source % routers(p), destination % routers(p), hop, router, input);
      const Packet packet{
          e.payload, ctx.now(), static_cast<std::uint16_t>(source), static_cast<std::uint16_t>(destination), e.kind, 0};
      push(s, p, vc_index(p, router, input, vc), packet);
    } else {
      enqueue_source(s, p, e, source, destination, e.port == kHopIn, sends, ctx);
    }
    drain(s, p, sends, ctx);
  }

  // ---- unbounded buffers: hops advanced without events -------------------------------------
  //
  // The model is the one above; what changes is that a hop is not an event. Each hop the mesh
  // used to send itself through `hop` is an entry of its state (`Lazy`), and whenever the mesh
  // handles an event it first runs the entries that the engines' total order (time, sender,
  // sequence) puts before that event, in that order, then the event. An entry compares as its
  // hop event would have: at the same time, before an event from a higher component id, after one
  // from a lower id, and against the mesh's own events (wake-ups, continuations, hop events) by
  // when it was made: before an event sent after it, i.e. when `sends`, the mesh's send counter
  // when it was made, is at most that event's sequence number. Among themselves entries go in the
  // order they were made. So every link is reserved by the same packets in the same order, and
  // every statistic is added in the same order, as with one event per hop; only later in real
  // time, at the mesh's next event.
  //
  // A delivery needs an event no later than its packet's tail leaves the mesh (a send cannot
  // have a negative delay). So the mesh keeps a wake-up pending no later than the earliest time
  // any waiting packet could leave (`bound_of`: its hops left uncontended from where
  // its head is). Wake-ups at least a hop link ahead go through `hop`; only a packet whose last
  // hop was run late can need one sooner, and then no other is needed sooner than it while it
  // is pending, so at most one same-window wake-up is pending at a time. Deliveries decided go
  // out in the order decided, up to 14 per event (kMaxSendsPerEvent less a wake-up and a
  // continuation); the rest wait for a zero-delay continuation at the same time. When the state
  // holds kLazySlots - kLazyReserve packets (far past saturation), a new hop goes as an event, as
  // before. The reserve holds the deliveries of packets that were never entries (a packet for
  // its own router, or one whose last hop was an event): at most one per event, while each event
  // sends at least 13 of the at most 5,120 waiting ahead of them, so fewer than 430 at once.

  /// A kSelfPort event's kind (unbounded buffers).
  enum SelfKind : std::uint16_t { kContinue, kWake };
  /// A wake-up sent through `hop` carries this route (kCreditHop: no credits without buffers).
  static constexpr std::uint32_t kWakeRoute = kCreditRoute;

  /// Delays every claim needs, worked out once per event.
  struct Timing {
    Tick router; ///< tr
    Tick eject;  ///< tr with eject_pipeline, else 0
    Tick flit;
    Tick link; ///< tl, the `hop` link's latency
  };

  /// A packet from `source` to `destination` whose head reaches the router `hop` hops along its
  /// path at `time`.
  ARCHLAB_HD static Hop make_hop(const Params& p, Tick time, std::uint32_t source, std::uint32_t destination,
                                 std::uint32_t hop, std::uint16_t kind, const archlab::Payload& payload) {
    std::uint32_t router = 0, input = 0;
    const std::uint32_t target = destination % routers(p);
    place(p, source % routers(p), target, hop, router, input);
    const auto columns = static_cast<std::uint32_t>(p.x);
    return Hop{payload,
               time,
               0,
               static_cast<std::uint16_t>(source),
               static_cast<std::uint16_t>(destination),
               kind,
               static_cast<std::uint8_t>(router % columns),
               static_cast<std::uint8_t>(router / columns),
               static_cast<std::uint8_t>(target % columns),
               static_cast<std::uint8_t>(target / columns),
               0};
  }

  /// The head of the packet of `h` reaches its router at h.time: reserve its next output port
  /// (the model at the top of this file). Returns true when that is the ejection port, with
  /// h.time then the time its tail leaves the mesh; otherwise h moves on to the next router,
  /// reached at h.time. `occupancy`: F flit times.
  ARCHLAB_HD static bool claim(State& s, const Params& p, const Timing& t, Hop& h, Tick& occupancy,
                               archlab::Context& ctx) {
    archlab::Event e{};
    e.kind = h.kind;
    e.payload = h.payload;
    const std::uint64_t bytes = net::packet_bytes(e, p.header);
    const std::uint64_t flits = net::ceil_div(bytes, p.flit_size);
    occupancy = flits * t.flit;
    ctx.stat_add(kFlitHops, static_cast<double>(flits));
    ctx.stat_add(kEnergy, static_cast<double>(flits) * p.flit_hop_energy_pj);
    ctx.stat_add(kBusyTime, static_cast<double>(occupancy));
    // XY: along the row first (route()).
    const Direction direction = h.target_column > h.column   ? kEast
                                : h.target_column < h.column ? kWest
                                : h.target_row > h.row       ? kSouth
                                : h.target_row < h.row       ? kNorth
                                                             : kLocal;
    const Tick ready = h.time + (direction != kLocal ? t.router : t.eject);
    Tick& free = s.link_free[h.row * static_cast<std::uint32_t>(p.x) + h.column][direction];
    const Tick start = free > ready ? free : ready;
    free = start + occupancy;
    ctx.stat_add(kQueueDelay, static_cast<double>(start - ready));
    if (direction == kLocal) {
      ctx.stat_add(kPackets, 1.0);
      ctx.stat_add(kFlits, static_cast<double>(flits));
      ctx.stat_add(kBytes, static_cast<double>(bytes));
      h.time = start + occupancy;
      return true;
    }
    ctx.stat_add(kHops, 1.0);
    // The hop link's latency is the link delay: the head reaches the next router at start + link delay.
    h.time = start + t.link;
    switch (direction) {
    case kEast:
      ++h.column;
      break;
    case kWest:
      --h.column;
      break;
    case kSouth:
      ++h.row;
      break;
    default:
      --h.row; // kNorth
    }
    return false;
  }

  /// The earliest time the packet of `h` can leave the mesh: its hops left, uncontended.
  ARCHLAB_HD static Tick bound_of(const Timing& t, const Hop& h, Tick occupancy) {
    const Tick left = absolute_difference(h.column, h.target_column) + absolute_difference(h.row, h.target_row);
    return h.time + left * (t.router + t.link) + t.eject + occupancy;
  }

  // Two binary heaps: `order` of Pending entries, `by_bound` of slots by `bound`, keeping each
  // slot's position in `bound_at` so that a hop whose bound grows can move in it.
  ARCHLAB_HD static bool order_before(const Pending& a, const Pending& b) {
    return a.time != b.time ? a.time < b.time : a.key < b.key;
  }
  /// Adds `entry` to `order`, which holds `count` entries.
  ARCHLAB_HD static void order_push(Lazy& z, const Pending& entry, std::uint32_t count) {
    std::uint32_t i = count;
    while (i > 0 && order_before(entry, z.order[(i - 1) / 2])) {
      z.order[i] = z.order[(i - 1) / 2];
      i = (i - 1) / 2;
    }
    z.order[i] = entry;
  }
  /// Puts `entry` in place of the top of `order` (`count` entries). The hole goes down to a leaf
  /// by the smaller child, then `entry` up from there: an entry that replaces the top is mostly
  /// later than most, so this takes fewer comparisons than sifting it down.
  ARCHLAB_HD static void order_replace_top(Lazy& z, const Pending& entry, std::uint32_t count) {
    std::uint32_t i = 0;
    for (std::uint32_t l = 1; l < count; l = 2 * i + 1) {
      const std::uint32_t m = l + 1 < count && order_before(z.order[l + 1], z.order[l]) ? l + 1 : l;
      z.order[i] = z.order[m];
      i = m;
    }
    while (i > 0 && order_before(entry, z.order[(i - 1) / 2])) {
      z.order[i] = z.order[(i - 1) / 2];
      i = (i - 1) / 2;
    }
    z.order[i] = entry;
  }
  ARCHLAB_HD static void bound_swap(Lazy& z, std::uint32_t i, std::uint32_t j) {
    const std::uint16_t t = z.by_bound[i];
    z.by_bound[i] = z.by_bound[j];
    z.by_bound[j] = t;
    z.bound_at[z.by_bound[i]] = static_cast<std::uint16_t>(i);
    z.bound_at[z.by_bound[j]] = static_cast<std::uint16_t>(j);
  }
  /// Restores `by_bound` around position i (of `count` entries), whose bound changed either way.
  ARCHLAB_HD static void bound_fix(Lazy& z, std::uint32_t i, std::uint32_t count) {
    const Tick* bound = z.bound;
    while (i > 0 && bound[z.by_bound[i]] < bound[z.by_bound[(i - 1) / 2]]) {
      bound_swap(z, i, (i - 1) / 2);
      i = (i - 1) / 2;
    }
    for (;;) {
      const std::uint32_t l = 2 * i + 1, r = l + 1;
      std::uint32_t m = i;
      if (l < count && bound[z.by_bound[l]] < bound[z.by_bound[m]]) m = l;
      if (r < count && bound[z.by_bound[r]] < bound[z.by_bound[m]]) m = r;
      if (m == i) return;
      bound_swap(z, i, m);
      i = m;
    }
  }

  ARCHLAB_HD static std::uint32_t free_slots(const Lazy& z) { return kLazySlots - (z.used - z.free_count); }
  ARCHLAB_HD static std::uint16_t take_slot(Lazy& z) {
    return static_cast<std::uint16_t>(z.free_count > 0 ? z.free_slots[--z.free_count] : z.used++);
  }

  /// The hop in slot `slot` waits, made now.
  ARCHLAB_HD static void add_pending(Lazy& z, const Timing& t, std::uint16_t slot, Tick occupancy) {
    Hop& h = z.hops[slot];
    h.sends = z.sends;
    z.bound[slot] = bound_of(t, h, occupancy);
    order_push(z, Pending{h.time, (z.made++ << 16) | slot}, z.pending);
    z.by_bound[z.pending] = slot;
    z.bound_at[slot] = static_cast<std::uint16_t>(z.pending);
    ++z.pending;
    bound_fix(z, z.pending - 1, z.pending);
  }

  /// Runs, in order, the pending hops that the engines' total order puts before event `e`.
  ARCHLAB_HD static void run_hops_before(State& s, const Params& p, const Timing& t, const archlab::Event& e,
                                         archlab::Context& ctx) {
    Lazy& z = s.lazy;
    const archlab::ComponentId self = ctx.self();
    while (z.pending > 0) {
      const Pending top = z.order[0];
      const auto slot = static_cast<std::uint16_t>(top.key & 0xffffu);
      Hop& h = z.hops[slot];
      // As the hop event it stands for: (time, this mesh, the send counter then) against (e.time,
      // e.src, e.seq). Against the mesh's own events: was the hop made before e was sent?
      const bool before = top.time != e.time ? top.time < e.time : (e.src == self ? h.sends <= e.seq : self < e.src);
      if (!before) return;
      Tick occupancy = 0;
      if (claim(s, p, t, h, occupancy, ctx)) {
        const std::uint32_t rest = z.pending - 1;
        const Pending last = z.order[rest];
        order_replace_top(z, last, rest);
        const std::uint32_t at = z.bound_at[slot];
        bound_swap(z, at, rest);
        z.pending = rest;
        if (at < rest) bound_fix(z, at, rest);
        z.outbox[(z.outbox_head + z.outbox_count++) % kLazySlots] = slot;
      } else {
        h.sends = z.sends;
        order_replace_top(z, Pending{h.time, (z.made++ << 16) | slot}, z.pending);
        // Uncontended, a packet's earliest delivery stays what it was; it only grows.
        const Tick bound = bound_of(t, h, occupancy);
        if (bound != z.bound[slot]) {
          z.bound[slot] = bound;
          bound_fix(z, z.bound_at[slot], z.pending);
        }
      }
    }
  }

  /// Runs the hops the total order puts before event `e`, then `e`'s own packet (on `in` or,
  /// when the state was full, a hop event), sends the deliveries decided, and keeps a wake-up
  /// pending for the earliest delivery still to decide.
  ARCHLAB_HD static void handle_unbounded(State& s, const Params& p, const archlab::Event& e, std::uint32_t source,
                                          std::uint32_t destination, std::uint32_t hop, archlab::Context& ctx) {
    Lazy& z = s.lazy;
    const Tick tr = router_ticks(p);
    const Timing t{tr, p.eject_pipeline ? tr : 0, flit_ticks(p), ctx.latency(kHop)};
    const Tick now = ctx.now();
    const bool wake = (e.port == archlab::kSelfPort && e.kind == kWake) || (e.port == kHopIn && hop == kCreditHop);
    if (e.port == archlab::kSelfPort && e.kind == kContinue) z.continuation = 0;
    if (wake && z.wake_count > 0 && z.wake_id[z.wake_count - 1] == e.payload.w[0]) --z.wake_count;
    run_hops_before(s, p, t, e, ctx);

    std::uint32_t sends = 0;
    if (e.port == kIn || (e.port == kHopIn && !wake)) {
      Hop h = make_hop(p, now, source, destination, hop, e.kind, e.payload);
      Tick occupancy = 0;
      if (claim(s, p, t, h, occupancy, ctx)) {
        if (free_slots(z) == 0) return ctx.stop(0);
        const std::uint16_t slot = take_slot(z);
        z.hops[slot] = h;
        z.outbox[(z.outbox_head + z.outbox_count++) % kLazySlots] = slot;
      } else if (free_slots(z) > kLazyReserve) {
        const std::uint16_t slot = take_slot(z);
        z.hops[slot] = h;
        add_pending(z, t, slot, occupancy);
      } else {
        // The state is full (far past saturation): this hop goes as an event, as before.
        ctx.send(kHop, h.time - t.link - now, e.kind, e.payload, 0, pack(source, destination, hop + 1, 0));
        ++z.sends;
        ++sends;
      }
    }

    // Deliveries, in the order decided, leaving room for a wake-up and the continuation.
    while (z.outbox_count > 0 && sends + 2 < kMaxSendsPerEvent) {
      const std::uint16_t slot = z.outbox[z.outbox_head];
      z.outbox_head = (z.outbox_head + 1) % kLazySlots;
      --z.outbox_count;
      const Hop& h = z.hops[slot];
      ctx.send(kOut, h.time - now, h.kind, h.payload, h.destination, h.source);
      ++z.sends;
      ++sends;
      z.free_slots[z.free_count++] = slot;
    }

    if (z.pending > 0) {
      const Tick earliest = z.bound[z.by_bound[0]];
      if (z.wake_count == 0 || z.wake_time[z.wake_count - 1] > earliest) {
        const archlab::Payload id{{z.wake_ids++, 0, 0, 0}};
        // A wake-up at least a link delay ahead goes through `hop`, so that it lands after the
        // engines' current window; only one sooner than that is ever pending (README.md).
        if (earliest - now >= t.link) {
          ctx.send(kHop, earliest - now - t.link, kWake, id, 0, kWakeRoute);
        } else {
          ctx.schedule_self(earliest - now, kWake, id);
        }
        ++z.sends;
        ++sends;
        if (z.wake_count == kWakeSlots) { // forget the latest: it still comes, and only answers nothing
          for (std::uint32_t i = 1; i < kWakeSlots; ++i) {
            z.wake_time[i - 1] = z.wake_time[i];
            z.wake_id[i - 1] = z.wake_id[i];
          }
          --z.wake_count;
        }
        z.wake_time[z.wake_count] = earliest;
        z.wake_id[z.wake_count++] = id.w[0];
      }
    }
    if (z.outbox_count > 0 && z.continuation == 0) {
      z.continuation = 1;
      ctx.schedule_self(0, kContinue, archlab::Payload{});
      ++z.sends;
    }
  }

  // ---- finite buffers and credits ------------------------------------------------------------

  ARCHLAB_HD static std::uint32_t vc_index(const Params& p, std::uint32_t router, std::uint32_t input,
                                           std::uint32_t vc) {
    return (router * kDirections + input) * static_cast<std::uint32_t>(p.vcs) + vc;
  }
  ARCHLAB_HD static std::uint32_t vc_router(const Params& p, std::uint32_t index) {
    return index / static_cast<std::uint32_t>(p.vcs) / kDirections;
  }
  ARCHLAB_HD static std::uint32_t vc_input(const Params& p, std::uint32_t index) {
    return index / static_cast<std::uint32_t>(p.vcs) % kDirections;
  }
  ARCHLAB_HD static Packet& head_of(State& s, const Params& p, std::uint32_t index) {
    return s.buffered.buffer[index * p.buffer_flits + s.buffered.vcs[index].head];
  }
  /// Flits of buffer space a packet takes: a packet longer than the buffer needs a whole empty VC.
  ARCHLAB_HD static std::uint16_t space_for(const Params& p, std::uint64_t flits) {
    return static_cast<std::uint16_t>(flits < p.buffer_flits ? flits : p.buffer_flits);
  }
  /// The VC of `credits` with the most room, if it has `need` flits; kVcs (none) otherwise.
  ARCHLAB_HD static std::uint32_t pick_vc(const Params& p, const std::uint16_t* credits, std::uint16_t need) {
    std::uint32_t best = kMaxVcs;
    for (std::uint32_t v = 0; v < p.vcs; ++v) {
      if (credits[v] >= need && (best == kMaxVcs || credits[v] > credits[best])) best = v;
    }
    return best;
  }

  /// A packet joins the tail of VC `index`; a new head asks for its output.
  ARCHLAB_HD static void push(State& s, const Params& p, std::uint32_t index, const Packet& packet) {
    InputVc& vc = s.buffered.vcs[index];
    s.buffered.buffer[index * p.buffer_flits + (vc.head + vc.count) % p.buffer_flits] = packet;
    if (++vc.count == 1) make_pending(s, index);
  }
  ARCHLAB_HD static void make_pending(State& s, std::uint32_t index) {
    s.buffered.vcs[index].status = kPending;
    s.buffered.pending_vcs[(s.buffered.pending_vcs_head + s.buffered.pending_vcs_count++) % kMaxInputVcs] =
        static_cast<std::uint16_t>(index);
  }

  /// A packet on `in` (or back from a trip round `hop`) joins its router's source queue: in the
  /// state when there is room and no packet parked before it, else round `hop` again.
  ARCHLAB_HD static void enqueue_source(State& s, const Params& p, const archlab::Event& e, std::uint32_t source,
                                        std::uint32_t destination, bool parked, std::uint32_t& sends,
                                        archlab::Context& ctx) {
    const std::uint32_t router = source % routers(p);
    if (s.buffered.source_count[router] == kSourceSlots || (!parked && s.buffered.parked[router] > 0)) {
      if (!parked) ++s.buffered.parked[router];
      // Come back about when the packets ahead could have entered (at most one flit time each):
      // each parked packet comes round about once per flit time on average, whatever their number.
      const Tick estimate = s.buffered.parked[router] * flits_of(p, e.kind, e.payload) * flit_ticks(p);
      const Tick link = ctx.latency(kHop);
      const Tick extra = estimate > link ? estimate - link : 0;
      ctx.stat_add(kParks, 1.0);
      ctx.stat_add(kInjectionDelay, static_cast<double>(link + extra));
      ctx.send(kHop, extra, e.kind, e.payload, 0, pack(source, destination, 0, 0));
      ++sends;
      return;
    }
    if (parked) --s.buffered.parked[router];
    s.buffered.source[router][(s.buffered.source_head[router] + s.buffered.source_count[router]) % kSourceSlots] =
        Packet{e.payload, ctx.now(), static_cast<std::uint16_t>(source), static_cast<std::uint16_t>(destination),
               e.kind,    0};
    ++s.buffered.source_count[router];
    admit(s, p, router, ctx);
  }

  /// Source-queue packets enter the router's injection VCs, in order, while one has room.
  ARCHLAB_HD static void admit(State& s, const Params& p, std::uint32_t router, archlab::Context& ctx) {
    while (s.buffered.source_count[router] > 0) {
      Packet packet = s.buffered.source[router][s.buffered.source_head[router]];
      const std::uint16_t need = space_for(p, flits_of(p, packet.kind, packet.payload));
      const std::uint32_t vc = pick_vc(p, s.buffered.credits[router][kLocal], need);
      if (vc == kMaxVcs) return;
      s.buffered.credits[router][kLocal][vc] =
          static_cast<std::uint16_t>(s.buffered.credits[router][kLocal][vc] - need);
      s.buffered.source_head[router] = static_cast<std::uint8_t>((s.buffered.source_head[router] + 1) % kSourceSlots);
      --s.buffered.source_count[router];
      ctx.stat_add(kInjectionDelay, static_cast<double>(ctx.now() - packet.arrival));
      packet.arrival = ctx.now();
      push(s, p, vc_index(p, router, kLocal, vc), packet);
    }
  }

  /// Space came free downstream of output `w[1]` of router `w[0]` (kLocal: in its injection VCs).
  ARCHLAB_HD static void credit(State& s, const Params& p, const archlab::Payload& w, archlab::Context& ctx) {
    const auto router = static_cast<std::uint32_t>(w.w[0]);
    const auto output = static_cast<std::uint32_t>(w.w[1]);
    s.buffered.credits[router][output][w.w[2]] =
        static_cast<std::uint16_t>(s.buffered.credits[router][output][w.w[2]] + w.w[3]);
    if (output == kLocal) return admit(s, p, router, ctx);
    if (s.buffered.waiting[router][output] > 0 && s.buffered.output_queued[router][output] == 0) {
      s.buffered.output_queued[router][output] = 1;
      s.buffered.pending_outputs[(s.buffered.pending_outputs_head + s.buffered.pending_outputs_count++) %
                                 (kMaxRouters * kMeshDirections)] =
          static_cast<std::uint16_t>(router * kMeshDirections + output);
    }
  }

  /// The oldest head at `router` waiting for mesh output `output`; kMaxInputVcs when none.
  ARCHLAB_HD static std::uint32_t oldest_waiting(const State& s, const Params& p, std::uint32_t router,
                                                 std::uint32_t output) {
    std::uint32_t oldest = kMaxInputVcs;
    const std::uint32_t first = vc_index(p, router, 0, 0), last = vc_index(p, router + 1, 0, 0);
    for (std::uint32_t i = first; i < last; ++i) {
      const InputVc& vc = s.buffered.vcs[i];
      if (vc.status == kWaiting && vc.output == output &&
          (oldest == kMaxInputVcs || vc.stamp - s.buffered.vcs[oldest].stamp > 0x7fffffffu)) {
        oldest = i;
      }
    }
    return oldest;
  }

  /// Grant what can be granted now: first the waiting heads of outputs that got credits (oldest
  /// first), then new heads in the order they became heads. Two sends per grant; when they run
  /// out, a zero-delay continuation goes on at the same time.
  ARCHLAB_HD static void drain(State& s, const Params& p, std::uint32_t& sends, archlab::Context& ctx) {
    constexpr std::uint32_t kRing = kMaxRouters * kMeshDirections;
    while (sends + 3 <= kBufferedSends) {
      if (s.buffered.pending_outputs_count > 0) {
        const std::uint32_t entry = s.buffered.pending_outputs[s.buffered.pending_outputs_head];
        const std::uint32_t router = entry / kMeshDirections, output = entry % kMeshDirections;
        const std::uint32_t index = oldest_waiting(s, p, router, output);
        std::uint32_t vc = kMaxVcs;
        if (index != kMaxInputVcs) {
          const Packet& packet = head_of(s, p, index);
          vc = pick_vc(p, s.buffered.credits[router][output], space_for(p, flits_of(p, packet.kind, packet.payload)));
        }
        if (vc == kMaxVcs) { // nothing waits, or the oldest still finds no room: done with this output
          s.buffered.output_queued[router][output] = 0;
          s.buffered.pending_outputs_head = (s.buffered.pending_outputs_head + 1) % kRing;
          --s.buffered.pending_outputs_count;
          continue;
        }
        grant(s, p, index, output, vc, ctx);
        sends += 2;
        continue;
      }
      if (s.buffered.pending_vcs_count == 0) return;
      const std::uint32_t index = s.buffered.pending_vcs[s.buffered.pending_vcs_head];
      s.buffered.pending_vcs_head = (s.buffered.pending_vcs_head + 1) % kMaxInputVcs;
      --s.buffered.pending_vcs_count;
      const std::uint32_t router = vc_router(p, index);
      const Packet& packet = head_of(s, p, index);
      const Direction output = route(p, router, packet.destination % routers(p));
      std::uint32_t vc = 0;
      if (output != kLocal) {
        vc = s.buffered.waiting[router][output] > 0 ? kMaxVcs
                                                    : pick_vc(p, s.buffered.credits[router][output],
                                                              space_for(p, flits_of(p, packet.kind, packet.payload)));
        if (vc == kMaxVcs) {
          InputVc& waiter = s.buffered.vcs[index];
          waiter.status = kWaiting;
          waiter.output = static_cast<std::uint8_t>(output);
          waiter.stamp = s.buffered.stamp[router]++;
          ++s.buffered.waiting[router][output];
          ctx.stat_add(kCreditWaits, 1.0);
          continue;
        }
      }
      grant(s, p, index, output, vc, ctx);
      sends += 2;
    }
    if ((s.buffered.pending_outputs_count > 0 || s.buffered.pending_vcs_count > 0) && s.buffered.continuation == 0) {
      s.buffered.continuation = 1;
      ctx.schedule_self(0, 0, archlab::Payload{});
    }
  }

  /// The head of VC `index` leaves through `output` (into the downstream VC `vc`) as soon as the
  /// router pipeline, the VC's previous packet and the output allow; its space goes back upstream
  /// as a credit when its tail has left.
  ARCHLAB_HD static void grant(State& s, const Params& p, std::uint32_t index, std::uint32_t output, std::uint32_t vc,
                               archlab::Context& ctx) {
    InputVc& in = s.buffered.vcs[index];
    const Packet packet = head_of(s, p, index);
    if (in.status == kWaiting) --s.buffered.waiting[vc_router(p, index)][output];
    in.head = static_cast<std::uint8_t>((in.head + 1) % p.buffer_flits);
    --in.count;
    const std::uint32_t router = vc_router(p, index), input = vc_input(p, index);
    const std::uint32_t in_vc = index % static_cast<std::uint32_t>(p.vcs);
    const std::uint64_t flits = flits_of(p, packet.kind, packet.payload);
    const std::uint16_t space = space_for(p, flits);
    const Tick occupancy = flits * flit_ticks(p);
    const Tick now = ctx.now();
    const Tick ready = packet.arrival + (output != kLocal || p.eject_pipeline ? router_ticks(p) : 0);
    Tick start = ready > in.free_at ? ready : in.free_at;
    start = start > now ? start : now;
    Tick& free = s.link_free[router][output];
    start = start > free ? start : free;
    free = start + occupancy;
    in.free_at = start + occupancy;
    ctx.stat_add(kFlitHops, static_cast<double>(flits));
    ctx.stat_add(kEnergy, static_cast<double>(flits) * p.flit_hop_energy_pj);
    ctx.stat_add(kBusyTime, static_cast<double>(occupancy));
    ctx.stat_add(kQueueDelay, static_cast<double>(start - ready));
    if (output == kLocal) {
      archlab::Event e{};
      e.kind = packet.kind;
      e.payload = packet.payload;
      ctx.stat_add(kPackets, 1.0);
      ctx.stat_add(kFlits, static_cast<double>(flits));
      ctx.stat_add(kBytes, static_cast<double>(net::packet_bytes(e, p.header)));
      ctx.send(kOut, start + occupancy - now, packet.kind, packet.payload, packet.destination, packet.source);
    } else {
      s.buffered.credits[router][output][vc] =
          static_cast<std::uint16_t>(s.buffered.credits[router][output][vc] - space);
      ctx.stat_add(kHops, 1.0);
      const std::uint32_t hop = hops_from(p, packet.source % routers(p), router) + 1;
      ctx.send(kHop, start - now, packet.kind, packet.payload, 0, pack(packet.source, packet.destination, hop, vc));
    }
    // The credit goes to the output that feeds this input port: the upstream neighbour's, or this
    // router's own source queue for the injection port.
    const std::uint32_t upstream = input == kLocal ? router : neighbour(p, router, input ^ 1u);
    ctx.send(kHop, start + occupancy - now, 0, archlab::Payload{{upstream, input, in_vc, space}}, 0, kCreditRoute);
    if (in.count > 0) {
      make_pending(s, index);
    } else {
      in.status = kEmpty;
    }
  }
};

} // namespace

ARCHLAB_REGISTER_COMPONENT(Mesh, interconnect, "1.1.0",
                           "2-D mesh NoC: XY routing, router pipeline, flits, per-link bandwidth and contention; "
                           "optional finite buffers with virtual channels and credits")
