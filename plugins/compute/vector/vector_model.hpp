// compute.vector's closed forms: the parameters, an operation's cycles and energy and the unit's
// area. The handlers (vector.cpp) and the analytical estimate (workload.dnn's dnn_estimate.cpp)
// both call these, so the two fidelities cannot drift apart.
#pragma once

#include <cmath>
#include <cstdint>

#include <archlab/component.hpp>
#include <archlab/protocol.hpp>

namespace archlab::vector_unit {

inline constexpr std::uint32_t kOpClasses = 5;

/// The component's parameters, filled from TOML through Vector::params (vector.cpp).
struct Params {
  std::uint64_t lanes;
  double clock;
  std::uint64_t pipeline_latency;
  std::uint64_t elementwise_passes;
  std::uint64_t reduction_passes;
  std::uint64_t softmax_passes;
  std::uint64_t layernorm_passes;
  std::uint64_t activation_passes;
  double lane_op_energy_pj;
  double lane_area_mm2;
};

ARCHLAB_HD constexpr std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

/// Vector instructions (one per cycle) needed to cover `elements` elements in rows of `row`
/// elements (0: one row) on `lanes` lanes.
ARCHLAB_HD constexpr std::uint64_t vector_count(std::uint64_t elements, std::uint64_t row, std::uint64_t lanes) {
  if (row == 0 || row >= elements) return ceil_div(elements, lanes);
  return (elements / row) * ceil_div(row, lanes) + ceil_div(elements % row, lanes);
}

static_assert(vector_count(1000, 0, 16) == 63);
static_assert(vector_count(100, 10, 16) == 10); // ten rows of 10 elements: one vector each
static_assert(vector_count(100, 40, 16) == 8);  // two rows of 3 vectors, and a rest of 20 in 2
static_assert(vector_count(0, 0, 16) == 0);

/// Passes over the data of an operation of class `op` (protocol::VectorOp); 0 for an unknown class.
ARCHLAB_HD inline std::uint64_t passes(const Params& p, std::uint64_t op) {
  switch (static_cast<protocol::VectorOp>(op)) {
  case protocol::VectorOp::Elementwise:
    return p.elementwise_passes;
  case protocol::VectorOp::Reduction:
    return p.reduction_passes;
  case protocol::VectorOp::Softmax:
    return p.softmax_passes;
  case protocol::VectorOp::LayerNorm:
    return p.layernorm_passes;
  case protocol::VectorOp::Activation:
    return p.activation_passes;
  }
  return 0;
}

/// Cycles of one operation of `elements` elements in rows of `row` (0: one row) that takes
/// `pass_count` passes: vectors * passes + the pipeline latency (nothing for no elements).
ARCHLAB_HD inline std::uint64_t op_cycles(const Params& p, std::uint64_t pass_count, std::uint64_t elements,
                                          std::uint64_t row) {
  return elements == 0 ? 0 : vector_count(elements, row, p.lanes) * pass_count + p.pipeline_latency;
}

/// Duration of `cycles` clock cycles at `clock` hertz, to the nearest picosecond.
ARCHLAB_HD inline Tick cycles_to_ticks(std::uint64_t cycles, double clock) {
  return static_cast<Tick>(llround(static_cast<double>(cycles) * 1e12 / clock));
}

/// Energy in pJ of `lane_ops` lane operations (elements x passes).
ARCHLAB_HD inline double lane_energy(const Params& p, std::uint64_t lane_ops) {
  return static_cast<double>(lane_ops) * p.lane_op_energy_pj;
}

/// Area of the lanes in mm^2.
ARCHLAB_HD inline double unit_area(const Params& p) { return static_cast<double>(p.lanes) * p.lane_area_mm2; }

} // namespace archlab::vector_unit
