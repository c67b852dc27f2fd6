// Text helpers shared by workload.dnn's report (dnn_host.cpp) and its analytical estimate
// (dnn_estimate.cpp), so that both print the same table. Host only.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include <archlab/component.hpp>

namespace archlab::dnn_workload {

inline std::string format_bytes(std::uint64_t bytes) {
  char text[64];
  if (bytes >= (1ull << 20))
    std::snprintf(text, sizeof text, "%.2f MiB", static_cast<double>(bytes) / (1ull << 20));
  else if (bytes >= 1024)
    std::snprintf(text, sizeof text, "%.1f KiB", static_cast<double>(bytes) / 1024);
  else
    std::snprintf(text, sizeof text, "%llu B", static_cast<unsigned long long>(bytes));
  return text;
}

inline std::string format_time(Tick ps) {
  char text[64];
  const double value = static_cast<double>(ps);
  if (ps >= 1000000000ull)
    std::snprintf(text, sizeof text, "%.3f ms", value / 1e9);
  else if (ps >= 1000000ull)
    std::snprintf(text, sizeof text, "%.3f us", value / 1e6);
  else
    std::snprintf(text, sizeof text, "%.3f ns", value / 1e3);
  return text;
}

/// `count` NUL-separated strings of a data block.
inline std::vector<const char*> split(const std::byte* data, DataRef ref, std::size_t count) {
  std::vector<const char*> out;
  const char* text = data_at<char>(data, ref);
  for (std::size_t i = 0; i < count; ++i) {
    out.push_back(text);
    text += std::char_traits<char>::length(text) + 1;
  }
  return out;
}

} // namespace archlab::dnn_workload
