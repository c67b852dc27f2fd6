// A system described in TOML: components checked against their plugins' schemas (parameters,
// units, ranges, file paths, read-only data, technology-table defaults) and the links between
// their ports.
#include "config_input.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "archlab/errors.hpp"
#include "archlab/input_limits.hpp"
#include "archlab/text.hpp"
#include "archlab/units.hpp"

namespace archlab::config_input {
namespace {

// --------------------------------------------------------------------------------------------
// Parameters
// --------------------------------------------------------------------------------------------

template <class T>
void store(std::vector<std::byte>& blob, std::uint32_t offset, T value) {
  std::memcpy(blob.data() + offset, &value, sizeof value);
}

void check_range(const ParamSpec& spec, double value, const std::string& location, const std::string& owner) {
  if (spec.min_value > spec.max_value) return;
  if (value < spec.min_value || value > spec.max_value) {
    std::ostringstream bounds;
    bounds << "[" << spec.min_value << ", " << spec.max_value << "]";
    fail(location, owner + ": parameter '" + spec.name + "' is out of range " + bounds.str() +
                       (spec.type == ParamType::Time ? " ps" : ""));
  }
}

/// Parse one value for `spec` and store it in the Params blob.
/// Data block of a component entry (ComponentSpec::data): appends with alignment.
std::uint64_t grow_block(std::vector<std::byte>& block, std::uint64_t bytes, std::uint64_t align) {
  const std::uint64_t offset = (block.size() + align - 1) / align * align;
  block.resize(offset + bytes, std::byte{0});
  return offset;
}

/// A Path parameter's file: relative names are taken from the directory of the TOML file that
/// wrote the value; values without one (--set, ensemble.vary, tune workload variants, plugin
/// defaults) from the experiment's directory, as `system = "..."` is.
std::filesystem::path resolve_path(const toml::node& node, const std::string& text) {
  std::filesystem::path path(text);
  if (path.is_relative()) {
    const auto& source = node.source().path;
    if (source && !source->empty() && std::filesystem::is_regular_file(*source)) {
      path = std::filesystem::path(*source).parent_path() / path;
    } else if (!ConfigDir::current().empty()) {
      path = ConfigDir::current() / path;
    }
  }
  std::error_code ignored;
  const std::filesystem::path absolute = std::filesystem::absolute(path, ignored);
  return absolute.empty() ? path : absolute.lexically_normal();
}

void fill_param(const ParamSpec& spec, const toml::node& node, std::vector<std::byte>& blob, const std::string& location,
                const std::string& owner, std::vector<std::byte>* data = nullptr) {
  const std::string name = spec.name;
  auto type_error = [&](const char* expected) {
    fail(location, owner + ": parameter '" + name + "' must be " + expected + ", got " +
                       std::string(node.is_string() ? "a string" : node.is_integer() ? "an integer"
                                                             : node.is_floating_point() ? "a float"
                                                             : node.is_boolean()        ? "a boolean"
                                                                                        : "a table or array"));
  };
  auto unit_value = [&](auto parse, const char* example) {
    if (!node.is_string()) {
      if (node.is_integer() || node.is_floating_point()) {
        fail(location, owner + ": parameter '" + name + "' needs a unit: write it as a string like \"" + example + "\"");
      }
      type_error("a string with a unit");
    }
    try {
      return parse(**node.as_string());
    } catch (const std::invalid_argument& error) {
      fail(location, owner + ": parameter '" + name + "': " + error.what());
    }
  };
  switch (spec.type) {
    case ParamType::Int: {
      if (!node.is_integer()) type_error("an integer");
      const std::int64_t value = **node.as_integer();
      check_range(spec, static_cast<double>(value), location, owner);
      store(blob, spec.offset, value);
      break;
    }
    case ParamType::UInt: {
      if (!node.is_integer()) type_error("a non-negative integer");
      const std::int64_t value = **node.as_integer();
      if (value < 0) fail(location, owner + ": parameter '" + name + "' must not be negative");
      check_range(spec, static_cast<double>(value), location, owner);
      store(blob, spec.offset, static_cast<std::uint64_t>(value));
      break;
    }
    case ParamType::Float: {
      if (!node.is_number()) type_error("a number");
      const double value = node.is_integer() ? static_cast<double>(**node.as_integer()) : **node.as_floating_point();
      if (!std::isfinite(value)) fail(location, owner + ": parameter '" + name + "' must be finite");
      check_range(spec, value, location, owner);
      store(blob, spec.offset, value);
      break;
    }
    case ParamType::Bool:
      if (!node.is_boolean()) type_error("true or false");
      store(blob, spec.offset, **node.as_boolean());
      break;
    case ParamType::Time: {
      const Tick value = unit_value(units::parse_time, "2 ns");
      check_range(spec, static_cast<double>(value), location, owner);
      store(blob, spec.offset, value);
      break;
    }
    case ParamType::Frequency: {
      const double value = unit_value(units::parse_frequency, "1.5 GHz");
      check_range(spec, value, location, owner);
      store(blob, spec.offset, value);
      break;
    }
    case ParamType::Size: {
      const std::uint64_t value = unit_value(units::parse_size, "64 KiB");
      check_range(spec, static_cast<double>(value), location, owner);
      store(blob, spec.offset, value);
      break;
    }
    case ParamType::Bandwidth: {
      const double value = unit_value(units::parse_bandwidth, "256 GB/s");
      check_range(spec, value, location, owner);
      store(blob, spec.offset, value);
      break;
    }
    case ParamType::Path: {
      if (!node.is_string()) type_error("a string (a file name)");
      if (data == nullptr) fail(location, owner + ": parameter '" + name + "' is a file name, which only components take");
      const std::string text = **node.as_string();
      if (text.empty()) fail(location, owner + ": parameter '" + name + "' is empty: it needs a file name");
      const std::filesystem::path path = resolve_path(node, text);
      if (!std::filesystem::is_regular_file(path)) {
        fail(location, owner + ": parameter '" + name + "': no such file '" + path.string() + "'");
      }
      note_input(path);
      const std::string resolved = path.string();
      const std::uint64_t offset = grow_block(*data, resolved.size() + 1, 16);
      std::memcpy(data->data() + offset, resolved.c_str(), resolved.size() + 1);
      store(blob, spec.offset, DataRef{offset, resolved.size()});
      break;
    }
    case ParamType::Choice: {
      if (!node.is_string()) type_error("a string");
      const std::string value = **node.as_string();
      std::vector<std::string> choices;
      std::stringstream list(spec.choices != nullptr ? spec.choices : "");
      for (std::string choice; std::getline(list, choice, '|');) choices.push_back(choice);
      const auto found = std::find(choices.begin(), choices.end(), value);
      if (found == choices.end()) {
        fail(location,
             owner + ": parameter '" + name + "' is '" + limits::clip(value) + "'" + text::suggest(value, choices));
      }
      store(blob, spec.offset, static_cast<std::uint32_t>(found - choices.begin()));
      break;
    }
  }
}

/// A declared default as a TOML value: unit and choice defaults are plain text ("0.1 ns",
/// "fifo"), the others TOML literals ("16", "0.9", "true").
class DefaultValue {
 public:
  DefaultValue(const std::string& plugin, const ParamSpec& param) {
    std::string text = param.default_text;
    const bool textual = param.type == ParamType::Time || param.type == ParamType::Frequency ||
                         param.type == ParamType::Size || param.type == ParamType::Bandwidth ||
                         param.type == ParamType::Choice || param.type == ParamType::Path;
    if (textual) {
      if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
      table_.insert("value", text);
      return;
    }
    try {
      table_ = toml::parse("value = " + text);
    } catch (const toml::parse_error&) {
      throw PluginError("plugin '" + plugin + "': parameter '" + param.name + "' has a malformed default '" + text + "'");
    }
  }
  const toml::node& node() const { return *table_.get("value"); }

