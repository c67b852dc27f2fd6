// compute.systolic's closed forms: the parameters, a tile's compute cycles, its energy and the
// array's area. The handlers (systolic.cpp) and the analytical estimate (workload.dnn's
// dnn_estimate.cpp) both call these, so the two fidelities cannot drift apart.
#pragma once

#include <cmath>
#include <cstdint>

#include <archlab/component.hpp>

namespace archlab::systolic {

enum class Dataflow : std::uint32_t { OutputStationary, WeightStationary, InputStationary };

/// The component's parameters, filled from TOML through Systolic::params (systolic.cpp).
struct Params {
  std::uint64_t rows;
  std::uint64_t cols;
  std::uint32_t dataflow; // Dataflow
  double clock;
  double mac_energy_pj;
  double pe_area_mm2;
  bool double_buffer; ///< ws and is: a second stationary buffer, folds pipelined (gemm_cycles)
};

ARCHLAB_HD constexpr std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

/// Compute cycles of one M x N x K tile on a rows x cols array, as SCALE-Sim counts them.
///
/// The dataflow decides which GEMM dimensions are laid out over the array's rows and columns
/// (Sr, Sc) and which one streams through it in time (T):
///   os: Sr = M, Sc = N, T = K     ws: Sr = K, Sc = N, T = M     is: Sr = K, Sc = M, T = N
/// The operands are cut into ceil(Sr / rows) * ceil(Sc / cols) folds that run one after another,
/// each taking T cycles of streaming plus rows + cols - 2 cycles of skew (fill and drain); ws and
/// is first load their stationary operand, another `rows` cycles per fold. SCALE-Sim numbers
/// cycles from 0 and reports the cycle in which the last output is written, hence the final - 1.
///
/// With `double_buffer` (ws and is only) each PE holds a second stationary register: fold f + 1's
/// stationary data shifts in while fold f streams, and fold f + 1 starts streaming max(T, rows)
/// cycles after fold f did (T: its operand rows have entered; rows: the load chain is free and
/// its data is in place). The last fold starts at rows + (folds - 1) * max(T, rows) and, like any
/// fold, ends T + rows + cols - 2 cycles later; one fold gives SCALE-Sim's count. README.md
/// argues it cycle by cycle. os loads nothing, so the flag does not change it.
ARCHLAB_HD constexpr std::uint64_t gemm_cycles(Dataflow dataflow, std::uint64_t rows, std::uint64_t cols,
                                               std::uint64_t m, std::uint64_t n, std::uint64_t k,
                                               bool double_buffer = false) {
  if (m == 0 || n == 0 || k == 0) return 0;
  std::uint64_t spatial_rows = m;
  std::uint64_t spatial_cols = n;
  std::uint64_t temporal = k;
  std::uint64_t preload = 0;
  if (dataflow == Dataflow::WeightStationary) {
    spatial_rows = k;
    spatial_cols = n;
    temporal = m;
    preload = rows;
  } else if (dataflow == Dataflow::InputStationary) {
    spatial_rows = k;
    spatial_cols = m;
    temporal = n;
    preload = rows;
  }
  const std::uint64_t folds = ceil_div(spatial_rows, rows) * ceil_div(spatial_cols, cols);
  if (double_buffer && preload != 0) {
    const std::uint64_t interval = temporal > rows ? temporal : rows;
    return preload + (folds - 1) * interval + (temporal + rows + cols - 2) - 1;
  }
  return folds * (preload + rows + cols + temporal - 2) - 1;
}

// Pinned against SCALE-Sim 3.0.0 (tests/compute/test_systolic.cpp has more).
static_assert(gemm_cycles(Dataflow::OutputStationary, 4, 4, 5, 7, 3) == 35);
static_assert(gemm_cycles(Dataflow::WeightStationary, 4, 4, 5, 7, 3) == 29);
static_assert(gemm_cycles(Dataflow::InputStationary, 4, 4, 5, 7, 3) == 33);
static_assert(gemm_cycles(Dataflow::InputStationary, 2, 3, 10, 3, 7) == 127);
// Double buffering, by hand (README.md): ws 4 x 4, 5 x 7 x 3 has 2 folds of T = 5 >= R = 4:
// 4 + 1 * 5 + (5 + 4 + 4 - 2) - 1 = 19; ws 4 x 4, 2 x 8 x 8 has 4 folds of T = 2 < R = 4:
// 4 + 3 * 4 + (2 + 4 + 4 - 2) - 1 = 23 (47 without). One fold: SCALE-Sim's count; os: unchanged.
static_assert(gemm_cycles(Dataflow::WeightStationary, 4, 4, 5, 7, 3, true) == 19);
static_assert(gemm_cycles(Dataflow::WeightStationary, 4, 4, 2, 8, 8, false) == 47);
static_assert(gemm_cycles(Dataflow::WeightStationary, 4, 4, 2, 8, 8, true) == 23);
static_assert(gemm_cycles(Dataflow::WeightStationary, 4, 4, 4, 4, 4, true) ==
              gemm_cycles(Dataflow::WeightStationary, 4, 4, 4, 4, 4, false));
static_assert(gemm_cycles(Dataflow::OutputStationary, 4, 4, 5, 7, 3, true) == 35);

/// A tile's cycles on the array `p` describes.
ARCHLAB_HD constexpr std::uint64_t tile_cycles(const Params& p, std::uint64_t m, std::uint64_t n, std::uint64_t k) {
  return gemm_cycles(static_cast<Dataflow>(p.dataflow), p.rows, p.cols, m, n, k, p.double_buffer);
}

/// Duration of `cycles` clock cycles at `clock` hertz, to the nearest picosecond.
ARCHLAB_HD inline Tick cycles_to_ticks(std::uint64_t cycles, double clock) {
  return static_cast<Tick>(llround(static_cast<double>(cycles) * 1e12 / clock));
}

/// Energy in pJ of `macs` multiply-accumulates.
ARCHLAB_HD inline double mac_energy(const Params& p, std::uint64_t macs) {
  return static_cast<double>(macs) * p.mac_energy_pj;
}

/// Area of the PE array in mm^2.
ARCHLAB_HD inline double array_area(const Params& p) { return static_cast<double>(p.rows * p.cols) * p.pe_area_mm2; }

} // namespace archlab::systolic
