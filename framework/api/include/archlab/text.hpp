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
/// " (did you mean 'x'?); valid: a, b, c": what error messages append after an unknown name.
std::string suggest(std::string_view name, const std::vector<std::string>& valid);
std::string join(const std::vector<std::string>& parts, std::string_view separator);

}  // namespace archlab::text
