// What the interconnect plugins (link, crossbar, mesh) agree on: how many bytes an event is on
// the wire, and which endpoint sent it. Host and device code, no state.
#pragma once

#include <cmath>

#include <archlab/component.hpp>
#include <archlab/protocol.hpp>

namespace archlab::interconnect {

/// Size in bytes of an event crossing an interconnect (README.md, "Packet size"):
///  - protocol::kMemWrite and protocol::kMemReadDone carry data: `header` + payload w[1] bytes;
///  - the other shared protocol kinds (commands, read requests, acknowledgements): `header`;
///  - private kinds (protocol::kFirstPrivateKind and above): payload w[2] is the whole packet,
///    header included; 0 means a bare header.
ARCHLAB_HD inline std::uint64_t packet_bytes(const Event& event, std::uint64_t header) {
  if (event.kind == protocol::kMemWrite || event.kind == protocol::kMemReadDone) return header + event.payload.w[1];
  if (event.kind >= protocol::kFirstPrivateKind && event.payload.w[2] != 0) return event.payload.w[2];
  return header;
}

ARCHLAB_HD constexpr std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

/// Picoseconds to move `bytes` at `bandwidth` bytes per second, rounded up to a whole picosecond
/// (two correctly rounded IEEE operations: the same on host and device).
ARCHLAB_HD inline Tick serialization_ticks(std::uint64_t bytes, double bandwidth) {
  const double scaled = static_cast<double>(bytes) * 1e12;
  const double ps = scaled / bandwidth;
  const Tick whole = static_cast<Tick>(ps);
  return static_cast<double>(whole) < ps ? whole + 1 : whole;
}

/// One clock cycle at `clock` hertz, to the nearest picosecond (at least 1).
ARCHLAB_HD inline Tick cycle_ticks(double clock) {
  const auto rounded = static_cast<Tick>(llround(1e12 / clock));
  return rounded > 0 ? rounded : 1;
}

/// The endpoint an event entering an interconnect came from: its sender's index among the
/// receivers of `out` (the usual case, every endpoint sends and receives), else among the
/// receivers of `sources` (senders that receive nothing through this interconnect); kNoIndex
/// when it is neither.
ARCHLAB_HD inline std::uint32_t source_endpoint(const Context& ctx, PortId out, PortId sources, ComponentId sender) {
  const std::uint32_t endpoint = ctx.index_of(out, sender);
  return endpoint != kNoIndex ? endpoint : ctx.index_of(sources, sender);
}

/// Stop the run because an event came from a component the interconnect cannot number. A handler
/// cannot throw; a send to an index no receiver has makes every engine stop with an error that
/// names this component and the `sources` port ("sent on port 'sources', which no link connects"
/// when it is not linked, which is the usual mistake).
ARCHLAB_HD inline void stop_unknown_source(Context& ctx, PortId sources, const Event& event) {
  ctx.send(sources, 0, event.kind, event.payload, kNoIndex);
}

} // namespace archlab::interconnect