 private:
  toml::table table_;
};

DefaultValue default_node(const std::string& plugin, const ParamSpec& param) { return DefaultValue(plugin, param); }

/// A technology table (models/tech/): per plugin type, values for parameters a component does
/// not set itself (`[defaults."compute.systolic"] mac_energy_pj = 0.23`).
struct Technology {
  std::string file;
  toml::table table;
  const toml::table* defaults_for(const std::string& type) const {
    const toml::node* defaults = table.get("defaults");
    if (defaults == nullptr || !defaults->is_table()) return nullptr;
    const toml::node* entry = defaults->as_table()->get(type);
    return entry != nullptr ? entry->as_table() : nullptr;
  }
};

ComponentSpec build_component(const std::string& name, const toml::node& node, const PluginRegistry& registry,
                              const std::string& file, bool workload_section, const Technology* technology) {
  const std::string location = where(node, file);
  const toml::table* table = node.as_table();
  if (table == nullptr) fail(location, "component '" + name + "' must be a table with at least `type`");
  ComponentSpec spec;
  spec.name = name;
  spec.where = location;
  const toml::node* type_node = table->get("type");
  if (type_node == nullptr || !type_node->is_string()) {
    fail(location, "component '" + name + "' needs `type = \"<plugin name>\"` (see `archlab plugins`)");
  }
  spec.type = **type_node->as_string();
  try {
    spec.plugin = registry.find(spec.type);
  } catch (const PluginError& error) {
    fail(where(*type_node, file), "component '" + name + "': " + error.what());
  }
  const PluginDescriptor& plugin = spec.plugin->descriptor();
  if (plugin.kind == PluginKind::Tuner) {
    fail(where(*type_node, file), "component '" + name + "': '" + spec.type + "' is a tuner, not a component");
  }
  if (workload_section && plugin.kind != PluginKind::Workload) {
    fail(where(*type_node, file), "'" + name + "' under [workloads] has type '" + spec.type + "', which is a " +
                                      to_string(plugin.kind) + " plugin: put it under [components] in the system");
  }
  if (const toml::node* count = table->get("count"); count != nullptr) {
    if (!count->is_integer() || **count->as_integer() < 1 || **count->as_integer() > 0x7fffffff) {
      fail(where(*count, file), "component '" + name + "': count must be an integer in [1, 2147483647]");
    }
    spec.count = static_cast<std::uint32_t>(**count->as_integer());
  }

  const ComponentDescriptor& component = *spec.plugin->component();
  if (component.params_align > alignof(std::max_align_t)) {
    throw PluginError("plugin '" + spec.type + "': Params alignment above " + std::to_string(alignof(std::max_align_t)));
  }
  spec.params.assign(component.params_size, std::byte{0});
  const std::string owner = "component '" + name + "' (" + spec.type + ")";

  std::vector<std::string> valid{"type", "count"};
  for (std::uint32_t i = 0; i < component.nparams; ++i) valid.emplace_back(component.params[i].name);
  for (const auto& [key, value] : *table) {
    if (std::find(valid.begin(), valid.end(), key.str()) == valid.end()) {
      fail(where(value, file),
           owner + ": unknown parameter '" + limits::clip(key.str()) + "'" + text::suggest(key.str(), valid));
    }
  }
  const toml::table* tech = technology != nullptr ? technology->defaults_for(spec.type) : nullptr;
  if (tech != nullptr) {
    for (const auto& [key, value] : *tech) {
      if (std::find(valid.begin() + 2, valid.end(), key.str()) == valid.end()) {
        fail(where(value, technology->file), "technology defaults for " + spec.type + ": unknown parameter '" +
                                                 limits::clip(key.str()) + "'" + text::suggest(key.str(), valid));
      }
    }
  }
  for (std::uint32_t i = 0; i < component.nparams; ++i) {
    const ParamSpec& param = component.params[i];
    if (const toml::node* value = table->get(param.name); value != nullptr) {
      fill_param(param, *value, spec.params, where(*value, file), owner, &spec.data);
    } else if (const toml::node* from_tech = tech != nullptr ? tech->get(param.name) : nullptr; from_tech != nullptr) {
      fill_param(param, *from_tech, spec.params, where(*from_tech, technology->file), owner, &spec.data);
    } else if (param.default_text != nullptr) {
      fill_param(param, default_node(spec.type, param).node(), spec.params, "plugin '" + spec.type + "' default",
                 owner, &spec.data);
    } else {
      fail(location, owner + ": missing required parameter '" + param.name + "' (" + param.doc + ")");
    }
  }
  if (const char* problem = component.validate(spec.params.data()); problem != nullptr) {
    fail(location, owner + ": " + problem);
  }
  DataBuilder builder{};
  builder.owner = &spec.data;
  builder.grow = [](void* block, std::uint64_t bytes, std::uint64_t align) {
    return grow_block(*static_cast<std::vector<std::byte>*>(block), bytes, std::clamp<std::uint64_t>(align, 1, 64));
  };
  builder.base = [](void* block) { return static_cast<std::vector<std::byte>*>(block)->data(); };
  bool prepared = false;
  try {
    prepared = component.prepare(spec.params.data(), &builder);
  } catch (const std::exception& error) {
    builder.fail(error.what());
  }
  if (!prepared) fail(location, owner + ": " + builder.error);
  return spec;
}

// --------------------------------------------------------------------------------------------
// Links
// --------------------------------------------------------------------------------------------

Endpoint parse_endpoint(const std::string& text, const std::string& location) {
  Endpoint endpoint;
  const auto dot = text.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == text.size()) {
    fail(location,
         "link endpoint '" + limits::clip(text) + "' must be component.port, component[*].port or component[i].port");
  }
  endpoint.port = text.substr(dot + 1);
  std::string head = text.substr(0, dot);
  if (const auto bracket = head.find('['); bracket != std::string::npos) {
    if (head.back() != ']') fail(location, "link endpoint '" + limits::clip(text) + "': unclosed '['");
    const std::string inside = head.substr(bracket + 1, head.size() - bracket - 2);
    head = head.substr(0, bracket);
    if (inside == "*") {
      endpoint.all = true;
    } else {
      const auto [end, ec] = std::from_chars(inside.data(), inside.data() + inside.size(), endpoint.index);
      if (ec != std::errc{} || end != inside.data() + inside.size()) {
        fail(location, "link endpoint '" + limits::clip(text) + "': index must be a number or *");
      }
      endpoint.indexed = true;
    }
  }
  endpoint.component = head;
  return endpoint;
}

std::uint32_t port_index(const ComponentSpec& component, const std::string& port, PortDirection direction,
                         const std::string& endpoint_text, const std::string& location) {
  const ComponentDescriptor& descriptor = *component.plugin->component();
  std::vector<std::string> names;
  for (std::uint32_t i = 0; i < descriptor.nports; ++i) {
    if (descriptor.ports[i].direction == direction) names.emplace_back(descriptor.ports[i].name);
    if (port == descriptor.ports[i].name) {
      if (descriptor.ports[i].direction != direction) {
        fail(location, "'" + endpoint_text + "': port '" + port + "' of " + component.type + " is an " +
                           (direction == PortDirection::Out ? "input" : "output") + " port; a link goes from an output to an input");
      }
      return i;
    }
  }
  fail(location, "'" + endpoint_text + "': " + component.type + " has no " +
                     (direction == PortDirection::Out ? "output" : "input") + " port '" + port + "'" +
                     text::suggest(port, names));
}

void check_endpoint(const SystemSpec& system, const Endpoint& endpoint, const std::string& text,
                    PortDirection direction, const std::string& location) {
  const ComponentSpec* component = system.find(endpoint.component);
  if (component == nullptr) {
    std::vector<std::string> names;
    for (const auto& c : system.components) names.push_back(c.name);
    fail(location, "link endpoint '" + limits::clip(text) + "': no component named '" + endpoint.component + "'" +
                       text::suggest(endpoint.component, names));
  }
  if (endpoint.indexed && endpoint.index >= component->count) {
    fail(location, "link endpoint '" + limits::clip(text) + "': index " + std::to_string(endpoint.index) +
                       " is out of range (" + endpoint.component + " has count " + std::to_string(component->count) +
                       ")");
  }
  if (!endpoint.all && !endpoint.indexed && component->count > 1) {
    fail(location, "link endpoint '" + limits::clip(text) + "': " + endpoint.component + " is an array of " +
                       std::to_string(component->count) + "; write " + endpoint.component + "[*]." + endpoint.port +
                       " or " + endpoint.component + "[i]." + endpoint.port);
  }
  port_index(*component, endpoint.port, direction, text, location);
}

}  // namespace

