// The anneal, genetic and nsga2 tuners through the real plugin loader and their C ABI, driven by
// synthetic objectives (no simulation); NSGA-II's sorting and crowding; hypervolume.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <numeric>
#include <set>
#include <vector>

#include "common/evolution.hpp"
#include "tuner_harness.hpp"

namespace {

using archlab::DimensionKind;
using archlab::SpaceDimension;
using namespace archlab::testing;

// Mirrors of the plugins' Params (layout as declared in tuners/<name>/<name>.cpp).
struct AnnealParams {
  double initial_temperature = 1, cooling = 0, step = 0.1, min_step = 0.01;
  std::uint64_t restarts = 0, max_tries = 1000;
};
struct GeneticParams {
  std::uint64_t population = 20, tournament = 2, elitism = 2;
  double crossover_rate = 0.9, eta_c = 15, mutation_rate = 0, eta_m = 20, sigma = 0.1;
  std::uint64_t max_tries = 1000;
  std::uint32_t crossover = 0, mutation = 0;
};
struct Nsga2Params {
  std::uint64_t population = 20;
  double crossover_rate = 0.9, eta_c = 15, mutation_rate = 0, eta_m = 20;
  std::uint64_t max_tries = 1000;
};
/// A smooth single objective over the mixed space with its optimum inside (rows 200, cols 32,
/// flow 2, clock 1.3, volt 0.9): value 0.
void mixed_objective(const double* p, std::vector<double>& o, std::vector<double>& c) {
  o[0] = std::pow(std::log2(p[0] / 200.0), 2) + std::pow((p[1] - 32) / 16.0, 2) + (p[2] == 2 ? 0.0 : 1.0) +
         std::pow((p[3] - 1.3) * 2, 2) + std::pow((p[4] - 0.9) * 4, 2);
  if (o.size() > 1) o[1] = std::pow(std::log2(p[0] / 8.0), 2) + std::pow((p[3] - 0.6) * 2, 2);
  for (auto& v : c) v = -1;
}

std::vector<std::byte> default_params(const std::string& name) {
  if (name == "anneal") return blob(AnnealParams{});
  if (name == "genetic") return blob(GeneticParams{});
  if (name == "nsga2") return blob(Nsga2Params{});
  return blob(RandomParams{});
}

class SearchTuner : public ::testing::TestWithParam<const char*> {};

TEST_P(SearchTuner, StaysWithinRangesStepsChoicesAndConditions) {
  const auto dims = mixed_space();
  for (std::uint32_t nobj : {1u, 2u}) {
    archlab::TunerSetup setup{{dims.data(), 5, &product_at_most_2048, nullptr}, nobj, 1, 3, 400};
    const auto results = run(GetParam(), default_params(GetParam()), setup, mixed_objective, 400, 8);
    ASSERT_EQ(results.size(), 400u);
    std::set<double> flows;
    for (const auto& r : results) {
      expect_in_space(dims, r.point);
      EXPECT_LE(r.point[0] * r.point[1], 2048);
      flows.insert(r.point[2]);
    }
    EXPECT_EQ(flows.size(), 4u);
  }
}

double best_of(const std::vector<Result>& results) {
  double best = INFINITY;
  for (const auto& r : results) best = std::min(best, r.objectives[0]);
  return best;
}

TEST_P(SearchTuner, SameSeedSameTrialsAndSavedStateContinuesExactly) {
  const auto dims = mixed_space();
  for (std::uint32_t batch : {1u, 3u}) {
    archlab::TunerSetup setup{{dims.data(), 5, &product_at_most_2048, nullptr}, 2, 1, 11, 120};
    const auto params = default_params(GetParam());
    const auto& d = tuner(GetParam());
    char error[256] = "";
    void* a = d.create(params.data(), &setup, error, sizeof error);
    ASSERT_NE(a, nullptr) << error;
    std::vector<Result> first;
    drive(d, a, setup, mixed_objective, 57, batch, first);  // mid-generation, mid-anneal
    const archlab::TunerBytes bytes = d.save(a);
    void* b = d.restore(params.data(), &setup, bytes.data, bytes.size);
    ASSERT_NE(b, nullptr);
    // Another seed, other parameters or a truncated state are refused.
    archlab::TunerSetup other = setup;
    other.seed = 12;
    EXPECT_EQ(d.restore(params.data(), &setup, bytes.data, bytes.size - 1), nullptr);
    auto changed = params;
    changed[0] = static_cast<std::byte>(static_cast<unsigned char>(changed[0]) ^ 1u);
    EXPECT_EQ(d.restore(changed.data(), &setup, bytes.data, bytes.size), nullptr);
    d.free_bytes(bytes);
    std::vector<Result> ca, cb;
    drive(d, a, setup, mixed_objective, 63, batch, ca);
    drive(d, b, setup, mixed_objective, 63, batch, cb);
    ASSERT_EQ(ca.size(), cb.size());
    for (std::size_t i = 0; i < ca.size(); ++i) EXPECT_EQ(ca[i].point, cb[i].point) << "trial " << i;
    d.destroy(a);
    d.destroy(b);
    // An uninterrupted run with the same seed gives the same trials.
    const auto whole = run(GetParam(), params, setup, mixed_objective, 120, batch);
    for (std::size_t i = 0; i < 57; ++i) EXPECT_EQ(whole[i].point, first[i].point);
    for (std::size_t i = 0; i < 63; ++i) EXPECT_EQ(whole[57 + i].point, ca[i].point);
  }
}

INSTANTIATE_TEST_SUITE_P(Tuners, SearchTuner, ::testing::Values("anneal", "genetic", "nsga2"));

/// A 6-D continuous shifted sphere plus a choice and an int: single objective, minimum 0.
std::vector<SpaceDimension> sphere_space() {
  std::vector<SpaceDimension> dims;
  static const char* names[] = {"x0", "x1", "x2", "x3", "x4", "x5"};
  for (const char* n : names) dims.push_back({n, DimensionKind::Float, -5, 5, 0, 0, 0, nullptr});
  dims.push_back({"n", DimensionKind::Int, 0, 100, 1, 0, 0, nullptr});
  dims.push_back({"flow", DimensionKind::Choice, 0, 0, 0, 0, 4, kChoices});
  return dims;
}
void sphere(const double* p, std::vector<double>& o, std::vector<double>&) {
  double s = 0;
  for (int i = 0; i < 6; ++i) s += (p[i] - 1.3) * (p[i] - 1.3);
  o[0] = s + std::pow((p[6] - 37) / 10.0, 2) + (p[7] == 1 ? 0 : 2);
}

TEST(SearchTuners, SingleObjectiveBeatsRandomAtTheSameBudget) {
  const auto dims = sphere_space();
  constexpr int kSeeds = 8;
  constexpr std::size_t kBudget = 150;
  double random_sum = 0;
  std::vector<double> random_best;
  for (int s = 1; s <= kSeeds; ++s) {
    archlab::TunerSetup setup{{dims.data(), 8, nullptr, nullptr}, 1, 0, static_cast<std::uint64_t>(s), kBudget};
    random_best.push_back(best_of(run("random", default_params("random"), setup, sphere, kBudget, 5)));
    random_sum += random_best.back();
  }
  for (const char* name : {"anneal", "genetic"}) {
    double sum = 0;
    int wins = 0;
    for (int s = 1; s <= kSeeds; ++s) {
      archlab::TunerSetup setup{{dims.data(), 8, nullptr, nullptr}, 1, 0, static_cast<std::uint64_t>(s), kBudget};
      const double best = best_of(run(name, default_params(name), setup, sphere, kBudget, 5));
      sum += best;
      wins += best < random_best[s - 1] ? 1 : 0;
    }
    std::printf("[ sphere  ] %-8s mean best %.3f vs random %.3f over %d seeds, %d wins\n", name, sum / kSeeds,
                random_sum / kSeeds, kSeeds, wins);
    EXPECT_LT(sum, 0.5 * random_sum) << name;
    EXPECT_GE(wins, kSeeds - 1) << name;
  }
}

/// ZDT1 (Zitzler, Deb, Thiele 2000) on n variables in [0, 1].
void zdt1(const double* x, std::vector<double>& o, std::vector<double>&, int n) {
  double g = 0;
  for (int i = 1; i < n; ++i) g += x[i];
  g = 1 + 9 * g / (n - 1);
  o[0] = x[0];
  o[1] = g * (1 - std::sqrt(x[0] / g));
}
std::vector<SpaceDimension> unit_space(int n) {
  static const char* names[] = {"x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7"};
  std::vector<SpaceDimension> dims;
  for (int i = 0; i < n; ++i) dims.push_back({names[i], DimensionKind::Float, 0, 1, 0, 0, 0, nullptr});
  return dims;
}
double front_hypervolume(const std::vector<Result>& results) {
  std::vector<std::vector<double>> values;
  for (const auto& r : results) values.push_back(r.objectives);
  std::vector<std::vector<double>> front;
  for (std::uint32_t i : archlab::pareto_front(values)) front.push_back(values[i]);
  return archlab::hypervolume(front, {1.1, 1.1});
}

// The true ZDT1 front f2 = 1 - sqrt(f1) against (1.1, 1.1): 1.1 * 0.1 + integral of
// (0.1 + sqrt(f1)) over [0, 1] = 0.11 + 0.1 + 2/3.
constexpr double kZdt1Hypervolume = 0.11 + 0.1 + 2.0 / 3.0;

TEST(Nsga2, Zdt1FrontReachesTheStatedHypervolumeRatioAndBeatsRandom) {
  constexpr int kDims = 4;
  const auto dims = unit_space(kDims);
  const auto f = [](const double* x, std::vector<double>& o, std::vector<double>& c) { zdt1(x, o, c, kDims); };
  double worst = 1, random_best = 0, sum = 0;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    archlab::TunerSetup setup{{dims.data(), kDims, nullptr, nullptr}, 2, 0, seed, 1000};
    Nsga2Params p;
    p.population = 40;
    const double ratio = front_hypervolume(run("nsga2", blob(p), setup, f, 1000, 40)) / kZdt1Hypervolume;
    const double random_ratio = front_hypervolume(run("random", default_params("random"), setup, f, 1000, 40)) / kZdt1Hypervolume;
    std::printf("[ zdt1    ] seed %llu: nsga2 %.4f, random %.4f of the true hypervolume at 1000 trials\n",
                static_cast<unsigned long long>(seed), ratio, random_ratio);
    worst = std::min(worst, ratio);
    sum += ratio;
    random_best = std::max(random_best, random_ratio);
  }
  // Measured: 0.937 to 0.982 over seeds 1-5 (mean 0.968); random search stays below 0.49.
  EXPECT_GE(worst, 0.93);
  EXPECT_GE(sum / 5, 0.96);
  EXPECT_GT(worst, random_best);
}

