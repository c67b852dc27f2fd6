// The memory suites' name for running an experiment (plugin_run.hpp does the work).
#pragma once

#include <string>

#include "../plugin_run.hpp"

namespace archlab::testing {

using MemoryRun = PluginRun;

inline PluginRun run_memory(const std::string& text, const std::string& engine = "sequential") { return run_plugins(text, engine); }

} // namespace archlab::testing
