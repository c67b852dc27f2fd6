// Runs an experiment text on one engine and keeps every statistic by "type.stat" and instance.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "../test_support.hpp"
#include "archlab/config.hpp"
#include "archlab/engine.hpp"

namespace archlab::testing {

struct MemoryRun {
  RunResult result;
  std::map<std::string, std::vector<double>> stats; ///< "memory.dram.reads" -> one value per instance

  double stat(const std::string& key, std::size_t instance = 0) const {
    const auto found = stats.find(key);
    if (found == stats.end() || instance >= found->second.size()) {
      ADD_FAILURE() << "no statistic " << key << "[" << instance << "]";
      return -1.0;
    }
    return found->second[instance];
  }
  double sum(const std::string& key) const {
    double total = 0.0;
    for (double v : stats.at(key))
      total += v;
    return total;
  }
};

inline MemoryRun run_memory(const std::string& text, const std::string& engine = "sequential") {
  const ExperimentSpec spec = load_experiment_text(text, "test.toml", ".", {}, test_registry());
  SystemInstance system(spec.system, spec.seed);
  EngineOptions options;
  options.stop_time = spec.stop_time;
  options.threads = 2;
  MemoryRun run;
  run.result = make_engine(engine)->run(system, options, nullptr);
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

} // namespace archlab::testing