TEST(Nsga2, ConstraintDominationDrivesTheSearchIntoTheFeasibleRegion) {
  // ZDT1 with f1 >= 0.6 required (constraint 0.6 - f1 <= 0): after the first generations nearly
  // every proposal is feasible, and the feasible front is well covered.
  constexpr int kDims = 4;
  const auto dims = unit_space(kDims);
  const auto f = [](const double* x, std::vector<double>& o, std::vector<double>& c) {
    zdt1(x, o, c, kDims);
    c[0] = 0.6 - o[0];
  };
  archlab::TunerSetup setup{{dims.data(), kDims, nullptr, nullptr}, 2, 1, 5, 800};
  Nsga2Params p;
  p.population = 40;
  const auto results = run("nsga2", blob(p), setup, f, 800, 40);
  std::size_t feasible_late = 0;
  std::vector<Result> feasible;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (results[i].constraints[0] <= 0) {
      feasible.push_back(results[i]);
      if (i >= 400) ++feasible_late;
    }
  }
  EXPECT_GE(feasible_late, 360u);  // of the last 400 (measured: 378)
  // The constrained true front: f1 in [0.6, 1]: 1.1*0.1 + integral over [0.6, 1] of (0.1 + sqrt(f1)).
  const double truth = 0.11 + 0.1 * 0.4 + (2.0 / 3.0) * (1 - std::pow(0.6, 1.5));
  const double ratio = front_hypervolume(feasible) / truth;
  std::printf("[ zdt1-c  ] feasible in the last 400: %zu, hypervolume ratio %.4f\n", feasible_late, ratio);
  EXPECT_GE(ratio, 0.9);
}

