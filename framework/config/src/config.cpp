// Experiment and system files: reading, --set overrides, [ensemble] replicas, the experiment's
// own keys (engine, seed, stop time, output, ...). What a system table holds is system_file.cpp.
#include "archlab/config.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <toml++/toml.h>
#include <type_traits>

#include "archlab/errors.hpp"
#include "archlab/input_limits.hpp"
#include "archlab/text.hpp"
#include "archlab/units.hpp"
#include "archlab/config_toml.hpp"
#include "config_input.hpp"

namespace archlab {
namespace config_input {

namespace {
/// The files a load reads, collected for ExperimentSpec::inputs while a load runs.
thread_local std::vector<std::filesystem::path>* t_inputs = nullptr;
}  // namespace

void note_input(const std::filesystem::path& path) {
  if (t_inputs == nullptr) return;
  std::error_code ignored;
  const std::filesystem::path absolute = std::filesystem::absolute(path, ignored).lexically_normal();
  if (std::find(t_inputs->begin(), t_inputs->end(), absolute) == t_inputs->end()) t_inputs->push_back(absolute);
}

std::string where(const toml::node& node, const std::string& fallback) {
  const auto& source = node.source();
  if (source.begin.line == 0) return fallback;
  const std::string file = source.path ? *source.path : fallback;
  return file + ":" + std::to_string(source.begin.line) + ":" + std::to_string(source.begin.column);
}

[[noreturn]] void fail(const std::string& location, const std::string& message) {
  throw ConfigError(location + ": " + message);
}

std::string read_file(const std::filesystem::path& path) {
  note_input(path);
  limits::InputFile file = limits::read_input_file(path);
  if (!file.problem.empty()) throw ConfigError(path.string() + ": " + file.problem);
  return std::move(file.text);
}

toml::table parse_toml(const std::string& text, const std::string& name) {
  if (const std::string problem = limits::toml_depth_problem(text); !problem.empty()) {
    throw ConfigError(name + ": " + problem);
  }
  try {
    return toml::parse(text, name);
  } catch (const toml::parse_error& error) {
    const auto& begin = error.source().begin;
    throw ConfigError(name + ":" + std::to_string(begin.line) + ":" + std::to_string(begin.column) +
                      ": malformed TOML: " + std::string(error.description()));
  }
}

void check_keys(const toml::table& table, const std::vector<std::string>& valid, const std::string& file,
                const char* what) {
  for (const auto& [key, value] : table) {
    if (std::find(valid.begin(), valid.end(), key.str()) == valid.end()) {
      fail(where(value, file),
           std::string("unknown ") + what + " key '" + limits::clip(key.str()) + "'" + text::suggest(key.str(), valid));
    }
  }
}

namespace {
thread_local std::filesystem::path t_config_dir;
}  // namespace

ConfigDir::ConfigDir(std::filesystem::path dir) : saved_(std::move(t_config_dir)) { t_config_dir = std::move(dir); }
ConfigDir::~ConfigDir() { t_config_dir = std::move(saved_); }
const std::filesystem::path& ConfigDir::current() { return t_config_dir; }

}  // namespace config_input

namespace {

using namespace config_input;

struct InputCollector {
  explicit InputCollector(std::vector<std::filesystem::path>* inputs) : saved(t_inputs) { t_inputs = inputs; }
  ~InputCollector() { t_inputs = saved; }
  InputCollector(const InputCollector&) = delete;
  InputCollector& operator=(const InputCollector&) = delete;
  std::vector<std::filesystem::path>* saved;
};


// --------------------------------------------------------------------------------------------
// --set overrides
// --------------------------------------------------------------------------------------------

/// The table that holds the last segment of a dotted key, created on the way when missing.
toml::table& parent_of(toml::table& root, const std::string& key, std::string& last, const std::string& context) {
  std::vector<std::string> path;
  std::stringstream segments(key);
  for (std::string segment; std::getline(segments, segment, '.');) {
    if (segment.empty()) throw ConfigError(context + ": empty key segment in '" + limits::clip(key) + "'");
    path.push_back(segment);
    if (path.size() > limits::kMaxKeyDepth) {
      throw ConfigError(context + ": the key has more than " + std::to_string(limits::kMaxKeyDepth) +
                        " dotted segments");
    }
  }
  if (path.empty()) throw ConfigError(context + ": empty key");
  toml::table* table = &root;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    toml::node* next = table->get(path[i]);
    if (next == nullptr) {
      table->insert(path[i], toml::table{});
      next = table->get(path[i]);
    }
    if (!next->is_table()) throw ConfigError(context + ": '" + limits::clip(path[i]) + "' is not a table");
    table = next->as_table();
  }
  last = path.back();
  return *table;
}

void apply_override(toml::table& root, const Override& override) {
  const std::string context = "--set " + limits::clip(override.key);
  for (const std::string* part : {&override.key, &override.value}) {
    if (part->size() > limits::kMaxValueBytes) {
      throw ConfigError(context + ": the " + (part == &override.key ? "key" : "value") + " is longer than " +
                        std::to_string(limits::kMaxValueBytes >> 20) + " MiB, the limit on --set");
    }
  }
  std::string last;
  toml::table& table = parent_of(root, override.key, last, context);
  if (override.literal) {
    table.insert_or_assign(last, override.value);
    return;
  }
  // The value as TOML when it parses as one, else as a plain string ("10 ns" needs no quotes).
  toml::table parsed;
  bool is_toml = limits::toml_depth_problem(override.value).empty();
  try {
    if (is_toml) parsed = toml::parse("value = " + override.value);
  } catch (const toml::parse_error&) {
    is_toml = false;
  }
  if (is_toml && parsed.contains("value")) {
    table.insert_or_assign(last, *parsed.get("value"));
  } else {
    table.insert_or_assign(last, override.value);
  }
}

std::string to_toml_text(const toml::table& table) {
  std::ostringstream out;
  out << table;
  return out.str();
}

template <class T>
T get_value(const toml::table& table, const char* key, const std::string& file, const char* expected, T fallback) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return fallback;
  // An integer from a float node: toml++ casts before it checks the range, which is undefined for
  // a float beyond the integer's range (1e28): such a float is refused here first.
  if constexpr (std::is_integral_v<T>) {
    if (const toml::value<double>* number = node->as_floating_point();
        number != nullptr && !(std::fabs(number->get()) < 9.2e18))
      fail(where(*node, file), std::string("`") + key + "` must be " + expected);
  }
  const auto value = node->value<T>();
  if (!value) fail(where(*node, file), std::string("`") + key + "` must be " + expected);
  return *value;
}

