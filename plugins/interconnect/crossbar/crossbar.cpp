// interconnect.crossbar: an N x M input-queued crossbar switch with round-robin output arbiters.
//
// Events of any kind enter on `in` and leave, payload untouched, on `out` to the endpoint named
// by Event::route; the delivered event's route is the endpoint it came from (protocol.hpp).
// Input port i is source endpoint i, output port o is destination endpoint o.
//
// Timing, in cycles of `clock` (README.md has the figure):
//   - a packet waits in its input's FIFO buffer (`input_buffer` packets); only the head of the
//     FIFO may ask for its output (head-of-line blocking);
//   - at every clock edge, each free output grants one of the free inputs whose head asks for it,
//     the first after the input it granted last (round robin); a packet takes part from the first
//     edge after its arrival;
//   - a granted packet of B bytes holds its input and its output for ceil(B / port_width) cycles
//     and is delivered `latency_cycles` after its last bytes crossed.
//
// Self events: one pending clock tick at most. The crossbar ticks at every edge while a packet
// waits, except that it sleeps until an output frees when every output is busy (no packet,
// present or future, can be granted before that); an arrival while nothing waits restarts it. A
// tick grants at most 15 packets and leaves the other grants of its edge to a zero-delay tick.
#include "../packet.hpp"

namespace {

using archlab::Tick;
namespace net = archlab::interconnect;

inline constexpr std::uint32_t kMaxPorts = 64;     ///< inputs and outputs each
inline constexpr std::uint32_t kMaxBuffered = 256; ///< inputs * input_buffer
inline constexpr std::uint32_t kNone = ~std::uint32_t{0};

struct Crossbar {
  static constexpr const char* kName = "interconnect.crossbar";
  /// Grants one tick makes at most; further winners of the same edge are granted by a zero-delay
  /// tick (the same edge, the same outcome), so that an event sends few events: the GPU engine
  /// sizes its buffers by the largest kMaxSendsPerEvent in the system.
  static constexpr std::uint32_t kGrantsPerEvent = 15;
  static constexpr std::uint32_t kMaxSendsPerEvent = kGrantsPerEvent + 1;

  struct Params {
    std::uint64_t inputs;
    std::uint64_t outputs;
    double clock;
    std::uint64_t port_width;
    std::uint64_t latency_cycles;
    std::uint64_t input_buffer;
    std::uint64_t header;
    double energy_per_bit_pj;
    double wire_pitch_um;
  };

  /// A packet waiting in an input buffer.
  struct Waiting {
    Tick arrival;
    archlab::Payload payload;
    std::uint64_t bytes;
    std::uint16_t kind;
    std::uint16_t output;
  };
  struct State {
    Tick tick_at; ///< the pending clock tick; 0: none
    Tick input_free[kMaxPorts];
    Tick output_free[kMaxPorts];
    std::uint32_t last_grant[kMaxPorts]; ///< per output
    std::uint16_t head[kMaxPorts];       ///< per input: FIFO head, a slot in the input's part of `buffer`
    std::uint16_t waiting[kMaxPorts];    ///< per input: packets in its FIFO
    Waiting buffer[kMaxBuffered];        ///< input i owns slots [i * input_buffer, (i + 1) * input_buffer)
  };

