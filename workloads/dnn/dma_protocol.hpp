// What workload.dnn and its DMA engines (workload.dnn_dma, dma/) agree on: how a transfer the
// command processor hands an engine says where it goes. Host and device code, no state.
//
// The command processor sends the engine the memory request itself (protocol::kMemRead or
// kMemWrite, its payload untouched) on a direct link, with Event::route saying where the engine
// sends it on: its `buffer` port or its `mem` port, and either to receiver `destination` of that
// port or, through an interconnect, to endpoint `destination`. The engine passes every answer
// back unchanged; the payload's tag tells the command processor whose it is.
#pragma once

#include <cstdint>

#include <archlab/event.hpp>

namespace archlab::dnn_workload::dma {

inline constexpr std::uint32_t kToBuffer = 1u << 31;        ///< the engine's `buffer` port; else `mem`
inline constexpr std::uint32_t kViaInterconnect = 1u << 30; ///< destination is an endpoint; else a receiver index
inline constexpr std::uint32_t kDestination = kViaInterconnect - 1; ///< the destination's bits

ARCHLAB_HD constexpr std::uint32_t route(bool to_buffer, bool via_interconnect, std::uint32_t destination) {
  return (to_buffer ? kToBuffer : 0u) | (via_interconnect ? kViaInterconnect : 0u) | (destination & kDestination);
}

static_assert(route(true, false, 5) == (kToBuffer | 5u));
static_assert((route(false, true, kDestination) & kDestination) == kDestination);

} // namespace archlab::dnn_workload::dma
