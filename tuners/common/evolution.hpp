// Shared pieces of the anneal, genetic, nsga2 and bayes tuners (header-only, plugin API only):
// unit-cube encoding of a space, Deb's constraint handling, SBX and polynomial mutation,
// fast non-dominated sorting with constraint domination and crowding distance, and the header
// every saved tuner state starts with.
#pragma once

#include <archlab/tuner.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <span>
#include <vector>

namespace archlab_tuners {

using archlab::DimensionKind;
using archlab::SpaceDimension;
using archlab::TunerSpace;
using archlab::tuning::Random;

inline constexpr double kInf = std::numeric_limits<double>::infinity();

/// Whether a dimension is searched as a number (Int, Float) rather than as a choice.
inline bool numeric(const SpaceDimension& d) { return d.kind != DimensionKind::Choice; }

/// A numeric value mapped to [0, 1] (in log(value) for a log-scale dimension).
inline double to_unit(const SpaceDimension& d, double x) {
  if (d.high <= d.low) return 0.0;
  if (d.log_scale != 0 && d.low > 0) return (std::log(x) - std::log(d.low)) / (std::log(d.high) - std::log(d.low));
  return (x - d.low) / (d.high - d.low);
}
/// The inverse of to_unit, snapped to the dimension's step (integers for Int).
inline double from_unit(const SpaceDimension& d, double u) {
  u = std::fmin(std::fmax(u, 0.0), 1.0);
  double x;
  if (d.log_scale != 0 && d.low > 0) {
    x = std::exp(std::log(d.low) + u * (std::log(d.high) - std::log(d.low)));
  } else {
    x = d.low + u * (d.high - d.low);
  }
  if (d.kind == DimensionKind::Int && d.step <= 0) x = std::round(x);
  return archlab::tuning::snap(d, x);
}

/// A standard normal draw (Box-Muller; always two uniforms, so the stream stays aligned).
inline double gaussian(Random& rng) {
  const double u1 = 1.0 - rng.uniform();  // (0, 1]
  const double u2 = rng.uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

/// Total constraint violation of a told trial: sum of max(0, c); +inf when the trial failed or a
/// constraint is NaN (failed trials rank below every evaluated one).
inline double violation_of(const archlab::TunerTrial& t, std::uint32_t nconstraints) {
  if (t.failed != 0) return kInf;
  double v = 0;
  for (std::uint32_t k = 0; k < nconstraints; ++k) {
    const double c = t.constraints[k];
    if (std::isnan(c)) return kInf;
    if (c > 0) v += c;
  }
  return v;
}

/// Pareto dominance (minimization).
inline bool dominates(std::span<const double> a, std::span<const double> b) {
  bool better = false;
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k] > b[k]) return false;
    if (a[k] < b[k]) better = true;
  }
  return better;
}

/// Deb's constraint domination: a feasible point beats an infeasible one; of two infeasible points
/// the smaller total violation wins; of two feasible points, Pareto dominance decides.
inline bool constrained_dominates(std::span<const double> fa, double va, std::span<const double> fb, double vb) {
  const bool a_ok = va <= 0, b_ok = vb <= 0;
  if (a_ok && !b_ok) return true;
  if (!a_ok && b_ok) return false;
  if (!a_ok && !b_ok) return va < vb;
  return dominates(fa, fb);
}

/// Single-objective version of Deb's rules: whether (fa, va) is strictly better than (fb, vb).
inline bool better_single(double fa, double va, double fb, double vb) {
  const bool a_ok = va <= 0, b_ok = vb <= 0;
  if (a_ok != b_ok) return a_ok;
  if (!a_ok) return va < vb;
  return fa < fb;
}

