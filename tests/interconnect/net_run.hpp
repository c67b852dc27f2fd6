// Running interconnect experiments in the tests: an experiment text built from small pieces, run
// on one engine, every statistic kept by "type.stat" and instance.
#pragma once

#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "../test_support.hpp"
#include "archlab/config.hpp"
#include "archlab/engine.hpp"

namespace archlab::testing {

struct NetRun {
  RunResult result;
  std::map<std::string, std::vector<double>> stats; ///< "interconnect.mesh.hops" -> one value per instance

  const std::vector<double>& values(const std::string& key) const {
    static const std::vector<double> none;
    const auto found = stats.find(key);
    if (found == stats.end()) {
      ADD_FAILURE() << "no statistic " << key;
      return none;
    }
    return found->second;
  }
  /// One instance's value; instances of a type are numbered in the order the file declares them.
  double stat(const std::string& key, std::size_t instance = 0) const {
    const auto& v = values(key);
    if (instance >= v.size()) {
      ADD_FAILURE() << "no statistic " << key << "[" << instance << "]";
      return -1.0;
    }
    return v[instance];
  }
  double sum(const std::string& key) const {
    const auto& v = values(key);
    return std::accumulate(v.begin(), v.end(), 0.0);
  }
};

inline NetRun run_net(const std::string& text, const std::string& engine = "sequential", unsigned threads = 2) {
  const ExperimentSpec spec = load_experiment_text(text, "net.toml", ".", {}, test_registry());
  SystemInstance system(spec.system, spec.seed);
  EngineOptions options;
  options.stop_time = spec.stop_time;
  options.threads = threads;
  NetRun run;
  run.result =
      (engine == "gpu-emulated" ? make_gpu_emulation_engine() : make_engine(engine))->run(system, options, nullptr);
  for (const auto& type : system.types()) {
    const ComponentDescriptor& d = *type->descriptor;
    for (std::uint32_t s = 0; s < d.nstats; ++s) {
      auto& values = run.stats[type->name + "." + d.stats[s].name];
      for (std::uint32_t i = 0; i < type->rt.count; ++i)
        values.push_back(type->stats[i * d.nstats + s]);
    }
  }
  return run;
}

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
