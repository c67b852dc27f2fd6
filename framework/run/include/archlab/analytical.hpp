// The analytical fidelity on the framework side: estimate an experiment without the event engine
// by calling the estimate hooks (estimate.hpp) of its workload components. `archlab estimate`
// prints it; a study can call it for each design point.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "archlab/config.hpp"
#include "archlab/estimate.hpp"

namespace archlab {

/// One workload component's estimate.
struct WorkloadEstimate {
  std::string component; ///< its name in the experiment ("dnn")
  std::string type;      ///< its plugin ("workload.dnn")
  std::string model;     ///< what it runs (the graph's name)
  Tick latency = 0;      ///< ps
  std::uint64_t macs = 0;
  std::uint64_t bytes = 0;
  double energy = 0;   ///< pJ
  double area_mm2 = 0; ///< of the units it drives
  std::vector<EstimateRow> rows;
  std::string text; ///< the table the hook printed
};

/// Estimates every workload component of replica `replica` that has an estimate hook, in the
/// order of the configuration. Throws ConfigError when no workload has a hook or when a hook
/// cannot estimate the system it is given (its message names the component and says why).
std::vector<WorkloadEstimate> estimate(const ExperimentSpec& spec, std::uint32_t replica = 0);

/// Every row of every estimate as CSV (component, name, op, unit, start_ps, latency_ps, compute_ps,
/// memory_ps, interconnect_ps, macs, bytes, tiles, energy_pj), then one `total` row per workload.
/// Throws OutputError when the file cannot be written.
void write_estimate_csv(const std::filesystem::path& path, const std::vector<WorkloadEstimate>& estimates);

} // namespace archlab
