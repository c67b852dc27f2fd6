// The compute suites' name for running an experiment (plugin_run.hpp does the work).
#pragma once

#include <string>

#include "../plugin_run.hpp"

namespace archlab::testing {

using ComputeRun = PluginRun;

inline PluginRun run_text(const std::string& text, const std::string& engine = "sequential") { return run_plugins(text, engine); }

} // namespace archlab::testing