/// Fast non-dominated sorting (Deb et al. 2002, O(M N^2)) under constraint domination.
/// fronts[0] holds the indices no one constrained-dominates, each front in increasing index order.
inline std::vector<std::vector<std::uint32_t>> fast_non_dominated_sort(const std::vector<std::vector<double>>& objectives,
                                                                       const std::vector<double>& violation) {
  const std::size_t n = objectives.size();
  std::vector<std::vector<std::uint32_t>> dominated_by_me(n);
  std::vector<std::uint32_t> count(n, 0);
  std::vector<std::vector<std::uint32_t>> fronts(1);
  for (std::uint32_t p = 0; p < n; ++p) {
    for (std::uint32_t q = 0; q < n; ++q) {
      if (p == q) continue;
      if (constrained_dominates(objectives[p], violation[p], objectives[q], violation[q])) {
        dominated_by_me[p].push_back(q);
      } else if (constrained_dominates(objectives[q], violation[q], objectives[p], violation[p])) {
        ++count[p];
      }
    }
    if (count[p] == 0) fronts[0].push_back(p);
  }
  while (!fronts.back().empty()) {
    std::vector<std::uint32_t> next;
    for (std::uint32_t p : fronts.back()) {
      for (std::uint32_t q : dominated_by_me[p]) {
        if (--count[q] == 0) next.push_back(q);
      }
    }
    std::sort(next.begin(), next.end());
    fronts.push_back(std::move(next));
  }
  fronts.pop_back();
  return fronts;
}

/// Crowding distance of each member of `front` (same order): per objective, the two extremes get
/// +inf and an interior member the gap between its neighbours divided by the objective's range.
/// Members with a non-finite objective (failed trials) get 0.
inline std::vector<double> crowding_distance(const std::vector<std::vector<double>>& objectives,
                                             const std::vector<std::uint32_t>& front) {
  const std::size_t n = front.size();
  std::vector<double> distance(n, 0.0);
  if (n == 0) return distance;
  const std::size_t m = objectives[front[0]].size();
  for (std::size_t i = 0; i < n; ++i) {
    for (double v : objectives[front[i]]) {
      if (!std::isfinite(v)) return distance;
    }
  }
  if (n <= 2) return std::vector<double>(n, kInf);
  std::vector<std::uint32_t> order(n);
  for (std::size_t k = 0; k < m; ++k) {
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return objectives[front[a]][k] < objectives[front[b]][k]; });
    const double lo = objectives[front[order.front()]][k];
    const double hi = objectives[front[order.back()]][k];
    distance[order.front()] = kInf;
    distance[order.back()] = kInf;
    if (hi <= lo) continue;
    for (std::size_t i = 1; i + 1 < n; ++i) {
      distance[order[i]] += (objectives[front[order[i + 1]]][k] - objectives[front[order[i - 1]]][k]) / (hi - lo);
    }
  }
  return distance;
}

/// Bounded simulated binary crossover (Deb & Agrawal 1995) of two values in [0, 1].
inline void sbx(double& y1, double& y2, double eta, Random& rng) {
  const double r = rng.uniform();
  const double swap = rng.uniform();
  if (std::fabs(y1 - y2) <= 1e-14) return;
  const double lo = std::fmin(y1, y2), hi = std::fmax(y1, y2);
  auto betaq = [&](double beta) {
    const double alpha = 2.0 - std::pow(beta, -(eta + 1.0));
    return r <= 1.0 / alpha ? std::pow(r * alpha, 1.0 / (eta + 1.0)) : std::pow(1.0 / (2.0 - r * alpha), 1.0 / (eta + 1.0));
  };
  double c1 = 0.5 * ((lo + hi) - betaq(1.0 + 2.0 * lo / (hi - lo)) * (hi - lo));
  double c2 = 0.5 * ((lo + hi) + betaq(1.0 + 2.0 * (1.0 - hi) / (hi - lo)) * (hi - lo));
  c1 = std::fmin(std::fmax(c1, 0.0), 1.0);
  c2 = std::fmin(std::fmax(c2, 0.0), 1.0);
  if (swap < 0.5) std::swap(c1, c2);
  y1 = c1;
  y2 = c2;
}

/// Bounded polynomial mutation (Deb & Goyal 1996) of a value in [0, 1].
inline double polynomial_mutation(double y, double eta, Random& rng) {
  const double r = rng.uniform();
  const double power = 1.0 / (eta + 1.0);
  double dq;
  if (r < 0.5) {
    const double xy = 1.0 - y;
    dq = std::pow(2.0 * r + (1.0 - 2.0 * r) * std::pow(xy, eta + 1.0), power) - 1.0;
  } else {
    const double xy = y;
    dq = 1.0 - std::pow(2.0 * (1.0 - r) + 2.0 * (r - 0.5) * std::pow(xy, eta + 1.0), power);
  }
  return std::fmin(std::fmax(y + dq, 0.0), 1.0);
}

