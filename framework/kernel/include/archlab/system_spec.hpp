// A system described: its components (each with its plugin, filled parameter block and data
// block) and its links, every replica's. The configuration layer builds one from TOML
// (config.hpp); SystemInstance (system.hpp) turns it into the runtime tables engines run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "archlab/component.hpp"
#include "archlab/plugin_loader.hpp"

namespace archlab {

struct ComponentSpec {
  std::string name;
  std::string type;
  std::uint32_t count = 1;
  std::uint32_t replica = 0;
  std::shared_ptr<const Plugin> plugin;
  std::vector<std::byte> params;  ///< the filled Params struct
  std::vector<std::byte> data;    ///< its read-only data block (component_data.hpp)
  std::string where;              ///< file:line:col of its table
};

/// One side of a link: "lp[*].in", "cpu.out", "dram[3].req".
struct Endpoint {
  std::string component;
  bool all = false;           ///< [*]
  bool indexed = false;       ///< [i]
  std::uint32_t index = 0;
  std::string port;
};

struct LinkSpec {
  std::string from_text;
  std::string to_text;
  Endpoint from;
  Endpoint to;
  Tick latency = 0;
  std::string where;
  std::uint32_t replica = 0;
};

struct SystemSpec {
  std::vector<ComponentSpec> components;
  std::vector<LinkSpec> links;
  /// The component of that name in that replica (nullptr: none).
  const ComponentSpec* find(std::string_view name, std::uint32_t replica = 0) const;
};

/// Runs every component type's check_links hook (link_check.hpp) on each component entry of
/// `system` with the components on its links; throws ConfigError naming both components (and
/// where each is defined) when one refuses.
void check_links(const SystemSpec& system);

}  // namespace archlab
