// test.mesh_eager: the reference for interconnect.mesh's unbounded model. It is the mesh as it was
// before its hops went without events (commit 3527fb7, `forward`): one event per hop, each
// reserving the packet's next output port when the engine hands it the hop event. The lazy mesh
// must decide exactly what this one does: test_mesh_lazy.cpp runs both on the same traffic and
// compares every statistic and every event the endpoints receive.
//
// Same parameters (without the finite-buffer ones), ports and statistics as interconnect.mesh.
#include "../../plugins/interconnect/packet.hpp"

namespace {

using archlab::Tick;
namespace net = archlab::interconnect;

struct EagerMesh {
  static constexpr const char* kName = "test.mesh_eager";
  static constexpr std::uint32_t kMaxSendsPerEvent = 1;
  static constexpr std::uint32_t kMaxRouters = 256;

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
    bool eject_pipeline;
  };
  enum Direction : std::uint32_t { kEast, kWest, kNorth, kSouth, kLocal, kDirections };
  struct State {
    Tick link_free[kMaxRouters][kDirections];
  };
  enum Port : archlab::PortId { kIn, kOut, kHop, kHopIn, kSources };
  enum Stat : std::uint32_t { kPackets, kFlits, kBytes, kHops, kFlitHops, kBusyTime, kQueueDelay, kEnergy, kArea };

  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM_RANGE(Params, x, UInt, "4", "routers along X", 1.0, 16.0),
      ARCHLAB_PARAM_RANGE(Params, y, UInt, "4", "routers along Y", 1.0, 16.0),
      ARCHLAB_PARAM_RANGE(Params, clock, Frequency, "1 GHz", "router clock", 1e3, 1e12),
      ARCHLAB_PARAM_RANGE(Params, router_cycles, UInt, "1", "router pipeline delay in cycles", 0.0, 1e6),
      ARCHLAB_PARAM_RANGE(Params, flit_size, Size, "16 B", "bytes per flit", 1.0, 1e9),
      ARCHLAB_PARAM_RANGE(Params, link_bandwidth, Bandwidth, "16 GB/s", "bytes per second of each link", 1.0, 1e18),
      ARCHLAB_PARAM_RANGE(Params, header, Size, "8 B", "bytes of a packet without data", 1.0, 1e9),
      ARCHLAB_PARAM_RANGE(Params, flit_hop_energy_pj, Float, "22", "pJ per flit per router", 0.0, 1e9),
      ARCHLAB_PARAM_RANGE(Params, router_area_mm2, Float, "0.34", "mm^2 per router", 0.0, 1e6),
      ARCHLAB_PARAM(Params, eject_pipeline, Bool, "false", "charge router_cycles at the destination router too"),
  };
  static constexpr archlab::PortSpec ports[] = {
      {"in", archlab::PortDirection::In, "packets to carry"},
      {"out", archlab::PortDirection::Out, "to the endpoints"},
      {"hop", archlab::PortDirection::Out, "router-to-router hops: link it to this mesh's own `hop_in`"},
      {"hop_in", archlab::PortDirection::In, "hops arriving from `hop`"},
      {"sources", archlab::PortDirection::Out, "senders that are not receivers of `out`"},
  };
  static constexpr archlab::StatSpec stats[] = {
      {"packets", "packets", ""}, {"flits", "flits", ""},         {"bytes", "bytes", ""},
      {"hops", "hops", ""},       {"flit_hops", "flit-hops", ""}, {"busy_time", "ps", ""},
      {"queue_delay", "ps", ""},  {"energy", "pJ", ""},           {"area", "mm^2", ""},
  };

  ARCHLAB_HD static std::uint32_t routers(const Params& p) { return static_cast<std::uint32_t>(p.x * p.y); }
  ARCHLAB_HD static std::uint32_t difference(std::uint32_t a, std::uint32_t b) { return a > b ? a - b : b - a; }

  ARCHLAB_HD static Direction route(const Params& p, std::uint32_t router, std::uint32_t target) {
    const auto columns = static_cast<std::uint32_t>(p.x);
    if (target % columns > router % columns) return kEast;
    if (target % columns < router % columns) return kWest;
    if (target / columns > router / columns) return kSouth;
    if (target / columns < router / columns) return kNorth;
    return kLocal;
  }
  /// The router a packet from `start` to `target` reaches after `hop` hops (XY).
  ARCHLAB_HD static std::uint32_t place(const Params& p, std::uint32_t start, std::uint32_t target, std::uint32_t hop) {
    const auto columns = static_cast<std::uint32_t>(p.x);
    const std::uint32_t column = start % columns, row = start / columns;
    const std::uint32_t target_column = target % columns, target_row = target / columns;
    const std::uint32_t along_x = difference(column, target_column);
    if (hop <= along_x) return row * columns + (target_column > column ? column + hop : column - hop);
    const std::uint32_t along_y = hop - along_x;
    return (target_row > row ? row + along_y : row - along_y) * columns + target_column;
  }

  ARCHLAB_HD static void init(State&, const Params& p, archlab::Context& ctx) {
    ctx.stat_add(kArea, static_cast<double>(p.x * p.y) * p.router_area_mm2);
  }

  ARCHLAB_HD static void handle(State& s, const Params& p, const archlab::Event& e, archlab::Context& ctx) {
    std::uint32_t source = 0, destination = 0, hop = 0;
    if (e.port == kHopIn) {
      source = e.route >> 20;
      destination = (e.route >> 8) & 0xfffu;
      hop = (e.route >> 3) & 0x1fu;
    } else {
      source = net::source_endpoint(ctx, kOut, kSources, e.src);
      if (source == archlab::kNoIndex) return net::stop_unknown_source(ctx, kSources, e);
      destination = e.route;
      if (destination >= ctx.fanout(kOut)) return ctx.send(kOut, 0, e.kind, e.payload, archlab::kNoIndex);
    }
    const std::uint32_t target = destination % routers(p);
    const std::uint32_t router = place(p, source % routers(p), target, hop);
    const std::uint64_t flits = net::ceil_div(net::packet_bytes(e, p.header), p.flit_size);
    const Tick occupancy = flits * net::serialization_ticks(p.flit_size, p.link_bandwidth);
    const Tick now = ctx.now();
    ctx.stat_add(kFlitHops, static_cast<double>(flits));
    ctx.stat_add(kEnergy, static_cast<double>(flits) * p.flit_hop_energy_pj);
    ctx.stat_add(kBusyTime, static_cast<double>(occupancy));
    const Direction direction = route(p, router, target);
    const Tick router_ticks = p.router_cycles * net::cycle_ticks(p.clock);
    const Tick ready = now + (direction != kLocal || p.eject_pipeline ? router_ticks : 0);
    Tick& free = s.link_free[router][direction];
    const Tick start = free > ready ? free : ready;
    free = start + occupancy;
    ctx.stat_add(kQueueDelay, static_cast<double>(start - ready));
    if (direction == kLocal) {
      ctx.stat_add(kPackets, 1.0);
      ctx.stat_add(kFlits, static_cast<double>(flits));
      ctx.stat_add(kBytes, static_cast<double>(net::packet_bytes(e, p.header)));
      ctx.send(kOut, start + occupancy - now, e.kind, e.payload, destination, source);
      return;
    }
    ctx.stat_add(kHops, 1.0);
    ctx.send(kHop, start - now, e.kind, e.payload, 0, (source << 20) | (destination << 8) | ((hop + 1) << 3));
  }
};

} // namespace

ARCHLAB_REGISTER_COMPONENT(EagerMesh, interconnect, "1.0.0",
                           "test reference: interconnect.mesh's unbounded model with one event per hop")