/// A random admissible point of the space (up to `tries` draws); false when none was found.
inline bool random_point(const TunerSpace& space, Random& rng, std::uint64_t tries, double* point) {
  for (std::uint64_t attempt = 0; attempt < tries; ++attempt) {
    for (std::uint32_t d = 0; d < space.ndims; ++d) point[d] = archlab::tuning::sample(space.dims[d], rng.uniform());
    if (archlab::tuning::admissible(space, point)) return true;
  }
  return false;
}

/// How two parents make a child (genetic and nsga2).
struct Variation {
  bool uniform_crossover;  ///< false: SBX on numeric dimensions
  double crossover_rate;   ///< probability that a pair is crossed at all
  double eta_c;            ///< SBX distribution index
  bool gaussian_mutation;  ///< false: polynomial mutation
  double mutation_rate;    ///< per dimension; <= 0: 1 / ndims
  double eta_m;            ///< polynomial mutation distribution index
  double sigma;            ///< gaussian mutation: standard deviation as a fraction of the range
};

/// One child of parents a and b, written to `child` (snapped to the space, not checked against
/// its conditions). Numeric dimensions are varied in the unit cube (log scale for log dimensions);
/// a choice dimension is inherited from either parent and reset to a random other choice when mutated.
inline void make_child(const TunerSpace& space, const double* a, const double* b, const Variation& v, Random& rng,
                       double* child) {
  const std::uint32_t n = space.ndims;
  const bool cross = rng.uniform() < v.crossover_rate;
  const bool first = rng.uniform() < 0.5;
  const double rate = v.mutation_rate > 0 ? v.mutation_rate : 1.0 / n;
  for (std::uint32_t d = 0; d < n; ++d) {
    const SpaceDimension& dim = space.dims[d];
    const double pick = rng.uniform();
    const double mutate = rng.uniform();
    if (!numeric(dim)) {
      double value = !cross ? a[d] : (pick < 0.5 ? a[d] : b[d]);
      const std::uint64_t other = rng.below(dim.nchoices > 1 ? dim.nchoices - 1 : 1);
      if (mutate < rate && dim.nchoices > 1) {
        value = static_cast<double>(other >= static_cast<std::uint64_t>(value) ? other + 1 : other);
      }
      child[d] = value;
      continue;
    }
    double y1 = to_unit(dim, a[d]), y2 = to_unit(dim, b[d]);
    if (cross) {
      if (v.uniform_crossover) {
        if (pick < 0.5) std::swap(y1, y2);
      } else {
        double c1 = y1, c2 = y2;
        sbx(c1, c2, v.eta_c, rng);
        if (pick < 0.5) {  // each variable crossed with probability 1/2 (Deb's NSGA-II code)
          y1 = c1;
          y2 = c2;
        }
      }
    }
    double y = first ? y1 : y2;
    const double before = y;
    double moved = v.gaussian_mutation ? std::fmin(std::fmax(y + v.sigma * gaussian(rng), 0.0), 1.0)
                                       : polynomial_mutation(y, v.eta_m, rng);
    if (mutate < rate) y = moved;
    double x = from_unit(dim, y);
    // A mutation too small to leave a grid value moves one step (so integers do mutate).
    if (mutate < rate && x == from_unit(dim, before) && dim.step > 0) {
      const double step = moved >= before ? dim.step : -dim.step;
      x = archlab::tuning::snap(dim, x + step);
      if (x == from_unit(dim, before)) x = archlab::tuning::snap(dim, x - step);
    }
    child[d] = x;
  }
}

/// The start of every saved tuner state: which tuner (magic), its parameters, the space's
/// dimensions and the random stream's counter. A restore refuses a state that is not its own.
template <class Params>
void put_state_header(archlab::tuning::ByteWriter& out, std::uint64_t magic, const Params& params, std::uint32_t ndims,
                      std::uint64_t counter) {
  out.put(magic);
  out.put(params);
  out.put(ndims);
  out.put(counter);
}

template <class Params>
[[nodiscard]] bool get_state_header(archlab::tuning::ByteReader& in, std::uint64_t magic, const Params& params,
                                    std::uint32_t ndims, std::uint64_t& counter) {
  std::uint64_t saved_magic = 0;
  Params saved{};
  std::uint32_t saved_ndims = 0;
  return in.get(saved_magic) && saved_magic == magic && in.get(saved) &&
         std::memcmp(&saved, &params, sizeof params) == 0 && in.get(saved_ndims) && saved_ndims == ndims &&
         in.get(counter);
}

}  // namespace archlab_tuners
