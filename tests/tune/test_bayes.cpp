// The bayes tuner (GP + expected improvement, ParEGO) through the real plugin loader and its C
// ABI, on synthetic objectives (no simulation).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <set>
#include <vector>

#include "tuner_harness.hpp"

namespace {

using archlab::DimensionKind;
using archlab::SpaceDimension;
using namespace archlab::testing;

// Mirror of the plugin's Params (layout as declared in tuners/bayes/bayes.cpp), defaults.
struct BayesParams {
  std::uint64_t initial = 10, candidates = 2000, local_best = 5, local_samples = 100;
  double local_sigma = 0.1;
  std::uint64_t restarts = 2, fit_evaluations = 300;
  double xi = 0, rho = 0.05;
  std::uint64_t weight_levels = 0, max_tries = 1000;
};
/// Smooth objectives over the mixed space (optimum of the first at rows 200, cols 32, flow 2,
/// clock 1.3, volt 0.9); constraint clock <= 1.8; a point with rows > 700 fails.
bool mixed_objective(const double* p, std::vector<double>& o, std::vector<double>& c) {
  if (p[0] > 700) return false;
  o[0] = std::pow(std::log2(p[0] / 200.0), 2) + std::pow((p[1] - 32) / 16.0, 2) + (p[2] == 2 ? 0.0 : 1.0) +
         std::pow((p[3] - 1.3) * 2, 2) + std::pow((p[4] - 0.9) * 4, 2);
  if (o.size() > 1) o[1] = std::pow(std::log2(p[0] / 8.0), 2) + std::pow((p[3] - 0.6) * 2, 2);
  for (auto& v : c) v = p[3] - 1.8;
  return true;
}

TEST(Bayes, StaysWithinRangesStepsChoicesAndConditionsAndLearnsToAvoidFailures) {
  const auto dims = mixed_space();
  for (std::uint32_t nobj : {1u, 2u}) {
    archlab::TunerSetup setup{{dims.data(), 5, &product_at_most_2048, nullptr}, nobj, 1, 3, 50};
    const auto results = run("bayes", blob(BayesParams{}), setup, mixed_objective, 50, 4);
    ASSERT_EQ(results.size(), 50u);
    std::set<double> flows;
    std::set<std::vector<double>> distinct;
    std::size_t failed_late = 0, infeasible_late = 0;
    for (std::size_t i = 0; i < results.size(); ++i) {
      const auto& r = results[i];
      expect_in_space(dims, r.point);
      EXPECT_LE(r.point[0] * r.point[1], 2048);
      flows.insert(r.point[2]);
      distinct.insert(r.point);
      if (i >= 25 && r.failed) ++failed_late;
      if (i >= 25 && !r.failed && r.constraints[0] > 0) ++infeasible_late;
    }
    EXPECT_GE(flows.size(), 3u);
    EXPECT_EQ(distinct.size(), results.size());  // never proposes a known point again
    // Random search fails ~1/3 of the time on rows > 700 (log scale) and violates clock <= 1.8
    // 13% of the time; the model steers away from both.
    std::printf("[ bayes   ] %u objective(s): of the last 25 trials %zu failed, %zu infeasible\n", nobj, failed_late,
                infeasible_late);
    EXPECT_LE(failed_late, 3u);
    EXPECT_LE(infeasible_late, 3u);
  }
}

TEST(Bayes, SameSeedSameTrialsAndSavedStateContinuesExactly) {
  const auto dims = mixed_space();
  for (std::uint32_t batch : {1u, 3u}) {
    archlab::TunerSetup setup{{dims.data(), 5, &product_at_most_2048, nullptr}, 2, 1, 11, 36};
    BayesParams bp;
    bp.candidates = 500;
    const auto params = blob(bp);
    const auto& d = tuner("bayes");
    char error[256] = "";
    void* a = d.create(params.data(), &setup, error, sizeof error);
    ASSERT_NE(a, nullptr) << error;
    std::vector<Result> first;
    drive(d, a, setup, mixed_objective, 19, batch, first);  // past the initial design
    // An ask without its tell (pending points are part of the state).
    std::vector<double> pending(5);
    ASSERT_EQ(d.ask(a, 1, pending.data()), 1u);
    const archlab::TunerBytes bytes = d.save(a);
    void* b = d.restore(params.data(), &setup, bytes.data, bytes.size);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(d.restore(params.data(), &setup, bytes.data, bytes.size - 1), nullptr);
    auto changed = params;
    changed[0] = static_cast<std::byte>(static_cast<unsigned char>(changed[0]) ^ 1u);
    EXPECT_EQ(d.restore(changed.data(), &setup, bytes.data, bytes.size), nullptr);
    archlab::TunerSetup three = setup;
    three.nobjectives = 3;
    EXPECT_EQ(d.restore(params.data(), &three, bytes.data, bytes.size), nullptr);
    d.free_bytes(bytes);
    std::vector<Result> ca, cb;
    drive(d, a, setup, mixed_objective, 16, batch, ca);
    drive(d, b, setup, mixed_objective, 16, batch, cb);
    ASSERT_EQ(ca.size(), cb.size());
    for (std::size_t i = 0; i < ca.size(); ++i) EXPECT_EQ(ca[i].point, cb[i].point) << "trial " << i;
    d.destroy(a);
    d.destroy(b);
    // The same seed from scratch gives the same first trials.
    const auto again = run("bayes", params, setup, mixed_objective, 19, batch);
    for (std::size_t i = 0; i < 19; ++i) EXPECT_EQ(again[i].point, first[i].point);
  }
}

double best_of(const std::vector<Result>& results) {
  double best = INFINITY;
  for (const auto& r : results) best = std::min(best, r.objectives[0]);
  return best;
}

/// 4-D: Branin (rescaled to [0, 1]^2 inputs) on x0, x1 plus a shifted sphere on x2, x3 (one of
/// them a log-scale float); minimum 0.397887.
std::vector<SpaceDimension> branin_space() {
  return {
      {"x0", DimensionKind::Float, -5, 10, 0, 0, 0, nullptr},
      {"x1", DimensionKind::Float, 0, 15, 0, 0, 0, nullptr},
      {"x2", DimensionKind::Float, -2, 2, 0, 0, 0, nullptr},
      {"x3", DimensionKind::Float, 0.01, 100, 0, 1, 0, nullptr},
  };
}
bool branin4(const double* x, std::vector<double>& o, std::vector<double>&) {
  constexpr double pi = 3.141592653589793;
  const double b = 5.1 / (4 * pi * pi), c = 5 / pi, t = 1 / (8 * pi);
  const double branin = std::pow(x[1] - b * x[0] * x[0] + c * x[0] - 6, 2) + 10 * (1 - t) * std::cos(x[0]) + 10;
  o[0] = branin + 5 * std::pow(x[2] - 0.6, 2) + 5 * std::pow(std::log10(x[3]) - 0.5, 2);
  return true;
}

TEST(Bayes, BeatsRandomAtTheSameBudgetOnASmoothFunction) {
  const auto dims = branin_space();
  constexpr int kSeeds = 5;
  constexpr std::size_t kBudget = 40;
  constexpr double kMin = 0.397887;
  double bayes_sum = 0, random_sum = 0;
  int wins = 0;
  for (int s = 1; s <= kSeeds; ++s) {
    archlab::TunerSetup setup{{dims.data(), 4, nullptr, nullptr}, 1, 0, static_cast<std::uint64_t>(s), kBudget};
    const double rb = best_of(run("random", blob(RandomParams{}), setup, branin4, kBudget, 2)) - kMin;
    const double bb = best_of(run("bayes", blob(BayesParams{}), setup, branin4, kBudget, 2)) - kMin;
    std::printf("[ branin4 ] seed %d: bayes gap %.4f, random gap %.4f (40 trials, batch 2)\n", s, bb, rb);
    bayes_sum += bb;
    random_sum += rb;
    wins += bb < rb ? 1 : 0;
  }
  std::printf("[ branin4 ] mean gap to the optimum: bayes %.4f, random %.4f, bayes wins %d of %d\n",
              bayes_sum / kSeeds, random_sum / kSeeds, wins, kSeeds);
  // Measured: mean gap bayes 0.182 (0.03-0.35), random 4.46 (1.9-8.0); bayes wins every seed.
  EXPECT_EQ(wins, kSeeds);
  EXPECT_LT(bayes_sum, 0.2 * random_sum);
}

/// Two objectives on [0, 1]^6: squared distances to (0.2, 0.2, 0.5, ...) and (0.8, 0.8, 0.5,
/// ...); the Pareto set is the segment between them, the front f2 = (sqrt(0.72) - sqrt(f1))^2.
bool two_spheres(const double* x, std::vector<double>& o, std::vector<double>&) {
  double rest = 0;
  for (int i = 2; i < 6; ++i) rest += std::pow(x[i] - 0.5, 2);
  o[0] = std::pow(x[0] - 0.2, 2) + std::pow(x[1] - 0.2, 2) + rest;
  o[1] = std::pow(x[0] - 0.8, 2) + std::pow(x[1] - 0.8, 2) + rest;
  return true;
}
double front_hypervolume(const std::vector<Result>& results, const std::vector<double>& reference) {
  std::vector<std::vector<double>> values;
  for (const auto& r : results) values.push_back(r.objectives);
  std::vector<std::vector<double>> front;
  for (std::uint32_t i : archlab::pareto_front(values)) front.push_back(values[i]);
  return archlab::hypervolume(front, reference);
}

TEST(Bayes, ParegoHypervolumeWellAboveRandom) {
  std::vector<SpaceDimension> dims;
  for (const char* n : {"x0", "x1", "x2", "x3", "x4", "x5"}) dims.push_back({n, DimensionKind::Float, 0, 1, 0, 0, 0, nullptr});
  const std::vector<double> reference{0.8, 0.8};
  // True front against (0.8, 0.8): integral over f1 in [0, 0.8] of 0.8 - min(0.8, (sqrt(0.72) - sqrt(f1))^2).
  double truth = 0;
  constexpr int kSteps = 200000;
  for (int i = 0; i < kSteps; ++i) {
    const double f1 = 0.8 * (i + 0.5) / kSteps;
    truth += (0.8 - std::min(0.8, std::pow(std::sqrt(0.72) - std::sqrt(f1), 2))) * 0.8 / kSteps;
  }
  constexpr int kSeeds = 4;
  constexpr std::size_t kBudget = 60;
  double bayes_sum = 0, random_sum = 0;
  for (int s = 1; s <= kSeeds; ++s) {
    archlab::TunerSetup setup{{dims.data(), 6, nullptr, nullptr}, 2, 0, static_cast<std::uint64_t>(s), kBudget};
    const double r = front_hypervolume(run("random", blob(RandomParams{}), setup, two_spheres, kBudget, 2), reference) / truth;
    const double b = front_hypervolume(run("bayes", blob(BayesParams{}), setup, two_spheres, kBudget, 2), reference) / truth;
    std::printf("[ parego  ] seed %d: bayes %.4f, random %.4f of the true hypervolume at %zu trials (batch 2)\n", s, b, r,
                kBudget);
    bayes_sum += b;
    random_sum += r;
    EXPECT_GT(b, r);
  }
  std::printf("[ parego  ] mean: bayes %.4f, random %.4f (ratio %.2f)\n", bayes_sum / kSeeds, random_sum / kSeeds,
              bayes_sum / random_sum);
  // Measured: bayes 0.82-0.93 (mean 0.877), random 0.46-0.60 (mean 0.513): ratio 1.71.
  EXPECT_GE(bayes_sum / kSeeds, 0.8);
  EXPECT_GT(bayes_sum, 1.4 * random_sum);
}

}  // namespace
