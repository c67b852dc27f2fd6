// Configuration: system model files and experiment files (TOML), checked against every
// plugin's declared schema. Errors throw ConfigError whose message starts with file:line:col.
//
// A system model file:                      An experiment file:
//   [components.lp]                           system = "phold.toml"   # or an inline [system] table
//   type = "workload.phold"                   engine = "sequential"   # auto | sequential | windowed | cuda
//   count = 1024                              seed = 1
//   remote = 0.9                              stop_time = "1 us"
//                                             max_events = 0          # 0: no limit
//   [[links]]                                 output = "run.h5"
//   from = "lp[*].out"                        stats_interval = "100 ns"
//   to = "lp[*].in"                           trace = false
//   latency = "0.1 ns"                        [workloads.<name>]      # workload components, as above
//                                             [[links]]               # links to and from workloads
//                                             [ensemble]              # N replicas in one run
//                                             replicas = 3
//                                             [ensemble.vary]         # one value per replica
//                                             "workloads.lp.remote" = [0.1, 0.5, 0.9]
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "archlab/system_spec.hpp"

namespace archlab {

struct ExperimentSpec {
  std::string experiment_name;  ///< file name, or "built-in default"
  std::string experiment_text;
  std::string system_text;
  std::string effective_text;  ///< everything after --set overrides, as TOML
  /// Every file the run reads (the experiment, its system, technology table and file
  /// parameters such as topologies), absolute: the output may not be one of them.
  std::vector<std::filesystem::path> inputs;
  SystemSpec system;        ///< every replica's components and links
  std::uint32_t replicas = 1;
  std::string engine = "auto";
  std::uint64_t seed = 1;
  unsigned threads = 0;           ///< 0: as many as the machine has
  Tick stop_time = kTickMax;
  std::uint64_t max_events = 0;   ///< 0: no limit
  std::filesystem::path output;   ///< empty: no file
  Tick stats_interval = 0;        ///< 0: final values only
  bool trace = false;
  double flush_seconds = 1.0;
};

/// "key.path=value": the value is read as TOML ("3", "0.5", "true", "\"x\"") or else as a string.
/// `literal`: the value is a string as given, never read as TOML (file names from the command
/// line: `-o 'r\u0041.h5'` must stay those characters).
struct Override {
  std::string key;
  std::string value;
  bool literal = false;
};

ExperimentSpec load_experiment(const std::filesystem::path& path, const std::vector<Override>& overrides,
                               const PluginRegistry& registry);
/// From text; a `system = "file"` is read relative to `base_dir`.
ExperimentSpec load_experiment_text(const std::string& text, const std::string& name,
                                    const std::filesystem::path& base_dir, const std::vector<Override>& overrides,
                                    const PluginRegistry& registry);
SystemSpec load_system(const std::filesystem::path& path, const std::vector<Override>& overrides,
                       const PluginRegistry& registry);
/// True when the file looks like a system model (top-level `components`) rather than an experiment.
bool is_system_file(const std::filesystem::path& path);

/// The built-in default experiment (a PHOLD run) that `archlab run` uses without a file.
const std::string& default_experiment_text();

}  // namespace archlab
