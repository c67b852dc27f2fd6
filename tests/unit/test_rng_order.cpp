#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "archlab/event.hpp"
#include "archlab/rng.hpp"

using namespace archlab;

TEST(Order, TimeThenSenderThenSequence) {
  Event a{}, b{};
  a.time = 5;
  b.time = 6;
  EXPECT_TRUE(event_before(a, b));
  EXPECT_FALSE(event_before(b, a));
  b.time = 5;
  a.src = 1;
  b.src = 2;
  EXPECT_TRUE(event_before(a, b));
  b.src = 1;
  a.seq = 9;
  b.seq = 10;
  EXPECT_TRUE(event_before(a, b));
  EXPECT_FALSE(event_before(a, a));  // strict
}

TEST(Order, IsATotalOrderIndependentOfArrivalOrder) {
  std::vector<Event> events;
  for (std::uint32_t src = 0; src < 8; ++src) {
    for (std::uint64_t seq = 0; seq < 8; ++seq) {
      Event e{};
      e.time = (src * 7 + seq * 3) % 5;
      e.src = src;
      e.seq = seq;
      events.push_back(e);
    }
  }
  auto sorted_a = events;
  auto sorted_b = events;
  std::reverse(sorted_b.begin(), sorted_b.end());
  std::sort(sorted_a.begin(), sorted_a.end(), event_before);
  std::sort(sorted_b.begin(), sorted_b.end(), event_before);
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(sorted_a[i].src, sorted_b[i].src);
    EXPECT_EQ(sorted_a[i].seq, sorted_b[i].seq);
  }
}

// Known-answer vectors of Random123's Philox4x32-10.
TEST(Rng, PhiloxKnownAnswers) {
  const Philox4x32 zero = philox4x32_10(Philox4x32{{0, 0, 0, 0}}, 0, 0);
  EXPECT_EQ(zero.v[0], 0x6627e8d5u);
  EXPECT_EQ(zero.v[1], 0xe169c58du);
  EXPECT_EQ(zero.v[2], 0xbc57ac4cu);
  EXPECT_EQ(zero.v[3], 0x9b00dbd8u);
  const Philox4x32 ones = philox4x32_10(Philox4x32{{~0u, ~0u, ~0u, ~0u}}, ~0u, ~0u);
  EXPECT_EQ(ones.v[0], 0x408f276du);
  EXPECT_EQ(ones.v[1], 0x41c83b0eu);
  EXPECT_EQ(ones.v[2], 0xa20bc7c6u);
  EXPECT_EQ(ones.v[3], 0x6d5451fdu);
  const Philox4x32 pi =
      philox4x32_10(Philox4x32{{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}}, 0xa4093822u, 0x299f31d0u);
  EXPECT_EQ(pi.v[0], 0xd16cfe09u);
  EXPECT_EQ(pi.v[1], 0x94fdccebu);
  EXPECT_EQ(pi.v[2], 0x5001e420u);
  EXPECT_EQ(pi.v[3], 0x24126ea1u);
}

TEST(Rng, KeyedBySeedComponentAndCounter) {
  const std::uint64_t base = random_bits(1, 2, 3);
  EXPECT_EQ(base, random_bits(1, 2, 3));  // a pure function
  EXPECT_NE(base, random_bits(2, 2, 3));
  EXPECT_NE(base, random_bits(1, 3, 3));
  EXPECT_NE(base, random_bits(1, 2, 4));
  std::set<std::uint64_t> distinct;
  for (std::uint64_t c = 0; c < 10000; ++c) distinct.insert(random_bits(7, 0, c));
  EXPECT_EQ(distinct.size(), 10000u);
}

TEST(Rng, UniformsStayInRange) {
  for (std::uint64_t c = 0; c < 100000; ++c) {
    const std::uint64_t bits = random_bits(11, 5, c);
    const double open0 = uniform_open0(bits);
    EXPECT_GT(open0, 0.0);
    EXPECT_LE(open0, 1.0);
    const double u = uniform01(bits);
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
    EXPECT_LT(uniform_below(bits, 17), 17u);
  }
  EXPECT_EQ(uniform_below(~0ull, 10), 9u);
  EXPECT_EQ(uniform_below(0, 10), 0u);
}

TEST(Rng, DeterministicLogMatchesLibm) {
  for (double x : {1e-300, 1e-16, 1e-5, 0.1, 0.5, 0.70710678, 0.999999, 1.0, 1.5, 2.0, 10.0, 12345.678, 1e300}) {
    EXPECT_NEAR(deterministic_log(x), std::log(x), 4e-16 * std::max(1.0, std::fabs(std::log(x)))) << x;
  }
  for (std::uint64_t c = 0; c < 20000; ++c) {
    const double u = uniform_open0(random_bits(3, 1, c));
    EXPECT_NEAR(deterministic_log(u), std::log(u), 4e-16 * std::max(1.0, std::fabs(std::log(u))));
  }
}

TEST(Rng, ExponentialHasTheRequestedMean) {
  double sum = 0;
  constexpr int kDraws = 200000;
  for (int c = 0; c < kDraws; ++c) sum += exponential(random_bits(5, 9, c), 900.0);
  EXPECT_NEAR(sum / kDraws, 900.0, 900.0 * 0.01);
}
