#include "archlab/units.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <utility>

#include "archlab/input_limits.hpp"

namespace archlab::units {
namespace {

struct Unit {
  std::string_view name;
  long double scale;  // in the base unit (ps, Hz, bytes, bytes/s)
};

constexpr std::array kTimeUnits{Unit{"ps", 1.0L}, Unit{"ns", 1e3L}, Unit{"us", 1e6L}, Unit{"ms", 1e9L},
                                Unit{"s", 1e12L}};
constexpr std::array kFrequencyUnits{Unit{"Hz", 1.0L}, Unit{"kHz", 1e3L}, Unit{"MHz", 1e6L}, Unit{"GHz", 1e9L},
                                     Unit{"THz", 1e12L}};
constexpr std::array kSizeUnits{Unit{"B", 1.0L},
                                Unit{"KB", 1e3L},
                                Unit{"MB", 1e6L},
                                Unit{"GB", 1e9L},
                                Unit{"TB", 1e12L},
                                Unit{"KiB", 1024.0L},
                                Unit{"MiB", 1024.0L * 1024},
                                Unit{"GiB", 1024.0L * 1024 * 1024},
                                Unit{"TiB", 1024.0L * 1024 * 1024 * 1024}};
constexpr std::array kBandwidthUnits{Unit{"B/s", 1.0L},
                                     Unit{"KB/s", 1e3L},
                                     Unit{"MB/s", 1e6L},
                                     Unit{"GB/s", 1e9L},
                                     Unit{"TB/s", 1e12L},
                                     Unit{"KiB/s", 1024.0L},
                                     Unit{"MiB/s", 1024.0L * 1024},
                                     Unit{"GiB/s", 1024.0L * 1024 * 1024},
                                     Unit{"TiB/s", 1024.0L * 1024 * 1024 * 1024}};

template <std::size_t... N>
constexpr auto concat(const std::array<Unit, N>&... tables) {
  std::array<Unit, (N + ...)> all{};
  std::size_t next = 0;
  ((std::copy(tables.begin(), tables.end(), all.begin() + static_cast<std::ptrdiff_t>(next)), next += N), ...);
  return all;
}

// Unit names are unique across dimensions ("B" is a size, "B/s" a bandwidth), so a quantity's unit
// alone says which dimension it is in.
constexpr auto kAllUnits = concat(kTimeUnits, kFrequencyUnits, kSizeUnits, kBandwidthUnits);

template <std::size_t N>
std::string unit_list(const std::array<Unit, N>& units) {
  std::string list;
  for (const Unit& unit : units) list += (list.empty() ? "" : ", ") + std::string(unit.name);
  return list;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

/// A decimal number kept exact as mantissa * 10^exponent, so "0.1 ns" is exactly 100 ps.
struct Decimal {
  long double mantissa = 0;
  int exponent = 0;
  long double value() const { return mantissa * std::pow(10.0L, exponent); }
};

template <std::size_t N>
std::pair<Decimal, const Unit*> split(std::string_view text, const std::array<Unit, N>& units, const char* what,
                                      const char* example) {
  const std::string_view original = text;
  text = trim(text);
  std::size_t pos = 0;
  Decimal number;
  bool digits = false;
  if (pos < text.size() && text[pos] == '+') ++pos;
  // Digits past the 30th cannot change a long double; keeping them would overflow the mantissa
  // of a number written with thousands of digits (0.999...9) to infinity.
  constexpr int kSignificant = 30;
  int significant = 0;
  while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
    if (significant < kSignificant) {
      number.mantissa = number.mantissa * 10 + (text[pos] - '0');
      significant += number.mantissa > 0 ? 1 : 0;
    } else {
      ++number.exponent;
    }
    ++pos;
    digits = true;
  }
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      if (significant < kSignificant) {
        number.mantissa = number.mantissa * 10 + (text[pos] - '0');
        significant += number.mantissa > 0 ? 1 : 0;
        --number.exponent;
      }
      ++pos;
      digits = true;
    }
  }
  if (digits && pos < text.size() && (text[pos] == 'e' || text[pos] == 'E') && pos + 1 < text.size() &&
      (std::isdigit(static_cast<unsigned char>(text[pos + 1])) || text[pos + 1] == '-' || text[pos + 1] == '+')) {
    ++pos;
    int sign = 1;
    if (text[pos] == '-' || text[pos] == '+') sign = text[pos++] == '-' ? -1 : 1;
    int exp = 0;
    bool exp_digits = false;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      exp = exp * 10 + (text[pos++] - '0');
      exp_digits = true;
      if (exp > 400) break;
    }
    if (!exp_digits) digits = false;
    number.exponent += sign * exp;
  }
  const std::string_view unit = trim(text.substr(pos));
  std::string quoted = limits::clip(original); // appended, not "'" + ...: GCC 12 warns falsely (-Wrestrict)
  quoted.insert(quoted.begin(), '\'');
  quoted.push_back('\'');
  if (!digits) {
    throw std::invalid_argument(quoted + " is not a " + what + ": expected a number and a unit, like \"" + example +
                                "\"");
  }
  if (unit.empty()) {
    throw std::invalid_argument(quoted + " has no unit: write a " + what + " like \"" + example +
                                "\" (units: " + unit_list(units) + ")");
  }
  if (!std::isfinite(number.value())) throw std::invalid_argument(quoted + " is too large a number");
  for (const Unit& candidate : units) {
    if (candidate.name == unit) return {number, &candidate};
  }
  throw std::invalid_argument(quoted + ": unknown " + what + " unit '" + limits::clip(unit) +
                              "' (units: " + unit_list(units) + ")");
}

