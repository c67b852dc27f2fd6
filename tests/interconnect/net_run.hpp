// Running interconnect experiments in the tests: an experiment text built from small pieces, run
// on one engine, every statistic kept by "type.stat" and instance.
#pragma once

#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "../plugin_run.hpp"
#include "archlab/config.hpp"
#include "archlab/engine.hpp"

namespace archlab::testing {

using NetRun = PluginRun;

inline PluginRun run_net(const std::string& text, const std::string& engine = "sequential", unsigned threads = 2) { return run_plugins(text, engine, threads); }

/// A [[links]] entry.
inline std::string link_entry(const std::string& from, const std::string& to, const std::string& latency = "1 ns") {
  return "[[links]]\nfrom = \"" + from + "\"\nto = \"" + to + "\"\nlatency = \"" + latency + "\"\n";
}

/// A test.noc_probe under [workloads] that sends `count` packets of `bytes` to `destination`.
inline std::string probe(const std::string& name, unsigned destination, unsigned count, unsigned bytes = 64,
                         const std::string& extra = "") {
  return "[workloads." + name + "]\ntype = \"test.noc_probe\"\ndestination = " + std::to_string(destination) +
         "\npackets = " + std::to_string(count) + "\nbytes = " + std::to_string(bytes) + "\n" + extra;
}

/// Decode test.noc_probe's `order` statistic: the source endpoints of the first arrivals.
inline std::vector<int> arrival_order(double order) {
  std::vector<int> sources;
  auto code = static_cast<unsigned long long>(order);
  while (code != 0) {
    sources.push_back(static_cast<int>(code % 16) - 1);
    code /= 16;
  }
  return sources;
}

} // namespace archlab::testing
