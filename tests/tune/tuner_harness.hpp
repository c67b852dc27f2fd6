// Driving tuner plugins through their C ABI on synthetic objectives (no simulation): loading,
// parameter blobs, the ask/tell loop, and a space with every kind of dimension. Shared by the
// tuner suites.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

#include "archlab/plugin_loader.hpp"
#include "archlab/tune.hpp"

namespace archlab::testing {

inline const TunerDescriptor& tuner(const char* name) {
  static const PluginRegistry registry({ARCHLAB_PLUGIN_DIR});
  const auto plugin = registry.find(name);
  EXPECT_EQ(plugin->descriptor().kind, PluginKind::Tuner);
  return *static_cast<const TunerDescriptor*>(plugin->descriptor().tuner);
}

/// Mirror of tuners/random's Params.
struct RandomParams {
  std::uint64_t max_tries = 1000;
};

template <class P>
std::vector<std::byte> blob(const P& p) {
  std::vector<std::byte> b(sizeof p);
  std::memcpy(b.data(), &p, sizeof p);
  return b;
}

struct Result {
  std::vector<double> point, objectives, constraints;
  bool failed = false;
};

/// Drives a tuner handle for `trials` evaluations in batches of `batch`; appends to `out`.
/// `f(point, objectives, constraints)` fills the values; when it returns bool, false means the
/// point failed (told as a failed trial with NaN values).
template <class Objective>
void drive(const TunerDescriptor& d, void* handle, const TunerSetup& setup, const Objective& f, std::size_t trials,
           std::uint32_t batch, std::vector<Result>& out) {
  const std::uint32_t n = setup.space.ndims;
  std::size_t done = 0;
  while (done < trials) {
    const auto want = static_cast<std::uint32_t>(std::min<std::size_t>(batch, trials - done));
    std::vector<double> points(static_cast<std::size_t>(want) * n);
    const std::uint32_t got = d.ask(handle, want, points.data());
    ASSERT_GT(got, 0u);
    std::vector<Result> results(got);
    std::vector<TunerTrial> told;
    for (std::uint32_t i = 0; i < got; ++i) {
      Result& r = results[i];
      r.point.assign(points.begin() + i * n, points.begin() + (i + 1) * n);
      r.objectives.resize(setup.nobjectives);
      r.constraints.resize(setup.nconstraints);
      if constexpr (std::is_same_v<decltype(f(r.point.data(), r.objectives, r.constraints)), bool>) {
        r.failed = !f(r.point.data(), r.objectives, r.constraints);
      } else {
        f(r.point.data(), r.objectives, r.constraints);
      }
      if (r.failed) {
        for (auto& v : r.objectives) v = NAN;
        for (auto& v : r.constraints) v = NAN;
      }
    }
    for (std::uint32_t i = 0; i < got; ++i) {
      told.push_back({out.size() + i, results[i].point.data(), results[i].objectives.data(),
                      results[i].constraints.data(), results[i].failed ? 1u : 0u, results[i].failed ? "failed" : ""});
    }
    d.tell(handle, told.data(), got);
    for (auto& r : results) out.push_back(std::move(r));
    done += got;
  }
}

/// A fresh tuner `name` with `params`, driven for `trials` evaluations.
template <class Objective>
std::vector<Result> run(const char* name, const std::vector<std::byte>& params, const TunerSetup& setup,
                        const Objective& f, std::size_t trials, std::uint32_t batch) {
  const auto& d = tuner(name);
  char error[256] = "";
  void* handle = d.create(params.data(), &setup, error, sizeof error);
  EXPECT_NE(handle, nullptr) << error;
  std::vector<Result> out;
  if (handle == nullptr) return out;
  drive(d, handle, setup, f, trials, batch, out);
  d.destroy(handle);
  return out;
}

inline const char* const kChoices[] = {"a", "b", "c", "d"};

/// Every kind of dimension: log-scale int, stepped int, choice, continuous float, stepped float.
inline std::vector<SpaceDimension> mixed_space() {
  return {
      {"rows", DimensionKind::Int, 1, 1024, 1, 1, 0, nullptr},
      {"cols", DimensionKind::Int, 4, 64, 4, 0, 0, nullptr},
      {"flow", DimensionKind::Choice, 0, 0, 0, 0, 4, kChoices},
      {"clock", DimensionKind::Float, 0.5, 2.0, 0, 0, 0, nullptr},
      {"volt", DimensionKind::Float, 0.6, 1.2, 0.1, 0, 0, nullptr},
  };
}
inline bool product_at_most_2048(const void*, const double* p) { return p[0] * p[1] <= 2048; }

/// Each coordinate inside its dimension: within the bounds, on its step, integral for Int and
/// Choice dimensions.
inline void expect_in_space(const std::vector<SpaceDimension>& dims, const std::vector<double>& p) {
  for (std::size_t d = 0; d < dims.size(); ++d) {
    const auto& dim = dims[d];
    if (dim.kind == DimensionKind::Choice) {
      EXPECT_EQ(p[d], std::round(p[d]));
      EXPECT_GE(p[d], 0);
      EXPECT_LT(p[d], dim.nchoices);
      continue;
    }
    EXPECT_GE(p[d], dim.low) << dim.name;
    EXPECT_LE(p[d], dim.high) << dim.name;
    if (dim.kind == DimensionKind::Int) EXPECT_EQ(p[d], std::round(p[d])) << dim.name;
    if (dim.step > 0) {
      const double k = (p[d] - dim.low) / dim.step;
      EXPECT_NEAR(k, std::round(k), 1e-9) << dim.name << " = " << p[d];
    }
  }
}

}  // namespace archlab::testing
