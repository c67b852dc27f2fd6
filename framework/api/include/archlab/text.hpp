// Small string helpers for messages: nearest-name suggestions and joining.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace archlab::text {

/// Levenshtein distance.
std::size_t edit_distance(std::string_view a, std::string_view b);
/// The candidate closest to `name`, or "" when none is close enough to be a likely typo.
std::string nearest(std::string_view name, const std::vector<std::string>& candidates);
/// A list of valid names longer than this is cut to its first kListedWhenLong in messages.
inline constexpr std::size_t kListedAtMost = 32;
inline constexpr std::size_t kListedWhenLong = 12;
/// " (did you mean 'x'?); valid: a, b, c": what error messages append after an unknown name
/// (a long list: its first names and "... (N in all)").
std::string suggest(std::string_view name, const std::vector<std::string>& valid);
std::string join(const std::vector<std::string>& parts, std::string_view separator);

}  // namespace archlab::text