TEST(Nsga2, FastNonDominatedSortWithConstraintDominationHandChecked) {
  // Feasible: (1,5) (2,2) (5,1) front 0; (3,3) front 1 (dominated by (2,2)); (4,4) front 2.
  // Infeasible, ranked after every feasible point by violation: 0.5 then 2 (its objectives,
  // though better, do not count).
  const std::vector<std::vector<double>> f{{1, 5}, {3, 3}, {2, 2}, {5, 1}, {4, 4}, {0, 0}, {0.5, 0.5}};
  const std::vector<double> v{0, 0, 0, 0, 0, 2, 0.5};
  const auto fronts = archlab_tuners::fast_non_dominated_sort(f, v);
  ASSERT_EQ(fronts.size(), 5u);
  EXPECT_EQ(fronts[0], (std::vector<std::uint32_t>{0, 2, 3}));
  EXPECT_EQ(fronts[1], (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(fronts[2], (std::vector<std::uint32_t>{4}));
  EXPECT_EQ(fronts[3], (std::vector<std::uint32_t>{6}));
  EXPECT_EQ(fronts[4], (std::vector<std::uint32_t>{5}));
  // Without constraints it agrees with the framework's non_dominated_sort.
  const std::vector<double> none(f.size(), 0.0);
  EXPECT_EQ(archlab_tuners::fast_non_dominated_sort(f, none), archlab::non_dominated_sort(f));
  // Equal infeasible violations: neither dominates.
  EXPECT_EQ(archlab_tuners::fast_non_dominated_sort({{1, 1}, {2, 2}}, {1, 1}).size(), 1u);
}

TEST(Nsga2, CrowdingDistanceHandChecked) {
  // Front sorted by f1: (0,10) (1,6) (3,3) (6,1) (10,0); ranges 10 and 10.
  // (1,6): (3-0)/10 + (10-3)/10 = 1.0; (3,3): (6-1)/10 + (6-1)/10 = 1.0; (6,1): (10-3)/10 + (3-0)/10 = 1.0.
  // Listed out of order to check the indexing.
  const std::vector<std::vector<double>> f{{3, 3}, {10, 0}, {1, 6}, {0, 10}, {6, 1}, {2, 4}};
  const auto d = archlab_tuners::crowding_distance(f, {0, 1, 2, 3, 4});
  ASSERT_EQ(d.size(), 5u);
  EXPECT_DOUBLE_EQ(d[0], 1.0);
  EXPECT_TRUE(std::isinf(d[1]));
  EXPECT_DOUBLE_EQ(d[2], 1.0);
  EXPECT_TRUE(std::isinf(d[3]));
  EXPECT_DOUBLE_EQ(d[4], 1.0);
  // Add (2,4) between (1,6) and (3,3): (1,6) -> (2-0)/10 + (10-4)/10 = 0.8; (2,4) -> (3-1)/10 +
  // (6-3)/10 = 0.5; (3,3) -> (6-2)/10 + (4-1)/10 = 0.7.
  const auto e = archlab_tuners::crowding_distance(f, {0, 1, 2, 3, 4, 5});
  EXPECT_DOUBLE_EQ(e[2], 0.8);
  EXPECT_DOUBLE_EQ(e[5], 0.5);
  EXPECT_DOUBLE_EQ(e[0], 0.7);
  // Two members: both extremes.
  const auto two = archlab_tuners::crowding_distance(f, {0, 1});
  EXPECT_TRUE(std::isinf(two[0]) && std::isinf(two[1]));
}

TEST(Hypervolume, HandChecked2D) {
  // Staircase (1,3) (2,2) (3,1) against (4,4): 3*1 + 2*1 + 1*1 = 6.
  EXPECT_DOUBLE_EQ(archlab::hypervolume({{1, 3}, {2, 2}, {3, 1}}, {4, 4}), 6.0);
  // A dominated point, a duplicate, order and a point outside the box change nothing.
  EXPECT_DOUBLE_EQ(archlab::hypervolume({{3, 1}, {2.5, 2.5}, {1, 3}, {2, 2}, {2, 2}, {0, 5}, {5, 0}}, {4, 4}), 6.0);
  // One point: its box. A point on the reference's edge adds nothing.
  EXPECT_DOUBLE_EQ(archlab::hypervolume({{1, 2}}, {3, 5}), 6.0);
  EXPECT_DOUBLE_EQ(archlab::hypervolume({{1, 5}}, {3, 5}), 0.0);
  EXPECT_DOUBLE_EQ(archlab::hypervolume({}, {1, 1}), 0.0);
}

TEST(Hypervolume, HandChecked3D) {
  EXPECT_DOUBLE_EQ(archlab::hypervolume({{1, 1, 1}}, {2, 2, 2}), 1.0);
  // (0,0,1): 2*2*1 = 4; (1,1,0): 1*1*2 = 2; overlap [1,2]^3 = 1: 5.
  EXPECT_DOUBLE_EQ(archlab::hypervolume({{0, 0, 1}, {1, 1, 0}}, {2, 2, 2}), 5.0);
  // The three unit "axes" against (2,2,2): 3 boxes of 4, pairwise overlaps 2, triple 1: 12 - 6 + 1 = 7.
  EXPECT_DOUBLE_EQ(archlab::hypervolume({{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, {2, 2, 2}), 7.0);
  // A dominated point adds nothing.
  EXPECT_DOUBLE_EQ(archlab::hypervolume({{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 1}}, {2, 2, 2}), 7.0);
  // 2-D points lifted with a constant third objective: the 2-D value times the depth.
  EXPECT_DOUBLE_EQ(archlab::hypervolume({{1, 3, 0.5}, {2, 2, 0.5}, {3, 1, 0.5}}, {4, 4, 2}), 6.0 * 1.5);
  EXPECT_THROW(archlab::hypervolume({{1, 1}}, {2, 2, 2}), std::invalid_argument);
}

}  // namespace