/// The largest whole number a uint64_t holds; exact in long double (64-bit mantissa).
constexpr long double kMaxWhole = 18446744073709551615.0L;

}  // namespace

Tick parse_time(std::string_view text) {
  const auto [number, unit] = split(text, kTimeUnits, "time", "2 ns");
  const long double ps = number.value() * unit->scale;
  const long double whole = std::round(ps);
  if (!(whole <= kMaxWhole)) {
    throw std::invalid_argument("'" + limits::clip(text) + "' is too long a time (at most 18446744073709551615 ps, " +
                                "2^64 - 1)");
  }
  if (std::fabs(ps - whole) > 1e-6L * std::max(1.0L, whole)) {
    throw std::invalid_argument("'" + limits::clip(text) +
                                "' is not a whole number of picoseconds (archlab's time step)");
  }
  return static_cast<Tick>(whole);
}

double parse_frequency(std::string_view text) {
  const auto [number, unit] = split(text, kFrequencyUnits, "frequency", "1.5 GHz");
  return static_cast<double>(number.value() * unit->scale);
}

std::uint64_t parse_size(std::string_view text) {
  const auto [number, unit] = split(text, kSizeUnits, "size", "64 KiB");
  const long double bytes = number.value() * unit->scale;
  const long double whole = std::round(bytes);
  if (std::fabs(bytes - whole) > 1e-6L * std::max(1.0L, whole)) {
    throw std::invalid_argument("'" + limits::clip(text) + "' is not a whole number of bytes");
  }
  if (!(whole <= kMaxWhole)) {
    throw std::invalid_argument("'" + limits::clip(text) + "' is too large a size (at most 18446744073709551615 B, " +
                                "2^64 - 1)");
  }
  return static_cast<std::uint64_t>(whole);
}

double parse_bandwidth(std::string_view text) {
  const auto [number, unit] = split(text, kBandwidthUnits, "bandwidth", "256 GB/s");
  return static_cast<double>(number.value() * unit->scale);
}

std::optional<double> base_scale(std::string_view unit) {
  for (const Unit& candidate : kAllUnits) {
    if (candidate.name == unit) return static_cast<double>(candidate.scale);
  }
  return std::nullopt;
}

double parse_quantity(std::string_view text) {
  const auto [number, unit] = split(text, kAllUnits, "quantity", "16 KiB");
  return static_cast<double>(number.value() * unit->scale);
}

std::string known_units() { return unit_list(kAllUnits); }

std::string format_time(Tick ps) {
  char buffer[64];
  if (ps < 1000) {
    std::snprintf(buffer, sizeof buffer, "%llu ps", static_cast<unsigned long long>(ps));
  } else if (ps < 1000000) {
    std::snprintf(buffer, sizeof buffer, "%.3f ns", static_cast<double>(ps) / 1e3);
  } else if (ps < 1000000000ull) {
    std::snprintf(buffer, sizeof buffer, "%.3f us", static_cast<double>(ps) / 1e6);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.3f ms", static_cast<double>(ps) / 1e9);
  }
  return buffer;
}

}  // namespace archlab::units
