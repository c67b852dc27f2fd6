// Experiment and system TOML, [tune] sections, --set overrides and units. The input is a TOML
// text; its comment lines "#set key=value" are applied as --set overrides, so one input drives
// both. Relative file names resolve against examples/, so the seeds read their real systems.
// Bad input must end in archlab::Error; anything else (a crash, a sanitizer report, another
// exception) is a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "archlab/config.hpp"
#include "archlab/errors.hpp"
#include "archlab/tune.hpp"
#include "archlab/units.hpp"

namespace {

const archlab::PluginRegistry& registry() {
  static const archlab::PluginRegistry instance;
  return instance;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<archlab::Override> overrides;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    const std::string line = text.substr(at, end - at);
    if (line.rfind("#set ", 0) == 0) {
      const std::size_t eq = line.find('=');
      if (eq != std::string::npos && eq > 5) overrides.push_back({line.substr(5, eq - 5), line.substr(eq + 1)});
    }
    at = end + 1;
  }
  const std::string dir = std::string(ARCHLAB_SOURCE_DIR) + "/examples";
  try {
    if (text.find("[tune") != std::string::npos) {
      (void)archlab::load_tune_text(text, "fuzz.toml", dir, overrides, registry());
    } else {
      (void)archlab::load_experiment_text(text, "fuzz.toml", dir, overrides, registry());
    }
  } catch (const archlab::Error&) {
  }
  for (const auto& override : overrides) {
    try {
      (void)archlab::units::parse_time(override.value);
      (void)archlab::units::parse_size(override.value);
      (void)archlab::units::parse_frequency(override.value);
      (void)archlab::units::parse_bandwidth(override.value);
    } catch (const std::invalid_argument&) {
    }
  }
  return 0;
}
