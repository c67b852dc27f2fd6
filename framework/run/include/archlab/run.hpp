// One whole run: build the system, open the output file, run the engine, write the summary.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "archlab/config.hpp"
#include "archlab/engine.hpp"

namespace archlab {

struct StatTotal {
  std::uint32_t replica;
  std::string type;
  std::string stat;
  std::string unit;
  double total;
  StatSlotInfo::Kind kind = StatSlotInfo::Kind::Sum;  ///< a derived total is the ratio of two sums
};

struct RunReport {
  std::string engine;
  RunResult result;
  std::uint32_t replicas = 1;
  std::vector<StatTotal> totals;  ///< each statistic summed over the instances of each replica
  std::filesystem::path output;
  std::string report_text;  ///< what components' report hooks printed (component_data.hpp)
};

/// Throws ConfigError/PluginError/OutputError before anything runs (bad input), RunError when
/// the simulation fails; a failed run still closes its output file with the failure recorded.
RunReport run_experiment(const ExperimentSpec& spec, const std::function<void(const Progress&)>& progress = {});

/// Everything `archlab check` does: build the system as a run would, without running it.
void check_experiment(const ExperimentSpec& spec);

}  // namespace archlab