void add_links(SystemSpec& system, const toml::node* links_node, const std::string& file) {
  if (links_node == nullptr) return;
  const toml::array* links = links_node->as_array();
  if (links == nullptr) fail(where(*links_node, file), "`links` must be an array of tables: [[links]]");
  for (const toml::node& node : *links) {
    const std::string location = where(node, file);
    const toml::table* table = node.as_table();
    if (table == nullptr) fail(location, "each [[links]] entry must be a table");
    for (const auto& [key, value] : *table) {
      const std::vector<std::string> valid{"from", "to", "latency"};
      if (std::find(valid.begin(), valid.end(), key.str()) == valid.end()) {
        fail(where(value, file), "link: unknown key '" + limits::clip(key.str()) + "'" + text::suggest(key.str(), valid));
      }
    }
    LinkSpec link;
    link.where = location;
    for (const char* key : {"from", "to", "latency"}) {
      const toml::node* value = table->get(key);
      if (value == nullptr || !value->is_string()) fail(location, std::string("link needs `") + key + "` (a string)");
    }
    link.from_text = **table->get("from")->as_string();
    link.to_text = **table->get("to")->as_string();
    link.from = parse_endpoint(link.from_text, where(*table->get("from"), file));
    link.to = parse_endpoint(link.to_text, where(*table->get("to"), file));
    check_endpoint(system, link.from, link.from_text, PortDirection::Out, where(*table->get("from"), file));
    check_endpoint(system, link.to, link.to_text, PortDirection::In, where(*table->get("to"), file));
    const std::string latency_where = where(*table->get("latency"), file);
    try {
      link.latency = units::parse_time(**table->get("latency")->as_string());
    } catch (const std::invalid_argument& error) {
      fail(latency_where, std::string("link latency: ") + error.what());
    }
    if (link.latency == 0) {
      fail(latency_where, "link latency must be at least 1 ps: a zero-latency link would leave the engines no lookahead");
    }
    // A port may feed several links (their receivers are numbered one after the other), but
    // the same link twice is a mistake.
    for (const LinkSpec& other : system.links) {
      if (other.from_text == link.from_text && other.to_text == link.to_text) {
        fail(location, "link from '" + link.from_text + "' to '" + link.to_text + "' is already defined at " +
                           other.where);
      }
    }
    system.links.push_back(std::move(link));
  }
}

