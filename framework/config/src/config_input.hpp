// What config.cpp and system_file.cpp share: positions and errors, reading and parsing files,
// the directory relative names resolve against. Private to the configuration layer.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <toml++/toml.h>
#include <vector>

#include "archlab/config.hpp"

namespace archlab::config_input {

/// "file:line:col" of a node, or `fallback` when it has no position.
std::string where(const toml::node& node, const std::string& fallback);
[[noreturn]] void fail(const std::string& location, const std::string& message);
/// Records `path` among the files the current load reads (ExperimentSpec::inputs).
void note_input(const std::filesystem::path& path);
/// The file's text, within the input limits (input_limits.hpp); throws ConfigError.
std::string read_file(const std::filesystem::path& path);
toml::table parse_toml(const std::string& text, const std::string& name);
/// Throws ConfigError at the first key of `table` not in `valid`.
void check_keys(const toml::table& table, const std::vector<std::string>& valid, const std::string& file,
                const char* what);

/// Where relative file names without a file of their own are taken from: the directory of the
/// experiment (or system file) being loaded. Set for the duration of a load.
class ConfigDir {
 public:
  explicit ConfigDir(std::filesystem::path dir);
  ~ConfigDir();
  ConfigDir(const ConfigDir&) = delete;
  ConfigDir& operator=(const ConfigDir&) = delete;
  static const std::filesystem::path& current();

 private:
  std::filesystem::path saved_;
};

/// A system table (`components`, `links`, `technology`) checked against the plugins' schemas.
SystemSpec build_system(const toml::table& table, const PluginRegistry& registry, const std::string& file);
/// A `workloads` table's components (no technology defaults) and a `links` array, added to `system`.
void add_workloads(SystemSpec& system, const toml::node* node, const PluginRegistry& registry,
                   const std::string& file);
void add_links(SystemSpec& system, const toml::node* links_node, const std::string& file);
/// Component parameters from a table against a declared schema (config_toml.hpp).
std::vector<std::byte> fill_params(const ParamSpec* specs, std::uint32_t nparams, std::uint32_t params_size,
                                   const toml::table* table, const std::string& file, const std::string& location,
                                   const std::string& owner);

}  // namespace archlab::config_input
