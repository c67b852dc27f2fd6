// Running a plugin experiment in the tests: an experiment text run on one engine, every
// statistic kept by "type.stat" and instance (instances of a type in the order the file
// declares them). Shared by the compute, memory and interconnect suites.
#pragma once

#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "archlab/config.hpp"
#include "archlab/engine.hpp"
#include "archlab/errors.hpp"
#include "archlab/system.hpp"
#include "test_support.hpp"

namespace archlab::testing {

struct PluginRun {
  RunResult result;
  std::map<std::string, std::vector<double>> stats; ///< "memory.dram.reads" -> one value per instance

  const std::vector<double>& values(const std::string& key) const {
    static const std::vector<double> none;
    const auto found = stats.find(key);
    if (found == stats.end()) {
      ADD_FAILURE() << "no statistic " << key;
      return none;
    }
    return found->second;
  }
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

/// Every statistic of a finished run by "type.stat" (histogram bins as "type.hist[low,high)",
/// derived statistics computed), one value per instance.
inline std::map<std::string, std::vector<double>> stats_by_name(const SystemInstance& system) {
  std::map<std::string, std::vector<double>> stats;
  const auto all = system.stat_values();
  for (std::size_t t = 0; t < system.types().size(); ++t) {
    const auto& type = system.types()[t];
    const std::vector<std::string>& names = type->stat_layout.stat_names;
    for (std::size_t s = 0; s < names.size(); ++s) {
      auto& values = stats[type->name + "." + names[s]];
      for (std::uint32_t i = 0; i < type->rt.count; ++i)
        values.push_back(all[t][i * names.size() + s]);
    }
  }
  return stats;
}

/// `engine` is any make_engine name or "gpu-emulated".
inline PluginRun run_plugins(const std::string& text, const std::string& engine = "sequential", unsigned threads = 2) {
  const ExperimentSpec spec = load_experiment_text(text, "test.toml", ".", {}, test_registry());
  SystemInstance system(spec.system, spec.seed);
  EngineOptions options;
  options.stop_time = spec.stop_time;
  options.threads = threads;
  PluginRun run;
  run.result =
      (engine == "gpu-emulated" ? make_gpu_emulation_engine() : make_engine(engine))->run(system, options, nullptr);
  run.stats = stats_by_name(system);
  return run;
}

/// The experiment must be refused when it loads, with a ConfigError whose message contains
/// `expected`.
inline void expect_config_error(const std::string& text, const std::string& expected) {
  try {
    (void)run_plugins(text);
    ADD_FAILURE() << "expected a ConfigError containing: " << expected;
  } catch (const ConfigError& e) {
    EXPECT_TRUE(contains(e.what(), expected)) << e.what();
  }
}

} // namespace archlab::testing