namespace {

void add_components(SystemSpec& system, const toml::node* node, const PluginRegistry& registry,
                    const std::string& file, bool workload_section, const Technology* technology = nullptr) {
  if (node == nullptr) return;
  const toml::table* table = node->as_table();
  const char* section = workload_section ? "workloads" : "components";
  if (table == nullptr) fail(where(*node, file), std::string("`") + section + "` must be a table of components");
  for (const auto& [key, value] : *table) {
    const std::string name(key.str());
    if (name.empty() || name.find_first_of(".[]* ") != std::string::npos) {
      fail(where(value, file),
           "component name '" + limits::clip(name) + "' may not contain '.', '[', ']', '*' or spaces");
    }
    if (const ComponentSpec* existing = system.find(name); existing != nullptr) {
      fail(where(value, file), "duplicate component name '" + name + "' (first defined at " + existing->where + ")");
    }
    system.components.push_back(build_component(name, value, registry, file, workload_section, technology));
  }
}

}  // namespace

SystemSpec build_system(const toml::table& table, const PluginRegistry& registry, const std::string& file) {
  check_keys(table, {"technology", "components", "links"}, file, "system");
  SystemSpec system;
  std::optional<Technology> technology;
  if (const toml::node* tech = table.get("technology"); tech != nullptr) {
    if (!tech->is_string()) fail(where(*tech, file), "`technology` must be the file name of a technology table");
    const std::filesystem::path path = std::filesystem::path(file).parent_path() / **tech->as_string();
    std::string text;
    try {
      text = read_file(path);
    } catch (const ConfigError& error) {
      fail(where(*tech, file), std::string("technology table: ") + error.what());
    }
    technology = Technology{path.string(), parse_toml(text, path.string())};
    check_keys(technology->table, {"name", "node_nm", "sources", "energy", "area", "defaults"}, path.string(),
               "technology table");
  }
  add_components(system, table.get("components"), registry, file, false, technology ? &*technology : nullptr);
  add_links(system, table.get("links"), file);
  return system;
}

