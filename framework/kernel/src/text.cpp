#include "archlab/text.hpp"

#include <algorithm>
#include <numeric>

namespace archlab::text {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string nearest(std::string_view name, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, name.size() / 3) + 1;
  for (const auto& candidate : candidates) {
    // The distance is at least the difference in length: skip the quadratic work for names
    // (a pasted 10 MB value) that cannot be near.
    const std::size_t gap =
        name.size() > candidate.size() ? name.size() - candidate.size() : candidate.size() - name.size();
    if (gap >= best_distance) continue;
    const std::size_t distance = edit_distance(name, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string joined;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) joined += separator;
    joined += parts[i];
  }
  return joined;
}

std::string suggest(std::string_view name, const std::vector<std::string>& valid) {
  const std::string close = nearest(name, valid);
  std::string listed;
  if (valid.empty()) {
    listed = "none";
  } else if (valid.size() <= kListedAtMost) {
    listed = join(valid, ", ");
  } else { // a list a reader can take in: the first few, and how many there are
    listed = join(std::vector<std::string>(valid.begin(), valid.begin() + kListedWhenLong), ", ") + ", ... (" +
             std::to_string(valid.size()) + " in all)";
  }
  return (close.empty() ? "" : " (did you mean '" + close + "'?)") + std::string("; valid: ") + listed;
}

}  // namespace archlab::text
