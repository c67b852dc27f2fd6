// Quantities with units, as configuration writes them: "2 ns", "1.5 GHz", "64 KiB", "256 GB/s".
// A bare number where a unit is needed is an error; so is a time that is not a whole number of
// picoseconds. Errors throw std::invalid_argument with a message saying what would be valid;
// the configuration layer adds the file position.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "archlab/event.hpp"

namespace archlab::units {

/// "2 ns", "0.1ns", "1 us", "3 ps", "1.5 s" -> picoseconds.
Tick parse_time(std::string_view text);
/// "1.5 GHz", "800 MHz", "1e9 Hz" -> hertz.
double parse_frequency(std::string_view text);
/// "64 KiB", "2 MB", "128 B" -> bytes (decimal prefixes are powers of 1000, binary of 1024).
std::uint64_t parse_size(std::string_view text);
/// "256 GB/s", "1.6 TB/s", "25 GiB/s" -> bytes per second.
double parse_bandwidth(std::string_view text);

/// The factor from `unit` ("KiB", "GHz", "ns", "GB/s") to its dimension's base unit (bytes, Hz,
/// ps, bytes/s); nullopt when archlab does not know the unit.
std::optional<double> base_scale(std::string_view unit);
/// "16 KiB" -> 16384, "1.5 GHz" -> 1.5e9: a quantity of any of the dimensions above, in its base
/// unit. Throws std::invalid_argument when `text` is not a number and a known unit.
double parse_quantity(std::string_view text);
/// Every unit parse_quantity knows, for messages: "ps, ns, ..., TiB/s".
std::string known_units();

/// Human-readable forms for messages and tables.
std::string format_time(Tick ps);

}  // namespace archlab::units