std::vector<std::byte> fill_params(const ParamSpec* specs, std::uint32_t nparams, std::uint32_t params_size,
                                            const toml::table* table, const std::string& file,
                                            const std::string& location, const std::string& owner) {
  std::vector<std::string> valid;
  for (std::uint32_t i = 0; i < nparams; ++i) valid.emplace_back(specs[i].name);
  if (table != nullptr) {
    for (const auto& [key, value] : *table) {
      if (std::find(valid.begin(), valid.end(), key.str()) == valid.end()) {
        fail(where(value, file),
             owner + ": unknown parameter '" + limits::clip(key.str()) + "'" + text::suggest(key.str(), valid));
      }
    }
  }
  std::vector<std::byte> blob(params_size, std::byte{0});
  for (std::uint32_t i = 0; i < nparams; ++i) {
    const ParamSpec& param = specs[i];
    if (const toml::node* value = table != nullptr ? table->get(param.name) : nullptr; value != nullptr) {
      fill_param(param, *value, blob, where(*value, file), owner);
    } else if (param.default_text != nullptr) {
      fill_param(param, default_node(owner, param).node(), blob, owner + " default", owner);
    } else {
      fail(location, owner + ": missing required parameter '" + param.name + "' (" + param.doc + ")");
    }
  }
  return blob;
}

void add_workloads(SystemSpec& system, const toml::node* node, const PluginRegistry& registry,
                   const std::string& file) {
  add_components(system, node, registry, file, true);
}

}  // namespace archlab::config_input
