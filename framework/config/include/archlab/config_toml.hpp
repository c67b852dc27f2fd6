// For layers above configuration that parse TOML sections of their own (the tuning layer's
// [tune]): the same positions, schema checks and --set rules as config.cpp. Not plugin API.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <toml++/toml.h>
#include <vector>

#include "archlab/component.hpp"

namespace archlab::detail {

/// "file:line:col" of a TOML node, or `fallback` when it has no position.
std::string toml_where(const toml::node& node, const std::string& fallback);

/// A Params blob filled from `table` (null: defaults only) against a declared schema, with the
/// same checks and messages as component parameters; throws ConfigError.
std::vector<std::byte> fill_declared_params(const ParamSpec* specs, std::uint32_t nparams, std::uint32_t params_size,
                                            const toml::table* table, const std::string& file,
                                            const std::string& location, const std::string& owner);

/// A file's text within the input limits (input_limits.hpp), and TOML parsed within them: the
/// same checks and messages as experiment files; both throw ConfigError.
std::string read_toml_file(const std::filesystem::path& path);
toml::table parse_toml(const std::string& text, const std::string& name);

/// Apply one `--set key.path=value` to a parsed document (the same rules as for experiments).
void apply_set(toml::table& root, const std::string& key, const std::string& value);

}  // namespace archlab::detail
