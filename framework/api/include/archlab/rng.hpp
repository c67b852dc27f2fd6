// Counter-based random numbers (Philox4x32-10) and the few distributions models need.
//
// A draw depends only on (run seed, component id, counter), never on which engine or thread
// made it, so every engine produces the same numbers. The floating-point helpers use only
// +, -, * and / written out one operation at a time (no library log, no contraction into
// fused multiply-adds: plugins built as CUDA are compiled with -fmad=false), so the host and
// the device round identically.
#pragma once

#include <cstdint>
#include <cstring>

#include "archlab/event.hpp"

namespace archlab {

struct Philox4x32 {
  std::uint32_t v[4];
};

ARCHLAB_HD inline void philox_mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& hi, std::uint32_t& lo) {
  const std::uint64_t p = static_cast<std::uint64_t>(a) * b;
  hi = static_cast<std::uint32_t>(p >> 32);
  lo = static_cast<std::uint32_t>(p);
}

/// Philox4x32 with 10 rounds (Salmon et al., SC'11), the generator cuRAND and Random123 use.
ARCHLAB_HD inline Philox4x32 philox4x32_10(Philox4x32 ctr, std::uint32_t k0, std::uint32_t k1) {
  constexpr std::uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr std::uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    std::uint32_t hi0, lo0, hi1, lo1;
    philox_mulhilo(kM0, ctr.v[0], hi0, lo0);
    philox_mulhilo(kM1, ctr.v[2], hi1, lo1);
    ctr = Philox4x32{{hi1 ^ ctr.v[1] ^ k0, lo1, hi0 ^ ctr.v[3] ^ k1, lo0}};
    k0 += kW0;
    k1 += kW1;
  }
  return ctr;
}

/// 128 random bits for (seed, component, counter).
ARCHLAB_HD inline Philox4x32 random_block(std::uint64_t seed, ComponentId component, std::uint64_t counter) {
  const Philox4x32 ctr{{static_cast<std::uint32_t>(counter), static_cast<std::uint32_t>(counter >> 32), component, 0x61726368u}};
  return philox4x32_10(ctr, static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32));
}

/// Two 32-bit words as one 64-bit value.
ARCHLAB_HD inline std::uint64_t join_bits(std::uint32_t hi, std::uint32_t lo) {
  return (static_cast<std::uint64_t>(hi) << 32) | lo;
}

/// 64 random bits for (seed, component, counter).
ARCHLAB_HD inline std::uint64_t random_bits(std::uint64_t seed, ComponentId component, std::uint64_t counter) {
  const Philox4x32 out = random_block(seed, component, counter);
  return join_bits(out.v[0], out.v[1]);
}

/// Uniform double in (0, 1]: 53 random bits, never zero (so the logarithm below is finite).
ARCHLAB_HD inline double uniform_open0(std::uint64_t bits) {
  return static_cast<double>((bits >> 11) + 1) * (1.0 / 9007199254740992.0);
}

/// Uniform double in [0, 1).
ARCHLAB_HD inline double uniform01(std::uint64_t bits) {
  return static_cast<double>(bits >> 11) * (1.0 / 9007199254740992.0);
}

/// Uniform integer in [0, n) by multiply-shift (no modulo bias beyond 2^-32 for n < 2^32).
ARCHLAB_HD inline std::uint32_t uniform_below(std::uint64_t bits, std::uint32_t n) {
  return static_cast<std::uint32_t>(((bits >> 32) * static_cast<std::uint64_t>(n)) >> 32);
}

/// Natural logarithm of x > 0, the same bits on every platform.
///
/// x = m * 2^e with m in [sqrt(1/2), sqrt(2)); log(m) = 2 atanh(s), s = (m-1)/(m+1),
/// |s| < 0.1716, so 13 odd terms of the series reach double precision.
ARCHLAB_HD inline double deterministic_log(double x) {
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  int exponent = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
  bits = (bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull;  // mantissa in [1, 2)
  double m;
  std::memcpy(&m, &bits, sizeof m);
  if (m > 1.4142135623730951) {
    m = m * 0.5;
    exponent += 1;
  }
  const double s = (m - 1.0) / (m + 1.0);
  const double s2 = s * s;
  // Horner form of 1 + s2/3 + s2^2/5 + ... + s2^12/25; the 1/k are compile-time constants.
  constexpr double kInverseOdd[] = {1.0 / 25, 1.0 / 23, 1.0 / 21, 1.0 / 19, 1.0 / 17, 1.0 / 15, 1.0 / 13,
                                    1.0 / 11, 1.0 / 9,  1.0 / 7,  1.0 / 5,  1.0 / 3};
  double series = kInverseOdd[0];
  for (int i = 1; i < 12; ++i) {
    const double scaled = series * s2;
    series = scaled + kInverseOdd[i];
  }
  const double scaled = series * s2;
  const double one_plus = scaled + 1.0;
  const double log_m = (2.0 * s) * one_plus;
  const double ln2 = 0.6931471805599453;
  const double log_2e = static_cast<double>(exponent) * ln2;
  return log_2e + log_m;
}

/// Exponentially distributed value with the given mean.
ARCHLAB_HD inline double exponential(std::uint64_t bits, double mean) {
  const double neg_log = 0.0 - deterministic_log(uniform_open0(bits));
  return neg_log * mean;
}

}  // namespace archlab