Tick get_time(const toml::table& table, const char* key, const std::string& file, Tick fallback) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return fallback;
  if (!node->is_string()) fail(where(*node, file), std::string("`") + key + "` must be a time with a unit, like \"1 us\"");
  try {
    return units::parse_time(**node->as_string());
  } catch (const std::invalid_argument& error) {
    fail(where(*node, file), std::string("`") + key + "`: " + error.what());
  }
}

}  // namespace

namespace detail {

void apply_set(toml::table& root, const std::string& key, const std::string& value) {
  apply_override(root, Override{key, value});
}

std::string toml_where(const toml::node& node, const std::string& fallback) { return where(node, fallback); }

std::string read_toml_file(const std::filesystem::path& path) { return read_file(path); }

toml::table parse_toml(const std::string& text, const std::string& name) { return config_input::parse_toml(text, name); }

std::vector<std::byte> fill_declared_params(const ParamSpec* specs, std::uint32_t nparams, std::uint32_t params_size,
                                            const toml::table* table, const std::string& file,
                                            const std::string& location, const std::string& owner) {
  return fill_params(specs, nparams, params_size, table, file, location, owner);
}

}  // namespace detail

bool is_system_file(const std::filesystem::path& path) {
  const toml::table table = parse_toml(read_file(path), path.string());
  return table.contains("components") && !table.contains("system");
}

