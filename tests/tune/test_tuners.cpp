// The random and grid tuners through the real plugin loader, and non-dominated sorting.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <set>
#include <vector>

#include "archlab/plugin_loader.hpp"
#include "archlab/tune.hpp"

namespace {

using archlab::DimensionKind;
using archlab::SpaceDimension;

const archlab::TunerDescriptor& tuner(const char* name) {
  static const archlab::PluginRegistry registry({ARCHLAB_PLUGIN_DIR});
  const auto plugin = registry.find(name);
  EXPECT_EQ(plugin->descriptor().kind, archlab::PluginKind::Tuner);
  return *static_cast<const archlab::TunerDescriptor*>(plugin->descriptor().tuner);
}

const char* const kDataflows[] = {"os", "ws", "is"};

/// rows: int 4..16 step 4; dataflow: 3 choices; clock: float 0.5..2 continuous.
std::vector<SpaceDimension> small_space() {
  return {
      {"rows", DimensionKind::Int, 4, 16, 4, 0, 0, nullptr},
      {"dataflow", DimensionKind::Choice, 0, 0, 0, 0, 3, kDataflows},
  };
}

struct Tuner {
  const archlab::TunerDescriptor& d;
  void* handle;
  Tuner(const archlab::TunerDescriptor& descriptor, const std::vector<std::byte>& params, const archlab::TunerSetup& setup)
      : d(descriptor) {
    char error[256] = "";
    handle = d.create(params.data(), &setup, error, sizeof error);
    EXPECT_NE(handle, nullptr) << error;
  }
  ~Tuner() { d.destroy(handle); }
  std::vector<std::vector<double>> ask(std::uint32_t n, std::uint32_t ndims) {
    std::vector<double> flat(static_cast<std::size_t>(n) * ndims);
    const std::uint32_t got = d.ask(handle, n, flat.data());
    std::vector<std::vector<double>> points;
    for (std::uint32_t i = 0; i < got; ++i) points.emplace_back(flat.begin() + i * ndims, flat.begin() + (i + 1) * ndims);
    return points;
  }
};

std::vector<std::byte> params_of(std::uint64_t value) {
  std::vector<std::byte> blob(sizeof value);
  std::memcpy(blob.data(), &value, sizeof value);
  return blob;
}

TEST(GridTuner, EnumeratesEveryPointOnceInOrderThenStops) {
  const auto dims = small_space();
  archlab::TunerSetup setup{{dims.data(), 2, nullptr, nullptr}, 1, 0, 1, 100};
  Tuner grid(tuner("grid"), params_of(5), setup);
  std::vector<std::vector<double>> all;
  for (int i = 0; i < 10; ++i) {
    for (auto& point : grid.ask(5, 2)) all.push_back(point);
  }
  std::vector<std::vector<double>> expected;
  for (double rows : {4, 8, 12, 16}) {
    for (double flow : {0, 1, 2}) expected.push_back({rows, flow});
  }
  EXPECT_EQ(all, expected);
}

bool rows_not_8(const void*, const double* point) { return point[0] != 8; }

TEST(GridTuner, SkipsPointsThatViolateConditionsAndLevelsContinuousDimensions) {
  std::vector<SpaceDimension> dims = small_space();
  dims.push_back({"clock", DimensionKind::Float, 1, 4, 0, 1, 0, nullptr});
  archlab::TunerSetup setup{{dims.data(), 3, &rows_not_8, nullptr}, 1, 0, 1, 100};
  Tuner grid(tuner("grid"), params_of(3), setup);
  const auto points = grid.ask(1000, 3);
  ASSERT_EQ(points.size(), 3u * 3u * 3u);  // rows {4, 12, 16} x 3 dataflows x 3 clock levels
  std::set<double> clocks;
  for (const auto& p : points) {
    EXPECT_NE(p[0], 8);
    clocks.insert(p[2]);
  }
  EXPECT_EQ(clocks, (std::set<double>{1, 2, 4}));  // log scale: geometric levels
  EXPECT_TRUE(grid.ask(1, 3).empty());
}

bool product_at_most_256(const void*, const double* point) { return point[0] * point[1] <= 256; }

TEST(RandomTuner, RespectsRangesLogScaleStepsChoicesAndConditions) {
  const std::vector<SpaceDimension> dims{
      {"rows", DimensionKind::Int, 1, 1024, 1, 1, 0, nullptr},
      {"cols", DimensionKind::Int, 4, 64, 4, 0, 0, nullptr},
      {"dataflow", DimensionKind::Choice, 0, 0, 0, 0, 3, kDataflows},
      {"clock", DimensionKind::Float, 0.5, 2.0, 0, 0, 0, nullptr},
  };
  archlab::TunerSetup unconditioned{{dims.data(), 4, nullptr, nullptr}, 1, 0, 42, 100};
  Tuner random(tuner("random"), params_of(1000), unconditioned);
  const auto points = random.ask(4000, 4);
  ASSERT_EQ(points.size(), 4000u);
  std::size_t below_32 = 0;
  std::set<double> cols, flows;
  for (const auto& p : points) {
    EXPECT_GE(p[0], 1);
    EXPECT_LE(p[0], 1024);
    EXPECT_EQ(p[0], std::round(p[0]));
    below_32 += p[0] < 32 ? 1 : 0;
    EXPECT_EQ(std::fmod(p[1] - 4, 4), 0);
    cols.insert(p[1]);
    flows.insert(p[2]);
    EXPECT_GE(p[3], 0.5);
    EXPECT_LT(p[3], 2.0);
  }
  // Log-uniform over [1, 1024]: half the mass below sqrt(1024) = 32.
  EXPECT_NEAR(static_cast<double>(below_32) / 4000.0, 0.5, 0.05);
  EXPECT_EQ(cols.size(), 16u);  // 4, 8, ..., 64: every step value drawn
  EXPECT_EQ(flows, (std::set<double>{0, 1, 2}));

  archlab::TunerSetup conditioned{{dims.data(), 4, &product_at_most_256, nullptr}, 1, 0, 42, 100};
  Tuner constrained(tuner("random"), params_of(1000), conditioned);
  for (const auto& p : constrained.ask(500, 4)) EXPECT_LE(p[0] * p[1], 256);
}

TEST(RandomTuner, SameSeedSamePointsAndSavedStateContinuesTheStream) {
  const auto dims = small_space();
  archlab::TunerSetup setup{{dims.data(), 2, nullptr, nullptr}, 1, 0, 9, 100};
  const auto params = params_of(1000);
  Tuner a(tuner("random"), params, setup);
  Tuner b(tuner("random"), params, setup);
  const auto first = a.ask(7, 2);
  EXPECT_EQ(first, b.ask(7, 2));
  const auto& d = tuner("random");
  const archlab::TunerBytes bytes = d.save(a.handle);
  void* restored = d.restore(params.data(), &setup, bytes.data, bytes.size);
  d.free_bytes(bytes);
  ASSERT_NE(restored, nullptr);
  std::vector<double> next(10);
  ASSERT_EQ(d.ask(restored, 5, next.data()), 5u);
  d.destroy(restored);
  const auto expected = a.ask(5, 2);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ((std::vector<double>{next[2 * i], next[2 * i + 1]}), expected[i]);
  const std::byte junk[3] = {};
  EXPECT_EQ(d.restore(params.data(), &setup, junk, sizeof junk), nullptr);
}

TEST(Pareto, HandCheckedFronts) {
  // Minimize both. (1,5) (2,2) (5,1) are non-dominated; (3,3) is dominated by (2,2); (2,2)
  // twice: equal points do not dominate each other; (6,6) is dominated by everything.
  const std::vector<std::vector<double>> values{{1, 5}, {3, 3}, {2, 2}, {5, 1}, {6, 6}, {2, 2}};
  EXPECT_EQ(archlab::pareto_front(values), (std::vector<std::uint32_t>{0, 2, 3, 5}));
  const auto fronts = archlab::non_dominated_sort(values);
  ASSERT_EQ(fronts.size(), 3u);
  EXPECT_EQ(fronts[0], (std::vector<std::uint32_t>{0, 2, 3, 5}));
  EXPECT_EQ(fronts[1], (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(fronts[2], (std::vector<std::uint32_t>{4}));
  // Three objectives: (1,1,9) and (9,1,1) trade off; (2,2,9) is dominated by (1,1,9).
  const std::vector<std::vector<double>> three{{1, 1, 9}, {9, 1, 1}, {2, 2, 9}};
  EXPECT_EQ(archlab::pareto_front(three), (std::vector<std::uint32_t>{0, 1}));
  EXPECT_TRUE(archlab::pareto_front({}).empty());
}

}  // namespace