  enum Port : archlab::PortId { kIn, kOut, kSources };
  enum Stat : std::uint32_t { kPackets, kBytes, kBusyTime, kQueueDelay, kArbitrationLosses, kDropped, kEnergy, kArea };
  static constexpr std::uint16_t kTick = archlab::protocol::kFirstPrivateKind;

  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM_RANGE(Params, inputs, UInt, "8", "input ports N: source endpoints 0..N-1", 1.0, kMaxPorts),
      ARCHLAB_PARAM_RANGE(Params, outputs, UInt, "8", "output ports M: destination endpoints 0..M-1", 1.0, kMaxPorts),
      ARCHLAB_PARAM_RANGE(Params, clock, Frequency, "1 GHz", "switch clock: arbitration happens at its edges", 1e3,
                          1e12),
      ARCHLAB_PARAM_RANGE(Params, port_width, Size, "32 B",
                          "bytes a port moves per cycle; per-port bandwidth = port_width * clock", 1.0, 1e9),
      ARCHLAB_PARAM_RANGE(Params, latency_cycles, UInt, "1",
                          "cycles from the last bytes crossing the switch to delivery (output register, wires)", 0.0,
                          1e9),
      ARCHLAB_PARAM_RANGE(Params, input_buffer, UInt, "8",
                          "packets each input buffers; a packet arriving at a full buffer is dropped and counted "
                          "(inputs * input_buffer <= 256)",
                          1.0, kMaxBuffered),
      ARCHLAB_PARAM_RANGE(Params, header, Size, "8 B",
                          "bytes of a packet without data: commands, read requests, acknowledgements (README.md)", 1.0,
                          1e9),
      ARCHLAB_PARAM_RANGE(Params, energy_per_bit_pj, Float, "0.04",
                          "energy per bit through the switch, in pJ; default: 1 mm of low-swing crossbar wire in "
                          "45 nm, 40.4 fJ/bit/mm (Park et al., DATE 2013)",
                          0.0, 1e6),
      ARCHLAB_PARAM_RANGE(Params, wire_pitch_um, Float, "0.2",
                          "wire pitch in um for the area of a matrix crossbar, (N * w * pitch) x (M * w * pitch) with "
                          "w = 8 * port_width wires (Dally & Towles 2004); default: a 45 nm intermediate metal layer",
                          0.0, 1e3),
  };
  static constexpr archlab::PortSpec ports[] = {
      {"in", archlab::PortDirection::In, "packets to switch: Event::route is the destination endpoint (output port)"},
      {"out", archlab::PortDirection::Out,
       "to the endpoints, in endpoint order (receiver o is output port o); the delivered route is the source "
       "endpoint (input port)"},
      {"sources", archlab::PortDirection::Out,
       "optional, carries nothing: link it to senders that are not receivers of `out` to number them as input "
       "ports; an event from a component neither port reaches stops the run with an error on this port"},
  };
  static constexpr archlab::StatSpec stats[] = {
      {"packets", "packets", "packets granted"},
      {"bytes", "bytes", "bytes of the packets granted, headers included"},
      {"busy_time", "ps", "time outputs spent moving packets, summed over outputs"},
      {"queue_delay", "ps", "time from arrival to grant, summed over packets"},
      {"arbitration_losses", "requests", "edges at which a ready head-of-line packet lost its output to another input"},
      {"dropped", "packets",
       "packets not switched: input buffer full, or source or destination endpoint beyond `inputs` / `outputs`"},
      {"energy", "pJ", "bits switched * energy_per_bit_pj"},
      {"area", "mm^2", "matrix crossbar area (wire_pitch_um)"},
  };

  static const char* validate(const Params& p) {
    if (p.inputs * p.input_buffer > kMaxBuffered) return "inputs * input_buffer must be at most 256";
    return nullptr;
  }

  ARCHLAB_HD static void init(State& s, const Params& p, archlab::Context& ctx) {
    s.tick_at = 0;
    for (std::uint32_t& last : s.last_grant)
      last = static_cast<std::uint32_t>(p.inputs) - 1; // input 0 first
    const double wires = 8.0 * static_cast<double>(p.port_width);
    const double height_um = static_cast<double>(p.inputs) * wires * p.wire_pitch_um;
    const double width_um = static_cast<double>(p.outputs) * wires * p.wire_pitch_um;
    ctx.stat_add(kArea, height_um * width_um * 1e-6);
  }

  ARCHLAB_HD static void handle(State& s, const Params& p, const archlab::Event& e, archlab::Context& ctx) {
    if (e.port == archlab::kSelfPort) {
      tick(s, p, ctx);
    } else if (e.port == kIn) {
      arrive(s, p, e, ctx);
    }
  }

  ARCHLAB_HD static Tick next_edge(Tick now, Tick cycle) { return (now / cycle + 1) * cycle; }

  ARCHLAB_HD static void arrive(State& s, const Params& p, const archlab::Event& e, archlab::Context& ctx) {
    const std::uint32_t input = net::source_endpoint(ctx, kOut, kSources, e.src);
    if (input == archlab::kNoIndex) return net::stop_unknown_source(ctx, kSources, e);
    const std::uint32_t output = e.route;
    if (output >= ctx.fanout(kOut)) return ctx.send(kOut, 0, e.kind, e.payload, output); // stops the run
    const auto depth = static_cast<std::uint32_t>(p.input_buffer);
    if (input >= p.inputs || output >= p.outputs || s.waiting[input] == depth) {
      ctx.stat_add(kDropped, 1.0);
      return;
    }
    const std::uint32_t slot = input * depth + (s.head[input] + s.waiting[input]) % depth;
    ++s.waiting[input];
    Waiting& w = s.buffer[slot];
    w.arrival = ctx.now();
    w.payload = e.payload;
    w.kind = e.kind;
    w.output = static_cast<std::uint16_t>(output);
    w.bytes = net::packet_bytes(e, p.header);
    if (s.tick_at == 0) {
      s.tick_at = next_edge(ctx.now(), net::cycle_ticks(p.clock));
      ctx.schedule_self(s.tick_at - ctx.now(), kTick, archlab::Payload{});
    }
  }

