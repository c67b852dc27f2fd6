// Time, events and their total order: the vocabulary every engine and every component shares.
#pragma once

#include <cstdint>
#include <type_traits>

#if defined(__CUDACC__)
#define ARCHLAB_HD __host__ __device__
#else
#define ARCHLAB_HD
#endif

namespace archlab {

/// Simulated time in picoseconds.
using Tick = std::uint64_t;
inline constexpr Tick kTickMax = ~Tick{0};

using ComponentId = std::uint32_t;
using PortId = std::uint16_t;
inline constexpr ComponentId kNoComponent = ~ComponentId{0};

/// Four 64-bit words a component may fill as it likes (addresses, sizes, tags).
struct Payload {
  std::uint64_t w[4];
};

/// One event: 64 bytes, trivially copyable, the same on host and device.
///
/// The order key is (src, seq): the sending component and that component's own send
/// counter. It is unique and independent of how an engine ran, so (time, src, seq) is a
/// total order that every engine follows for the events of each target.
struct alignas(64) Event {
  Tick time;
  std::uint64_t seq;       ///< the sender's send counter at the time of sending
  ComponentId src;         ///< sending component (global id)
  ComponentId target;      ///< receiving component (global id)
  PortId port;             ///< receiving port, by the receiver's declaration order
  std::uint16_t kind;      ///< meaning is the receiving component's business
  std::uint32_t route;     ///< interconnects only: see protocol.hpp (0 otherwise)
  Payload payload;
};
static_assert(sizeof(Event) == 64);
static_assert(std::is_trivially_copyable_v<Event>);

/// True when a comes before b in the total order.
ARCHLAB_HD inline bool event_before(const Event& a, const Event& b) {
  if (a.time != b.time) return a.time < b.time;
  if (a.src != b.src) return a.src < b.src;
  return a.seq < b.seq;
}

/// A name for an event kind (protocol::kKindNames; a component's own kinds in its `kinds[]`):
/// traces and their Perfetto export show it.
struct KindSpec {
  std::uint16_t kind;
  const char* name;
};

}  // namespace archlab