SystemSpec load_system(const std::filesystem::path& path, const std::vector<Override>& overrides,
                       const PluginRegistry& registry) {
  const ConfigDir config_dir(path.parent_path());
  toml::table table = parse_toml(read_file(path), path.string());
  for (const Override& override : overrides) apply_override(table, override);
  SystemSpec system = build_system(table, registry, path.string());
  check_links(system);
  return system;
}

ExperimentSpec load_experiment_text(const std::string& text, const std::string& name,
                                    const std::filesystem::path& base_dir, const std::vector<Override>& overrides,
                                    const PluginRegistry& registry) {
  ExperimentSpec spec;
  spec.experiment_name = name;
  spec.experiment_text = text;
  const ConfigDir config_dir(base_dir);
  const InputCollector collector(&spec.inputs);
  toml::table root = parse_toml(text, name);

  // A system file is grafted in as an inline table so that --set reaches into it too.
  std::string system_file = name;
  if (const toml::node* system = root.get("system"); system != nullptr && system->is_string()) {
    const std::filesystem::path system_path = base_dir / std::filesystem::path(**system->as_string());
    try {
      spec.system_text = read_file(system_path);
    } catch (const ConfigError& error) {
      fail(where(*system, name), std::string("system model: ") + error.what());
    }
    system_file = system_path.string();
    toml::table system_table = parse_toml(spec.system_text, system_file);
    root.insert_or_assign("system", std::move(system_table));
  }
  for (const Override& override : overrides) apply_override(root, override);
  spec.effective_text = to_toml_text(root);

  check_keys(root,
             {"system", "workloads", "links", "ensemble", "engine", "seed", "threads", "stop_time", "max_events",
              "output", "stats_interval", "trace", "flush_seconds", "tune"},
             name, "experiment");
  if (root.get("system") == nullptr) fail(name, "missing `system`: a system model file name or an inline [system] table");
  if (!root.get("system")->is_table()) fail(where(*root.get("system"), name), "`system` must be a file name or a table");

  // Replicas: the whole system once per design point, each with its own `vary` values.
  std::uint32_t replicas = 1;
  std::vector<std::pair<std::string, const toml::array*>> vary;
  if (const toml::node* ensemble = root.get("ensemble"); ensemble != nullptr) {
    const toml::table* table = ensemble->as_table();
    if (table == nullptr) fail(where(*ensemble, name), "`ensemble` must be a table: replicas = N, [ensemble.vary]");
    check_keys(*table, {"replicas", "vary"}, name, "ensemble");
    const std::int64_t count = get_value<std::int64_t>(*table, "replicas", name, "an integer", 1);
    if (count < 1 || count > (1 << 24)) fail(where(*ensemble, name), "`ensemble.replicas` must be in [1, 2^24]");
    replicas = static_cast<std::uint32_t>(count);
    if (const toml::node* vary_node = table->get("vary"); vary_node != nullptr) {
      if (!vary_node->is_table()) fail(where(*vary_node, name), "`ensemble.vary` must be a table of key = [values]");
      for (const auto& [key, values] : *vary_node->as_table()) {
        const std::string path(key.str());
        const bool in_system = path.rfind("system.", 0) == 0 || path.rfind("workloads.", 0) == 0;
        if (!in_system) {
          fail(where(values, name), "ensemble.vary key \"" + path +
                                        "\" must name a system or workload parameter (system.components.X.p, "
                                        "workloads.X.p)");
        }
        const toml::array* array = values.as_array();
        if (array == nullptr || array->size() != replicas) {
          fail(where(values, name), "ensemble.vary \"" + path + "\" needs an array of " + std::to_string(replicas) +
                                        " values, one per replica");
        }
        vary.emplace_back(path, array);
      }
    }
  }
  // The vary keys are overwritten in place for each replica (copies of toml++ tables lose the
  // source positions that error messages quote).
  toml::table& design = root;
  for (std::uint32_t replica = 0; replica < replicas; ++replica) {
    for (const auto& [path, values] : vary) {
      std::string last;
      parent_of(design, path, last, "ensemble.vary").insert_or_assign(last, *values->get(replica));
    }
    SystemSpec one = build_system(*design.get("system")->as_table(), registry, system_file);
    add_workloads(one, design.get("workloads"), registry, name);
    add_links(one, design.get("links"), name);
    if (one.components.empty()) fail(name, "the system has no components");
    check_links(one);
    for (ComponentSpec& component : one.components) {
      component.replica = replica;
      spec.system.components.push_back(std::move(component));
    }
    for (LinkSpec& link : one.links) {
      link.replica = replica;
      spec.system.links.push_back(std::move(link));
    }
  }
  spec.replicas = replicas;

  spec.engine = get_value<std::string>(root, "engine", name, "a string", "auto");
  const std::vector<std::string> engines{"auto", "sequential", "windowed", "cuda", "mpi"};
  if (std::find(engines.begin(), engines.end(), spec.engine) == engines.end()) {
    fail(where(*root.get("engine"), name),
         "unknown engine '" + limits::clip(spec.engine) + "'" + text::suggest(spec.engine, engines));
  }
  const std::int64_t seed = get_value<std::int64_t>(root, "seed", name, "an integer", 1);
  if (seed < 0) fail(where(*root.get("seed"), name), "`seed` must not be negative");
  spec.seed = static_cast<std::uint64_t>(seed);
  const std::int64_t threads = get_value<std::int64_t>(root, "threads", name, "an integer", 0);
  if (threads < 0 || threads > 4096) fail(where(*root.get("threads"), name), "`threads` must be in [0, 4096]");
  spec.threads = static_cast<unsigned>(threads);
  spec.stop_time = get_time(root, "stop_time", name, kTickMax);
  const std::int64_t max_events = get_value<std::int64_t>(root, "max_events", name, "an integer", 0);
  if (max_events < 0) fail(where(*root.get("max_events"), name), "`max_events` must not be negative");
  spec.max_events = static_cast<std::uint64_t>(max_events);
  spec.output = get_value<std::string>(root, "output", name, "a file name", "");
  spec.stats_interval = get_time(root, "stats_interval", name, 0);
  spec.trace = get_value<bool>(root, "trace", name, "true or false", false);
  spec.flush_seconds = get_value<double>(root, "flush_seconds", name, "a number of seconds", 1.0);
  if (!(spec.flush_seconds > 0)) fail(where(*root.get("flush_seconds"), name), "`flush_seconds` must be positive");
  return spec;
}

ExperimentSpec load_experiment(const std::filesystem::path& path, const std::vector<Override>& overrides,
                               const PluginRegistry& registry) {
  std::string text = read_file(path);
  ExperimentSpec spec = load_experiment_text(text, path.string(), path.parent_path(), overrides, registry);
  std::error_code ignored;
  spec.inputs.insert(spec.inputs.begin(), std::filesystem::absolute(path, ignored).lexically_normal());
  return spec;
}

const std::string& default_experiment_text() {
  static const std::string text = R"(# archlab's built-in default: PHOLD, 64K LPs x 16 events, on the sequential engine.
engine = "sequential"
seed = 1
stop_time = "20 ns"
output = "archlab-default.h5"
stats_interval = "2 ns"

[system.components]

[workloads.lp]
type = "workload.phold"
count = 65536
events_per_lp = 16
remote = 0.9
lookahead = "0.1 ns"
mean = "1 ns"

[[links]]
from = "lp[*].out"
to = "lp[*].in"
latency = "0.1 ns"
)";
  return text;
}

}  // namespace archlab