  /// One clock edge: every free output grants one ready request, round robin.
  ARCHLAB_HD static void tick(State& s, const Params& p, archlab::Context& ctx) {
    const Tick now = ctx.now();
    const Tick cycle = net::cycle_ticks(p.clock);
    const auto inputs = static_cast<std::uint32_t>(p.inputs);
    const auto outputs = static_cast<std::uint32_t>(p.outputs);
    const auto depth = static_cast<std::uint32_t>(p.input_buffer);
    s.tick_at = 0;

    std::uint32_t winner[kMaxPorts];
    std::uint32_t winner_distance[kMaxPorts];
    std::uint32_t requests[kMaxPorts];
    for (std::uint32_t o = 0; o < outputs; ++o) {
      winner[o] = kNone;
      requests[o] = 0;
    }
    for (std::uint32_t i = 0; i < inputs; ++i) {
      if (s.waiting[i] == 0) continue;
      const Waiting& head = s.buffer[i * depth + s.head[i]];
      const std::uint32_t o = head.output;
      if (s.input_free[i] > now || s.output_free[o] > now || head.arrival >= now) continue;
      ++requests[o];
      const std::uint32_t distance = (i + inputs - s.last_grant[o] - 1) % inputs; // 0: next in turn
      if (winner[o] == kNone || distance < winner_distance[o]) {
        winner[o] = i;
        winner_distance[o] = distance;
      }
    }
    std::uint32_t granted = 0;
    for (std::uint32_t o = 0; o < outputs; ++o) {
      if (winner[o] == kNone) continue;
      if (granted == kGrantsPerEvent) {
        s.tick_at = now;
        ctx.schedule_self(0, kTick, archlab::Payload{});
        return;
      }
      ctx.stat_add(kArbitrationLosses, static_cast<double>(requests[o] - 1));
      grant(s, p, winner[o], o, ctx);
      ++granted;
    }
    bool still_waiting = false;
    for (std::uint32_t i = 0; i < inputs; ++i)
      still_waiting |= s.waiting[i] > 0;
    if (!still_waiting) return;

    // Tick again at the next edge, or, when every output is busy beyond it, when one frees.
    Tick next = now + cycle;
    Tick first_free = s.output_free[0];
    for (std::uint32_t o = 1; o < outputs; ++o)
      first_free = s.output_free[o] < first_free ? s.output_free[o] : first_free;
    if (first_free > next) next = first_free;
    s.tick_at = next;
    ctx.schedule_self(next - now, kTick, archlab::Payload{});
  }

  ARCHLAB_HD static void grant(State& s, const Params& p, std::uint32_t input, std::uint32_t output,
                               archlab::Context& ctx) {
    const auto depth = static_cast<std::uint32_t>(p.input_buffer);
    const Waiting packet = s.buffer[input * depth + s.head[input]];
    s.head[input] = static_cast<std::uint16_t>((s.head[input] + 1) % depth);
    --s.waiting[input];
    const Tick now = ctx.now();
    const Tick cycle = net::cycle_ticks(p.clock);
    const Tick transfer = net::ceil_div(packet.bytes, p.port_width) * cycle;
    s.input_free[input] = now + transfer;
    s.output_free[output] = now + transfer;
    s.last_grant[output] = input;
    ctx.stat_add(kPackets, 1.0);
    ctx.stat_add(kBytes, static_cast<double>(packet.bytes));
    ctx.stat_add(kBusyTime, static_cast<double>(transfer));
    ctx.stat_add(kQueueDelay, static_cast<double>(now - packet.arrival));
    ctx.stat_add(kEnergy, static_cast<double>(packet.bytes * 8) * p.energy_per_bit_pj);
    ctx.send(kOut, transfer + p.latency_cycles * cycle, packet.kind, packet.payload, output, input);
  }
};

} // namespace

ARCHLAB_REGISTER_COMPONENT(Crossbar, interconnect, "1.0.0",
                           "N x M input-queued crossbar: per-port bandwidth, round-robin output arbitration")
