// test.noc_probe: a component for the interconnect tests. At time 0 it sends `packets` packets
// through `out` (receiver 0, an interconnect), the k-th to endpoint destination + k * stride
// (+ index * index_stride, modulo `modulo` when set),
// leaving at start + k * interval, each `bytes` long (a private kind with its size in w[2], or
// protocol `kind` with w[1] = bytes).
// It records what arrives: how many, latencies, the last arrival, the source endpoints (route) in
// order, and, with `echo`, answers every packet through the interconnect (route = event.route).
#include <archlab/component.hpp>
#include <archlab/protocol.hpp>

namespace {

using archlab::Tick;

struct Probe {
  static constexpr const char* kName = "test.noc_probe";
  static constexpr std::uint32_t kMaxSendsPerEvent = 1;
  static constexpr std::uint32_t kOrderDigits = 12; ///< 16^12 < 2^53: exact in a double

  struct Params {
    std::uint64_t destination;
    std::uint64_t stride;
    std::uint64_t index_stride;
    std::uint64_t modulo;
    std::uint64_t packets;
    Tick start;
    Tick interval;
    std::uint64_t bytes;
    std::uint64_t kind;
    bool echo;
  };
  struct State {
    Tick last_arrival;
    std::uint64_t received;
  };
  enum Port : archlab::PortId { kIn, kOut };
  enum Stat : std::uint32_t { kSent, kReceived, kLatency, kLastArrival, kOrder, kEchoed };
  static constexpr std::uint64_t kPrivateKind = archlab::protocol::kFirstPrivateKind + 0x20;

  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM(Params, destination, UInt, "0", "endpoint the first packet goes to"),
      ARCHLAB_PARAM(Params, stride, UInt, "0", "packet k goes to destination + k * stride (+ index * index_stride)"),
      ARCHLAB_PARAM(Params, index_stride, UInt, "0", "probe i of an array adds i * index_stride to its destinations"),
      ARCHLAB_PARAM(Params, modulo, UInt, "0", "destinations are taken modulo this, when not 0"),
      ARCHLAB_PARAM(Params, packets, UInt, "0", "packets to send"),
      ARCHLAB_PARAM(Params, start, Time, "0 ns", "when the first packet leaves"),
      ARCHLAB_PARAM(Params, interval, Time, "0 ns", "time between packets"),
      ARCHLAB_PARAM(Params, bytes, UInt, "16", "packet size (w[2] for the private kind, w[1] for protocol kinds)"),
      ARCHLAB_PARAM(Params, kind, UInt, "0", "0: a private kind carrying its size in w[2]; else this protocol kind"),
      ARCHLAB_PARAM(Params, echo, Bool, "false", "answer every packet received, same size, to its source"),
  };
  static constexpr archlab::PortSpec ports[] = {
      {"in", archlab::PortDirection::In, "packets from the interconnect"},
      {"out", archlab::PortDirection::Out, "into the interconnect"},
  };
  static constexpr archlab::StatSpec stats[] = {
      {"sent", "packets", "packets sent"},
      {"received", "packets", "packets received"},
      {"latency", "ps", "send time (w[0]) to arrival, summed"},
      {"last_arrival", "ps", "time of the last arrival"},
      {"order", "", "sum of (route + 1) * 16^k over the first 12 arrivals: their source endpoints in order"},
      {"echoed", "packets", "answers sent"},
  };

  ARCHLAB_HD static std::uint16_t kind_of(const Params& p) {
    return static_cast<std::uint16_t>(p.kind == 0 ? kPrivateKind : p.kind);
  }
  ARCHLAB_HD static archlab::Payload packet(const Params& p, Tick sent) {
    return p.kind == 0 ? archlab::Payload{{sent, 0, p.bytes, 0}} : archlab::Payload{{sent, p.bytes, 0, 0}};
  }

  ARCHLAB_HD static void init(State&, const Params& p, archlab::Context& ctx) {
    for (std::uint64_t k = 0; k < p.packets; ++k) {
      const Tick delay = p.start + k * p.interval;
      std::uint64_t destination = p.destination + k * p.stride + ctx.index() * p.index_stride;
      if (p.modulo != 0) destination %= p.modulo;
      ctx.send(kOut, delay, kind_of(p), packet(p, delay), 0, static_cast<std::uint32_t>(destination));
      ctx.stat_add(kSent, 1.0);
    }
  }

  ARCHLAB_HD static void handle(State& s, const Params& p, const archlab::Event& e, archlab::Context& ctx) {
    const Tick now = ctx.now();
    ctx.stat_add(kReceived, 1.0);
    ctx.stat_add(kLatency, static_cast<double>(now - e.payload.w[0]));
    ctx.stat_add(kLastArrival, static_cast<double>(now - s.last_arrival));
    s.last_arrival = now;
    if (s.received < kOrderDigits) {
      double weight = 1.0;
      for (std::uint64_t k = 0; k < s.received; ++k)
        weight *= 16.0;
      ctx.stat_add(kOrder, static_cast<double>(e.route + 1) * weight);
    }
    ++s.received;
    if (p.echo) {
      archlab::Payload answer = e.payload;
      answer.w[0] = now;
      ctx.send(kOut, 0, e.kind, answer, 0, e.route);
      ctx.stat_add(kEchoed, 1.0);
    }
  }
};

} // namespace

ARCHLAB_REGISTER_COMPONENT(Probe, workload, "0.1.0",
                           "test component: sends packets into an interconnect, records arrivals")
