// Comparing this build's plugins with a baseline build of them in the same benchmark run
// (dnn_bench, dram_bench): ARCHLAB_BASELINE_PLUGIN_DIR names a folder of plugins built from another
// commit; its plugins shadow this build's, the others still come from this build. The baseline
// must have the same plugin ABI (the loader refuses a mismatch); benchmarks/README.md has the
// recipe.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "archlab/plugin_loader.hpp"
#include "archlab/system.hpp"

namespace archlab::bench {

inline const PluginRegistry& current_registry() {
  static const PluginRegistry instance;
  return instance;
}

/// Whether `file` lies in the folder ARCHLAB_BASELINE_PLUGIN_DIR names (compared as canonical
/// paths: a trailing slash or a link in the name does not matter).
inline bool in_baseline_folder(const std::filesystem::path& file) {
  const char* dir = std::getenv("ARCHLAB_BASELINE_PLUGIN_DIR");
  if (dir == nullptr || *dir == '\0') return false;
  std::error_code error;
  const std::filesystem::path folder = std::filesystem::canonical(dir, error);
  std::error_code ignored;
  return !error && std::filesystem::canonical(file.parent_path(), ignored) == folder;
}

/// The baseline plugins' folder first, so that its plugins shadow this build's; null when
/// ARCHLAB_BASELINE_PLUGIN_DIR is not set.
inline const PluginRegistry* baseline_registry() {
  static const std::unique_ptr<PluginRegistry> instance = []() -> std::unique_ptr<PluginRegistry> {
    const char* dir = std::getenv("ARCHLAB_BASELINE_PLUGIN_DIR");
    if (dir == nullptr || *dir == '\0') return nullptr;
    std::vector<std::filesystem::path> path{dir};
    for (const auto& p : PluginRegistry::default_search_path())
      path.push_back(p);
    auto registry = std::make_unique<PluginRegistry>(path);
    // A folder that gives no plugin (a typo, links into a build that is gone) would compare this
    // build with itself and report `identical` = 1: refuse it, and say which plugins it gives.
    std::size_t taken = 0;
    for (const auto& plugin : registry->plugins()) {
      if (!in_baseline_folder(plugin->path())) continue;
      std::fprintf(stderr, "baseline: %s from %s\n", std::string(plugin->name()).c_str(), plugin->path().c_str());
      ++taken;
    }
    for (const auto& failure : registry->failures())
      if (in_baseline_folder(failure.path))
        std::fprintf(stderr, "baseline: %s does not load: %s\n", failure.path.c_str(), failure.message.c_str());
    if (taken == 0) {
      std::fprintf(stderr,
                   "ARCHLAB_BASELINE_PLUGIN_DIR=%s gives no plugin (missing folder, or links to files that "
                   "are gone): nothing to compare with\n",
                   dir);
      std::exit(2);
    }
    return registry;
  }();
  return instance.get();
}

inline const PluginRegistry& registry(bool baseline) { return baseline ? *baseline_registry() : current_registry(); }

using Stats = std::map<std::string, double>;

/// Every statistic slot (declared statistics, histogram bins, derived) summed over the instances
/// of its type, by "<type>.<slot name>".
inline Stats stats_of(const SystemInstance& system) {
  Stats stats;
  for (const auto& type : system.types()) {
    const std::vector<std::string>& names = type->stat_layout.stat_names;
    const std::size_t width = type->rt.nstats;
    for (std::size_t s = 0; s < names.size(); ++s)
      for (std::uint32_t i = 0; i < type->rt.count; ++i)
        stats[type->name + "." + names[s]] += type->stats[i * width + s];
  }
  return stats;
}

/// What a benchmark case measured on the current plugins, for its baseline case to compare with.
struct Measured {
  Stats stats;
  double seconds = 0; ///< wall time per run (0: not measured)
};

/// The latest measurement of each benchmark case on the current plugins.
inline std::map<std::string, Measured>& current_runs() {
  static std::map<std::string, Measured> instance;
  return instance;
}

/// Records the current plugins' statistics of `key` (and `seconds`, the wall time of one run), or
/// compares the baseline's with them and reports `identical` (1: every statistic of the baseline
/// has the same value in the current run; the ones that differ are printed to stderr), `new_stats`
/// (statistics the current plugins have and the baseline does not, such as slots added since;
/// their names go to stderr) and, where both runs were timed, `speedup`: the baseline's seconds
/// over the current plugins' (above 1: the current plugins are faster).
inline void compare(benchmark::State& state, const std::string& key, const Stats& stats, bool baseline,
                    double seconds = 0) {
  if (!baseline) {
    current_runs()[key] = Measured{stats, seconds};
    return;
  }
  const auto found = current_runs().find(key);
  if (found == current_runs().end()) return;
  const Stats& current = found->second.stats;
  bool identical = true;
  for (const auto& [name, value] : stats) {
    const auto mine = current.find(name);
    if (mine != current.end() && mine->second == value) continue;
    identical = false;
    std::fprintf(stderr, "%s: %s baseline %.17g current %s%.17g\n", key.c_str(), name.c_str(), value,
                 mine == current.end() ? "(none) " : "", mine == current.end() ? 0.0 : mine->second);
  }
  double added = 0;
  for (const auto& [name, value] : current) {
    if (stats.count(name) != 0) continue;
    ++added;
    std::fprintf(stderr, "%s: %s only in the current plugins (%.17g)\n", key.c_str(), name.c_str(), value);
  }
  state.counters["identical"] = identical ? 1.0 : 0.0;
  state.counters["new_stats"] = added;
  if (seconds > 0 && found->second.seconds > 0) state.counters["speedup"] = seconds / found->second.seconds;
}

} // namespace archlab::bench
