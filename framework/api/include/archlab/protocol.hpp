// Event kinds and payload layouts that hardware components share, so that a workload, a memory
// and a compute unit written by different people understand each other. A component may define
// kinds of its own at kFirstPrivateKind and above.
#pragma once

#include <cstdint>
#include <cstring>

#include "archlab/event.hpp"

namespace archlab::protocol {

enum Kind : std::uint16_t {
  // Compute: a GEMM tile C[M x N] += A[M x K] * B[K x N].
  //   payload: w[0] = M, w[1] = N, w[2] = K, w[3] = tag (the requester's, returned as is)
  kGemmTile = 1,
  //   reply: w[0] = compute cycles, w[1] = MACs, w[2] = unit_report(PEs, energy), w[3] = tag
  kGemmDone = 2,
  // Compute: a vector operation over `elements` elements.
  //   payload: w[0] = VectorOp, w[1] = elements, w[2] = row length (softmax, layer norm), w[3] = tag
  kVectorOp = 3,
  //   reply: w[0] = cycles, w[1] = elements, w[2] = unit_report(lanes, energy), w[3] = tag
  kVectorDone = 4,
  // Memory: read or write `bytes` bytes at `address`.
  //   payload: w[0] = address, w[1] = bytes, w[3] = tag
  kMemRead = 5,
  kMemWrite = 6,
  //   reply: w[0] = address, w[1] = bytes, w[2] = energy_bits(the access energy in pJ; 0: not
  //   reported), w[3] = tag
  kMemReadDone = 7,
  kMemWriteDone = 8,
  kFirstPrivateKind = 256,
};

/// Names of the shared kinds, for traces (/kinds in the run file, with type "").
inline constexpr KindSpec kKindNames[] = {
    {kGemmTile, "gemm_tile"},   {kGemmDone, "gemm_done"},     {kVectorOp, "vector_op"},
    {kVectorDone, "vector_done"}, {kMemRead, "mem_read"},     {kMemWrite, "mem_write"},
    {kMemReadDone, "mem_read_done"}, {kMemWriteDone, "mem_write_done"},
};

/// A compute unit's report in its reply's w[2]: its width (PEs of an array, lanes of a vector
/// unit) in the low 32 bits and the energy of the work in pJ as a float in the high 32 bits, so a
/// requester can tell utilization (work / (cycles x width)) and energy per operation.
ARCHLAB_HD inline std::uint64_t unit_report(std::uint64_t width, double energy_pj) {
  const float energy = static_cast<float>(energy_pj);
  std::uint32_t bits = 0;
  std::memcpy(&bits, &energy, sizeof(bits));
  return (static_cast<std::uint64_t>(bits) << 32) | (width > 0xffffffffu ? 0xffffffffu : width);
}
ARCHLAB_HD inline std::uint64_t unit_width(std::uint64_t report) { return report & 0xffffffffu; }
ARCHLAB_HD inline double unit_energy(std::uint64_t report) {
  const auto bits = static_cast<std::uint32_t>(report >> 32);
  float energy = 0;
  std::memcpy(&energy, &bits, sizeof(energy));
  return energy;
}
/// A double in a payload word (memory replies' energy).
ARCHLAB_HD inline std::uint64_t energy_bits(double energy_pj) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &energy_pj, sizeof(bits));
  return bits;
}
ARCHLAB_HD inline double energy_from_bits(std::uint64_t bits) {
  double energy = 0;
  std::memcpy(&energy, &bits, sizeof(energy));
  return energy;
}

enum class VectorOp : std::uint64_t { Elementwise = 0, Reduction = 1, Softmax = 2, LayerNorm = 3, Activation = 4 };

/// Replies go back to the sender through the replying component's `reply_port`, an array link
/// to the requesters: Context::index_of(reply_port, request.src) says which receiver it is.
///
/// Interconnects (link, crossbar, mesh) forward events of any kind with their payload untouched.
/// An interconnect has endpoints 0..N-1. A component that sends into one puts the destination
/// endpoint in Event::route (Context::send's `route` argument); the interconnect delivers the
/// event through its output array link to receiver `route`, and sets Event::route to the
/// endpoint it came from, so the receiver can answer through the interconnect with
/// route = event.route. Which endpoint a sender is, the interconnect finds with
/// Context::index_of(out, event.src): endpoints both send and receive, so every sender is also a
/// receiver of the interconnect's output port (senders that receive nothing can be numbered
/// through a port that carries nothing, as the interconnect plugins' `sources` port does).

}  // namespace archlab::protocol
