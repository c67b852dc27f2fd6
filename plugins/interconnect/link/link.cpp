// interconnect.link: a link with a latency, a bandwidth and a first-come-first-served queue.
//
// Events of any kind enter on `in` and leave, payload untouched, on `out` to the endpoint named
// by Event::route; the delivered event's route is the endpoint it came from (protocol.hpp). A
// packet of B bytes (../packet.hpp says how B is read from the event) holds its channel for
// ser = ceil(B / bandwidth) and arrives `latency` after its last byte left:
//
//   start = max(arrival, channel free)    channel free = start + ser    delivered = start + ser + latency
//
// `duplex = full` gives each direction its own channel: one toward higher-numbered endpoints (and
// the sender itself), one toward lower-numbered ones; with two endpoints that is a full-duplex
// point-to-point link. `half` makes every packet share one channel. Packets that reach the link
// at the same time take the channel in the engines' total order.
//
// The latencies of the links into and out of this component add to all of the above.
#include "../packet.hpp"

namespace {

using archlab::Tick;
namespace net = archlab::interconnect;

struct Link {
  static constexpr const char* kName = "interconnect.link";
  static constexpr std::uint32_t kMaxSendsPerEvent = 1;

  enum Duplex : std::uint32_t { kFull, kHalf };
  struct Params {
    Tick latency;
    double bandwidth;
    std::uint64_t header;
    std::uint32_t duplex;
    double energy_per_bit_pj;
    double area_mm2;
  };
  struct State {
    Tick channel_free[2]; ///< [0]: toward higher-numbered endpoints (or the sender), [1]: toward lower
  };

  enum Port : archlab::PortId { kIn, kOut, kSources };
  enum Stat : std::uint32_t { kPackets, kBytes, kBusyTime, kQueueDelay, kEnergy, kArea };

  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM_RANGE(Params, latency, Time, "1 ns",
                          "time of flight: from a packet's last byte leaving to its arrival", 0.0, 1e15),
      ARCHLAB_PARAM_RANGE(Params, bandwidth, Bandwidth, "16 GB/s", "bytes per second of each channel", 1.0, 1e18),
      ARCHLAB_PARAM_RANGE(Params, header, Size, "8 B",
                          "bytes of a packet without data: commands, read requests, acknowledgements (README.md)", 1.0,
                          1e9),
      ARCHLAB_PARAM_CHOICE(Params, duplex, "full|half", "full",
                           "full: one channel per direction (toward higher- and toward lower-numbered endpoints); "
                           "half: one channel shared by all packets"),
      ARCHLAB_PARAM_RANGE(Params, energy_per_bit_pj, Float, "0.04",
                          "energy per bit carried, in pJ; default: a 1 mm on-chip low-swing link in 45 nm, "
                          "40.4 fJ/bit/mm (Park et al., DATE 2013); full-swing wires and off-chip links cost more",
                          0.0, 1e6),
      ARCHLAB_PARAM_RANGE(Params, area_mm2, Float, "0",
                          "area in mm^2 (drivers, repeaters, SerDes); 0: wires routed over other logic", 0.0, 1e6),
  };
  static constexpr archlab::PortSpec ports[] = {
      {"in", archlab::PortDirection::In, "packets to carry: Event::route is the destination endpoint"},
      {"out", archlab::PortDirection::Out,
       "to the endpoints, in endpoint order (receiver i is endpoint i); the delivered route is the source endpoint"},
      {"sources", archlab::PortDirection::Out,
       "optional, carries nothing: link it to senders that are not receivers of `out` to number them as endpoints; "
       "an event from a component neither port reaches stops the run with an error on this port"},
  };
  static constexpr archlab::StatSpec stats[] = {
      {"packets", "packets", "packets carried (counted when they enter the channel)"},
      {"bytes", "bytes", "bytes carried, headers included"},
      {"busy_time", "ps", "channel time spent serializing, summed over channels"},
      {"queue_delay", "ps", "time packets waited for a busy channel"},
      {"energy", "pJ", "bits carried * energy_per_bit_pj"},
      {"area", "mm^2", "area_mm2"},
  };

  ARCHLAB_HD static void init(State& s, const Params& p, archlab::Context& ctx) {
    s.channel_free[0] = s.channel_free[1] = 0;
    ctx.stat_add(kArea, p.area_mm2);
  }

  ARCHLAB_HD static void handle(State& s, const Params& p, const archlab::Event& e, archlab::Context& ctx) {
    if (e.port != kIn) return;
    const std::uint32_t source = net::source_endpoint(ctx, kOut, kSources, e.src);
    if (source == archlab::kNoIndex) return net::stop_unknown_source(ctx, kSources, e);
    const std::uint32_t destination = e.route;
    const std::uint64_t bytes = net::packet_bytes(e, p.header);
    const Tick serialization = net::serialization_ticks(bytes, p.bandwidth);
    Tick& channel_free = s.channel_free[p.duplex == kFull && destination < source ? 1 : 0];
    const Tick now = ctx.now();
    const Tick start = channel_free > now ? channel_free : now;
    channel_free = start + serialization;
    ctx.stat_add(kPackets, 1.0);
    ctx.stat_add(kBytes, static_cast<double>(bytes));
    ctx.stat_add(kBusyTime, static_cast<double>(serialization));
    ctx.stat_add(kQueueDelay, static_cast<double>(start - now));
    ctx.stat_add(kEnergy, static_cast<double>(bytes * 8) * p.energy_per_bit_pj);
    // A destination beyond the receivers of `out` stops the run here, naming the port.
    ctx.send(kOut, start + serialization + p.latency - now, e.kind, e.payload, destination, source);
  }
};

} // namespace

ARCHLAB_REGISTER_COMPONENT(Link, interconnect, "1.0.0", "link: latency, bandwidth (serialization) and a FIFO queue")
