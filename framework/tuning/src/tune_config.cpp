// The experiment's [tune] section: tuner, budget, space, conditions, objectives, constraints.
// Every mistake is a ConfigError before any trial runs.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "archlab/errors.hpp"
#include "archlab/input_limits.hpp"
#include "archlab/text.hpp"
#include "archlab/tune.hpp"
#include "archlab/units.hpp"
#include "archlab/config_toml.hpp"

namespace archlab {
namespace {

using detail::toml_where;

[[noreturn]] void fail(const std::string& location, const std::string& message) {
  throw ConfigError(location + ": " + message);
}

void check_keys(const toml::table& table, const std::vector<std::string>& valid, const std::string& file,
                const std::string& what) {
  for (const auto& [key, value] : table) {
    if (std::find(valid.begin(), valid.end(), key.str()) == valid.end()) {
      fail(toml_where(value, file), "unknown " + what + " key '" + std::string(key.str()) + "'" +
                                        text::suggest(key.str(), valid));
    }
  }
}

const toml::table* table_at(const toml::table& parent, const char* key, const std::string& file,
                            const std::string& what) {
  const toml::node* node = parent.get(key);
  if (node == nullptr) return nullptr;
  if (!node->is_table()) fail(toml_where(*node, file), what + " must be a table");
  return node->as_table();
}

std::optional<double> number_of(const toml::node* node) {
  if (node == nullptr) return std::nullopt;
  if (node->is_integer()) return static_cast<double>(**node->as_integer());
  if (node->is_floating_point()) return **node->as_floating_point();
  return std::nullopt;
}

/// A table's entries in the order the file wrote them: toml++ keeps tables sorted by key, but the
/// order of objectives says which is primary, and a reader expects columns as written. Entries
/// without a position (added by --set) follow, in key order.
std::vector<std::pair<std::string, const toml::node*>> in_file_order(const toml::table& table) {
  std::vector<std::pair<std::string, const toml::node*>> entries;
  for (const auto& [key, value] : table) entries.emplace_back(std::string(key.str()), &value);
  auto position = [](const toml::node* node) {
    const auto& begin = node->source().begin;
    return begin.line == 0
               ? std::pair{std::numeric_limits<std::uint32_t>::max(), 0U}
               : std::pair{static_cast<std::uint32_t>(begin.line), static_cast<std::uint32_t>(begin.column)};
  };
  std::stable_sort(entries.begin(), entries.end(),
                   [&](const auto& a, const auto& b) { return position(a.second) < position(b.second); });
  return entries;
}

std::string toml_text(const toml::node& node) {
  std::ostringstream out;
  node.visit([&](const auto& value) { out << value; });
  return out.str();
}

SpaceParam parse_dimension(const std::string& path, const toml::node& node, const std::string& file) {
  SpaceParam dim;
  dim.path = path;
  dim.where = toml_where(node, file);
  const std::string what = "tune.space \"" + path + "\"";
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    fail(dim.where, what + " must be a table: { low = 8, high = 256 } or { choices = [\"os\", \"ws\"] }");
  }
  check_keys(*table, {"low", "high", "step", "log", "unit", "choices", "type"}, file, what);
  const toml::node* unit = table->get("unit");
  if (unit != nullptr) {
    if (!unit->is_string() || !units::base_scale(**unit->as_string())) {
      fail(toml_where(*unit, file),
           what + ": `unit` must be a unit archlab knows, such as \"GHz\" or \"KiB\" (units: " + units::known_units() +
               ")");
    }
    dim.unit = **unit->as_string();
  }
  if (const toml::node* choices = table->get("choices"); choices != nullptr) {
    for (const char* other : {"low", "high", "step", "log", "type"}) {
      if (table->contains(other)) fail(dim.where, what + ": `choices` cannot be combined with `" + other + "`");
    }
    const toml::array* array = choices->as_array();
    if (array == nullptr || array->empty()) fail(toml_where(*choices, file), what + ": `choices` must be a non-empty array");
    dim.kind = DimensionKind::Choice;
    std::set<std::string> seen;
    for (const toml::node& choice : *array) {
      if (!(choice.is_string() || choice.is_integer() || choice.is_floating_point() || choice.is_boolean())) {
        fail(toml_where(choice, file), what + ": a choice must be a string, number or boolean");
      }
      if (!dim.unit.empty() && !(choice.is_integer() || choice.is_floating_point())) {
        fail(toml_where(choice, file), what + ": with `unit = \"" + dim.unit + "\"` every choice is a number (" +
                                           toml_text(choice) + " is not)");
      }
      // With a unit, a choice is the quantity "<number> <unit>", written and shown that way.
      const std::string label = choice.is_string()  ? std::string(**choice.as_string())
                                : dim.unit.empty() ? toml_text(choice)
                                                   : toml_text(choice) + " " + dim.unit;
      if (!seen.insert(label).second) fail(toml_where(choice, file), what + ": choice '" + label + "' appears twice");
      dim.choices.push_back(label);
      dim.choice_toml.push_back(dim.unit.empty() ? toml_text(choice) : "\"" + label + "\"");
    }
    return dim;
  }
  const auto low = number_of(table->get("low"));
  const auto high = number_of(table->get("high"));
  if (!low || !high) fail(dim.where, what + " needs numbers `low` and `high` (or `choices`)");
  if (!std::isfinite(*low) || !std::isfinite(*high) || *low > *high) {
    fail(dim.where, what + ": needs finite low <= high");
  }
  const toml::node* step_node = table->get("step");
  const auto step = number_of(step_node);
  if (step_node != nullptr && (!step || !(*step > 0))) fail(toml_where(*step_node, file), what + ": `step` must be > 0");
  bool integral = table->get("low")->is_integer() && table->get("high")->is_integer() &&
                  (step_node == nullptr || step_node->is_integer());
  if (const toml::node* type = table->get("type"); type != nullptr) {
    const auto text = type->value<std::string>();
    if (!text || (*text != "int" && *text != "float")) fail(toml_where(*type, file), what + ": `type` is \"int\" or \"float\"");
    if (*text == "int" && !integral) fail(toml_where(*type, file), what + ": an int dimension needs integer low, high, step");
    integral = *text == "int";
  }
  dim.kind = integral ? DimensionKind::Int : DimensionKind::Float;
  dim.low = *low;
  dim.high = *high;
  dim.step = step.value_or(integral ? 1.0 : 0.0);
  if (const toml::node* log = table->get("log"); log != nullptr) {
    if (!log->is_boolean()) fail(toml_where(*log, file), what + ": `log` must be true or false");
    dim.log_scale = **log->as_boolean();
    if (dim.log_scale && !(dim.low > 0)) fail(toml_where(*log, file), what + ": a log-scale dimension needs low > 0");
  }
  return dim;
}

/// Checks that a space path names a declared parameter of a component of the base system.
void check_parameter_path(const SpaceParam& dim, const ExperimentSpec& base) {
  const std::string& path = dim.path;
  std::vector<std::string> parts;
  std::stringstream segments(path);
  for (std::string segment; std::getline(segments, segment, '.');) parts.push_back(segment);
  std::string component;
  std::string param;
  if (parts.size() == 4 && parts[0] == "system" && parts[1] == "components") {
    component = parts[2];
    param = parts[3];
  } else if (parts.size() == 3 && parts[0] == "workloads") {
    component = parts[1];
    param = parts[2];
  } else {
    fail(dim.where, "tune.space key \"" + path +
                        "\" must name a component or workload parameter: system.components.<name>.<param> or "
                        "workloads.<name>.<param>");
  }
  const ComponentSpec* spec = base.system.find(component);
  if (spec == nullptr) {
    std::vector<std::string> names;
    for (const auto& c : base.system.components) names.push_back(c.name);
    fail(dim.where, "tune.space \"" + path + "\": no component '" + component + "'" + text::suggest(component, names));
  }
  const ComponentDescriptor& d = *spec->plugin->component();
  std::vector<std::string> params;
  for (std::uint32_t i = 0; i < d.nparams; ++i) params.emplace_back(d.params[i].name);
  if (std::find(params.begin(), params.end(), param) == params.end()) {
    fail(dim.where, "tune.space \"" + path + "\": " + spec->type + " has no parameter '" + param + "'" +
                        text::suggest(param, params));
  }
}

const std::vector<std::string> kNamedMetrics{"latency", "energy", "area", "edp", "throughput"};

/// The units of the statistics named `stat` in the base system (one per component type).
std::vector<std::string> units_of_stat(const ExperimentSpec& base, const std::string& stat) {
  std::vector<std::string> units;
  std::set<std::string> types;
  for (const auto& c : base.system.components) {
    if (!types.insert(c.type).second) continue;
    const ComponentDescriptor& d = *c.plugin->component();
    for (std::uint32_t i = 0; i < d.nstats; ++i) {
      if (stat == d.stats[i].name) units.emplace_back(d.stats[i].unit);
    }
  }
  return units;
}

Metric parse_metric(const std::string& text, const std::string& location, const ExperimentSpec& base,
                    const std::string& what) {
  Metric metric;
  metric.text = text;
  if (text == "sim_time") {
    metric.source = Metric::Source::SimTime;
    return metric;
  }
  if (text == "events") {
    metric.source = Metric::Source::Events;
    return metric;
  }
  const std::pair<const char*, Metric::Source> named[] = {{"latency", Metric::Source::Latency},
                                                         {"energy", Metric::Source::Energy},
                                                         {"area", Metric::Source::Area},
                                                         {"edp", Metric::Source::Edp},
                                                         {"throughput", Metric::Source::Throughput}};
  for (const auto& [name, source] : named) {
    if (text != name) continue;
    metric.source = source;
    for (const char* needed : {"energy", "area"}) {
      const bool uses = text == needed || (text == std::string("edp") && std::string(needed) == "energy");
      if (!uses) continue;
      const auto units = units_of_stat(base, needed);
      if (units.empty()) fail(location, what + ": '" + text + "' needs a component with a statistic named '" + needed + "'; the system has none");
      for (const auto& unit : units) {
        if (!metric_unit_factor(unit, needed)) {
          fail(location, what + ": a statistic '" + std::string(needed) + "' is in '" + unit + "', not a unit of " + needed);
        }
      }
    }
    return metric;
  }
  std::vector<std::string> types;
  for (const auto& c : base.system.components) {
    if (std::find(types.begin(), types.end(), c.type) == types.end()) types.push_back(c.type);
  }
  const auto dot = text.rfind('.');
  const std::string type = dot == std::string::npos ? text : text.substr(0, dot);
  const auto found = std::find_if(base.system.components.begin(), base.system.components.end(),
                                  [&](const ComponentSpec& c) { return c.type == type; });
  if (dot == std::string::npos || found == base.system.components.end()) {
    std::vector<std::string> valid{"sim_time", "events"};
    valid.insert(valid.end(), kNamedMetrics.begin(), kNamedMetrics.end());
    for (const auto& t : types) valid.push_back(t + ".<stat>");
    fail(location, what + ": unknown statistic '" + text + "': write \"<component type>.<statistic>\", \"sim_time\", "
                                                           "\"events\" or a named metric (latency, energy, area, edp, "
                                                           "throughput)" + text::suggest(text, valid));
  }
  const ComponentDescriptor& d = *found->plugin->component();
  std::vector<std::string> stats;
  for (std::uint32_t i = 0; i < d.nstats; ++i) stats.emplace_back(d.stats[i].name);
  const std::string stat = text.substr(dot + 1);
  if (std::find(stats.begin(), stats.end(), stat) == stats.end()) {
    fail(location, what + ": " + type + " has no statistic '" + stat + "'" + text::suggest(stat, stats));
  }
  metric.type = type;
  metric.stat = stat;
  return metric;
}

/// The unit of a statistic metric (its component type's declaration).
std::string stat_unit(const Metric& metric, const ExperimentSpec& base) {
  for (const auto& c : base.system.components) {
    if (c.type != metric.type) continue;
    const ComponentDescriptor& d = *c.plugin->component();
    for (std::uint32_t i = 0; i < d.nstats; ++i) {
      if (metric.stat == d.stats[i].name) return d.stats[i].unit;
    }
  }
  return "";
}

using detail::parse_toml;
using detail::read_toml_file;

}  // namespace

const TunerDescriptor& TuneSpec::tuner_descriptor() const {
  return *static_cast<const TunerDescriptor*>(tuner_plugin->descriptor().tuner);
}

std::string TuneSpec::optimises() const {
  auto objective_text = [](const TuneObjective& objective) {
    return objective.name + (objective.maximize ? " (max)" : " (min)");
  };
  std::vector<std::string> others;
  for (std::size_t k = 1; k < objectives.size(); ++k) others.push_back(objective_text(objectives[k]));
  std::string all{objective_text(objectives.front())};
  if (!others.empty()) all += ", " + text::join(others, ", ");
  switch (tuner_descriptor().objectives) {
    case TunerObjectives::None: return tuner + " explores the space without looking at results; recorded: " + all;
    case TunerObjectives::Primary:
      return tuner + " optimises the primary objective " + objective_text(objectives.front()) + " alone" +
             (others.empty() ? "" : "; also recorded: " + text::join(others, ", ") + " ([tune] primary picks another)");
    case TunerObjectives::All: return tuner + " optimises every objective: " + all;
  }
  return tuner + ": " + all;
}

bool TuneSpec::admissible(const double* point) const {
  return std::all_of(conditions.begin(), conditions.end(), [&](const SpaceCondition& c) { return c.holds(point); });
}

std::string TuneSpec::value_toml(std::size_t dim, double value) const {
  const SpaceParam& p = space[dim];
  if (p.kind == DimensionKind::Choice) return p.choice_toml.at(static_cast<std::size_t>(value));
  std::ostringstream out;
  out.precision(17);
  if (p.kind == DimensionKind::Int) {
    out << static_cast<long long>(std::llround(value));
  } else {
    out << value;
    if (p.unit.empty() && out.str().find_first_of(".eEn") == std::string::npos) out << ".0";
  }
  if (!p.unit.empty()) out << " " << p.unit;
  if (!p.unit.empty()) return std::string("\"").append(out.str()).append("\"");
  return out.str();
}

std::optional<double> metric_unit_factor(const std::string& unit, const std::string& dimension) {
  static const std::vector<std::pair<std::string, double>> time{{"fs", 1e-3}, {"ps", 1}, {"ns", 1e3}, {"us", 1e6},
                                                                {"ms", 1e9}, {"s", 1e12}};
  static const std::vector<std::pair<std::string, double>> energy{{"fJ", 1e-3}, {"pJ", 1}, {"nJ", 1e3}, {"uJ", 1e6},
                                                                  {"mJ", 1e9}, {"J", 1e12}};
  static const std::vector<std::pair<std::string, double>> area{{"um^2", 1e-6}, {"mm^2", 1}, {"cm^2", 100}, {"m^2", 1e6}};
  const auto& table = dimension == "time" ? time : dimension == "energy" ? energy : area;
  for (const auto& [name, factor] : table) {
    if (name == unit) return factor;
  }
  return std::nullopt;
}

bool TuneSpec::whole_run(const Metric& metric) const {
  switch (metric.source) {
    case Metric::Source::SimTime:
    case Metric::Source::Events: return true;
    case Metric::Source::Latency:
    case Metric::Source::Edp:
    case Metric::Source::Throughput: return !latency.has_value();
    default: return false;
  }
}

std::vector<std::size_t> TuneSpec::per_variant_objectives() const {
  std::vector<std::size_t> columns;
  if (workloads.size() < 2) return columns;
  for (std::size_t k = 0; k < objectives.size(); ++k) {
    if (!objectives[k].workload) columns.push_back(k);
  }
  return columns;
}

TuneSpec load_tune(const std::filesystem::path& path, const std::vector<Override>& overrides,
                   const PluginRegistry& registry) {
  return load_tune_text(read_toml_file(path), path.string(), path.parent_path(), overrides, registry);
}

TuneSpec load_tune_text(const std::string& text, const std::string& name, const std::filesystem::path& base_dir,
                        const std::vector<Override>& overrides, const PluginRegistry& registry) {
  TuneSpec spec;
  spec.name = name;
  spec.experiment_text = text;
  spec.base_dir = base_dir;
  spec.overrides = overrides;
  toml::table root = parse_toml(text, name);
  for (const Override& override : overrides) detail::apply_set(root, override.key, override.value);  // --set tune.*
  const toml::node* tune_node = root.get("tune");
  if (tune_node == nullptr) fail(name, "no [tune] section: `archlab tune` needs a tuner, a space and objectives");
  if (!tune_node->is_table()) fail(toml_where(*tune_node, name), "`tune` must be a table");
  if (const toml::node* ensemble = root.get("ensemble"); ensemble != nullptr) {
    fail(toml_where(*ensemble, name), "[ensemble] and [tune] cannot be combined: the tuner's batches are the ensemble");
  }
  const toml::table& tune = *tune_node->as_table();
  check_keys(tune,
             {"tuner", "budget", "batch", "seed", "output", "conditions", "params", "space", "objectives", "primary",
              "constraints", "latency", "work", "finished", "workloads", "screen"},
             name, "tune");

  // The system as it stands, for the checks below (and a bad system fails here, before any trial).
  spec.base = load_experiment_text(text, name, base_dir, overrides, registry);
  spec.base.output.clear();

  const std::string tune_where = toml_where(*tune_node, name);
  const toml::node* tuner_node = tune.get("tuner");
  if (tuner_node == nullptr || !tuner_node->is_string()) fail(tune_where, "[tune] needs `tuner = \"<name>\"` (see `archlab plugins`)");
  spec.tuner = **tuner_node->as_string();
  try {
    spec.tuner_plugin = registry.find(spec.tuner);
  } catch (const PluginError& error) {
    std::vector<std::string> tuners;
    for (const auto& plugin : registry.plugins()) {
      if (plugin->descriptor().kind == PluginKind::Tuner) tuners.emplace_back(plugin->name());
    }
    fail(toml_where(*tuner_node, name), "unknown tuner '" + spec.tuner + "'" + text::suggest(spec.tuner, tuners));
  }
  const PluginDescriptor& plugin = spec.tuner_plugin->descriptor();
  if (plugin.kind != PluginKind::Tuner || plugin.tuner == nullptr) {
    fail(toml_where(*tuner_node, name), "'" + spec.tuner + "' is a " + to_string(plugin.kind) + " plugin, not a tuner");
  }
  const auto& td = *static_cast<const TunerDescriptor*>(plugin.tuner);
  if (td.abi_version != kTunerAbiVersion || td.descriptor_size != sizeof(TunerDescriptor)) {
    throw PluginError("tuner plugin '" + spec.tuner + "' (" + spec.tuner_plugin->path().string() +
                      ") was built for tuner ABI " + std::to_string(td.abi_version) + ", this archlab uses " +
                      std::to_string(kTunerAbiVersion) + ": rebuild it");
  }
  const toml::table* params = table_at(tune, "params", name, "tune.params");
  spec.tuner_params = detail::fill_declared_params(td.params, td.nparams, td.params_size, params, name, tune_where,
                                                   "tuner '" + spec.tuner + "'");

  auto integer = [&](const char* key, std::int64_t fallback, std::int64_t low, std::int64_t high) {
    const toml::node* node = tune.get(key);
    if (node == nullptr) {
      if (fallback < 0) fail(tune_where, std::string("[tune] needs `") + key + "`");
      return fallback;
    }
    if (!node->is_integer() || **node->as_integer() < low || **node->as_integer() > high) {
      fail(toml_where(*node, name), std::string("tune.") + key + " must be an integer in [" + std::to_string(low) +
                                        ", " + std::to_string(high) + "]");
    }
    return **node->as_integer();
  };
  spec.budget = static_cast<std::uint64_t>(integer("budget", -1, 1, 1 << 30));
  spec.batch = static_cast<std::uint32_t>(integer("batch", 1, 1, 1 << 20));
  spec.seed = static_cast<std::uint64_t>(integer("seed", 1, 0, std::numeric_limits<std::int64_t>::max()));
  if (spec.budget < spec.batch) {
    fail(toml_where(*tune.get("budget"), name), "tune.budget (" + std::to_string(spec.budget) +
                                                    ") is smaller than one batch (tune.batch = " +
                                                    std::to_string(spec.batch) + ")");
  }
  if (const toml::node* output = tune.get("output"); output != nullptr) {
    if (!output->is_string()) fail(toml_where(*output, name), "tune.output must be a file name");
    spec.output = base_dir / std::filesystem::path(std::string(**output->as_string()));
  }

  const toml::table* space = table_at(tune, "space", name, "tune.space");
  if (space == nullptr || space->empty()) {
    fail(space != nullptr ? toml_where(*tune.get("space"), name) : tune_where,
         "tune.space is empty: name at least one parameter to search, e.g. \"system.components.sa.rows\" = { low = 8, "
         "high = 256 }");
  }
  for (const auto& [key, value] : in_file_order(*space)) {
    SpaceParam dim = parse_dimension(key, *value, name);
    check_parameter_path(dim, spec.base);
    spec.space.push_back(std::move(dim));
  }
  if (const toml::node* conditions = tune.get("conditions"); conditions != nullptr) {
    const toml::array* array = conditions->as_array();
    if (array == nullptr) fail(toml_where(*conditions, name), "tune.conditions must be an array of strings");
    for (const toml::node& condition : *array) {
      if (!condition.is_string()) fail(toml_where(condition, name), "a condition must be a string like \"rows * cols <= 16384\"");
      spec.conditions.emplace_back(std::string(**condition.as_string()), spec.space, toml_where(condition, name));
    }
  }

  // A statistic named by a [tune] key: "<type>.<stat>" of the base system.
  auto stat_key = [&](const toml::node& node, const std::string& what) {
    const auto text = node.value<std::string>();
    if (!text) fail(toml_where(node, name), what + " must be a statistic name \"<component type>.<statistic>\"");
    Metric metric = parse_metric(*text, toml_where(node, name), spec.base, what);
    if (metric.source != Metric::Source::Stat) {
      fail(toml_where(node, name), what + " must be a statistic \"<component type>.<statistic>\", not '" + *text + "'");
    }
    return metric;
  };
  if (const toml::node* latency = tune.get("latency"); latency != nullptr) {
    spec.latency = stat_key(*latency, "tune.latency");
    const std::string unit = stat_unit(*spec.latency, spec.base);
    if (!metric_unit_factor(unit, "time")) {
      fail(toml_where(*latency, name), "tune.latency: " + spec.latency->text + " is in '" + unit + "', not a unit of time");
    }
  }
  if (const toml::node* work = tune.get("work"); work != nullptr) spec.work = stat_key(*work, "tune.work");
  if (const toml::node* finished = tune.get("finished"); finished != nullptr) {
    const toml::table* table = finished->as_table();
    if (table == nullptr) fail(toml_where(*finished, name), "tune.finished must be a table: { stat = \"<type>.<stat>\", min = N }");
    check_keys(*table, {"stat", "min"}, name, "tune.finished");
    const auto min = number_of(table->get("min"));
    if (table->get("stat") == nullptr || !min) {
      fail(toml_where(*finished, name), "tune.finished needs `stat = \"<type>.<stat>\"` and `min = N`");
    }
    spec.finished = stat_key(*table->get("stat"), "tune.finished.stat");
    spec.finished_min = *min;
  }
  if (const toml::node* workloads = tune.get("workloads"); workloads != nullptr) {
    const toml::array* array = workloads->as_array();
    if (array == nullptr || array->empty()) {
      fail(toml_where(*workloads, name), "tune.workloads must be a non-empty array of { name = \"...\", set = { ... } }");
    }
    std::set<std::string> names;
    for (const toml::node& entry : *array) {
      const std::string location = toml_where(entry, name);
      const toml::table* table = entry.as_table();
      if (table == nullptr) fail(location, "a tune.workloads entry must be a table { name = \"...\", set = { ... } }");
      check_keys(*table, {"name", "set"}, name, "tune.workloads entry");
      TuneWorkload variant;
      const auto variant_name = table->get("name") != nullptr ? table->get("name")->value<std::string>() : std::nullopt;
      if (!variant_name || variant_name->empty()) fail(location, "a tune.workloads entry needs `name = \"...\"`");
      variant.name = *variant_name;
      if (!names.insert(variant.name).second) fail(location, "workload variant '" + variant.name + "' appears twice");
      const toml::table* set = table_at(*table, "set", name, "tune.workloads set");
      if (set != nullptr) {
        for (const auto& [key, value] : *set) {
          SpaceParam where;
          where.path = std::string(key.str());
          where.where = toml_where(value, name);
          check_parameter_path(where, spec.base);
          if (std::any_of(spec.space.begin(), spec.space.end(), [&](const SpaceParam& d) { return d.path == where.path; })) {
            fail(where.where, "workload variant '" + variant.name + "' sets \"" + where.path + "\", a dimension of the space");
          }
          if (!(value.is_string() || value.is_integer() || value.is_floating_point() || value.is_boolean())) {
            fail(where.where, "workload variant '" + variant.name + "': \"" + where.path + "\" must be a string, number or boolean");
          }
          variant.set.emplace_back(where.path, toml_text(value));
        }
      }
      if (!spec.workloads.empty()) {
        std::vector<std::string> mine, first;
        for (const auto& [path, v] : variant.set) mine.push_back(path);
        for (const auto& [path, v] : spec.workloads.front().set) first.push_back(path);
        if (mine != first) {
          fail(location, "workload variant '" + variant.name + "' sets other parameters than '" +
                             spec.workloads.front().name + "': every variant sets the same ones (" + text::join(first, ", ") + ")");
        }
      }
      spec.workloads.push_back(std::move(variant));
    }
  }
  auto variant_of = [&](const toml::table& table, const std::string& what) -> std::optional<std::size_t> {
    const toml::node* node = table.get("workload");
    if (node == nullptr) return std::nullopt;
    const auto text = node->value<std::string>();
    std::vector<std::string> names;
    for (const auto& w : spec.workloads) names.push_back(w.name);
    const auto found = text ? std::find(names.begin(), names.end(), *text) : names.end();
    if (found == names.end()) {
      fail(toml_where(*node, name), what + ": `workload` must name a variant of tune.workloads" +
                                        text::suggest(text.value_or(""), names));
    }
    return static_cast<std::size_t>(found - names.begin());
  };
  auto check_named = [&](const Metric& metric, const std::string& location, const std::string& what) {
    if (metric.source == Metric::Source::Throughput && !spec.work) {
      fail(location, what + ": 'throughput' needs [tune] `work = \"<type>.<stat>\"`, the count it divides by latency");
    }
  };

  std::set<std::string> field_names{"trial", "batch", "replica", "status", "wall_seconds", "feasible", "fidelity"};
  for (const SpaceParam& dim : spec.space) field_names.insert(dim.path);
  auto claim = [&](const std::string& field, const std::string& location) {
    if (!field_names.insert(field).second) {
      fail(location, "the name '" + field + "' is already taken (a parameter, objective, constraint or trial field)");
    }
  };
  const toml::table* objectives = table_at(tune, "objectives", name, "tune.objectives");
  if (objectives == nullptr || objectives->empty()) {
    fail(tune_where, "[tune.objectives] is empty: name at least one, e.g. latency = { stat = \"sim_time\" }");
  }
  for (const auto& [key, value] : in_file_order(*objectives)) {
    const std::string location = toml_where(*value, name);
    const std::string what = "objective '" + key + "'";
    const toml::table* table = value->as_table();
    if (table == nullptr) fail(location, what + " must be a table: { stat = \"<type>.<stat>\", goal = \"min\" }");
    check_keys(*table, {"stat", "goal", "aggregate", "workload"}, name, what);
    const auto stat = table->get("stat") != nullptr ? table->get("stat")->value<std::string>() : std::nullopt;
    if (!stat) fail(location, what + " needs `stat = \"<component type>.<statistic>\"` (or \"sim_time\", \"events\")");
    TuneObjective objective;
    objective.name = key;
    objective.metric = parse_metric(*stat, toml_where(*table->get("stat"), name), spec.base, what);
    check_named(objective.metric, toml_where(*table->get("stat"), name), what);
    objective.maximize = objective.metric.source == Metric::Source::Throughput;
    objective.workload = variant_of(*table, what);
    if (const toml::node* aggregate = table->get("aggregate"); aggregate != nullptr) {
      const auto text_aggregate = aggregate->value<std::string>();
      const std::pair<const char*, Aggregate> kinds[] = {{"mean", Aggregate::Mean}, {"geomean", Aggregate::Geomean},
                                                         {"max", Aggregate::Max},   {"min", Aggregate::Min},
                                                         {"worst", Aggregate::Worst}};
      bool known = false;
      for (const auto& [word, kind] : kinds) {
        if (text_aggregate && *text_aggregate == word) {
          objective.aggregate = kind;
          known = true;
        }
      }
      if (!known) {
        fail(toml_where(*aggregate, name), what + ": `aggregate` is \"mean\", \"geomean\", \"max\", \"min\" or \"worst\"" +
                                               text::suggest(text_aggregate.value_or(""), {"mean", "geomean", "max", "min", "worst"}));
      }
      if (objective.workload) fail(toml_where(*aggregate, name), what + ": `aggregate` and `workload` exclude each other");
    }
    if (const toml::node* goal = table->get("goal"); goal != nullptr) {
      const auto text_goal = goal->value<std::string>();
      if (!text_goal || (*text_goal != "min" && *text_goal != "max")) {
        fail(toml_where(*goal, name), what + ": `goal` is \"min\" or \"max\"");
      }
      objective.maximize = *text_goal == "max";
    }
    claim(objective.name, location);
    spec.objectives.push_back(std::move(objective));
  }
  if (const toml::node* primary = tune.get("primary"); primary != nullptr) {
    std::vector<std::string> names;
    for (const auto& objective : spec.objectives) names.push_back(objective.name);
    const auto text_primary = primary->value<std::string>();
    const auto found = text_primary ? std::find(names.begin(), names.end(), *text_primary) : names.end();
    if (found == names.end()) {
      fail(toml_where(*primary, name), "tune.primary must name an objective of [tune.objectives]" +
                                           text::suggest(text_primary.value_or(""), names));
    }
    // The primary objective goes first: single-objective tuners, `best` and the progress line
    // all take objective 0.
    std::rotate(spec.objectives.begin(), spec.objectives.begin() + (found - names.begin()),
                spec.objectives.begin() + (found - names.begin()) + 1);
  }
  for (std::size_t k : spec.per_variant_objectives()) {
    for (const auto& variant : spec.workloads) claim(spec.objectives[k].name + "@" + variant.name, tune_where);
  }
  if (const toml::table* constraints = table_at(tune, "constraints", name, "tune.constraints"); constraints != nullptr) {
    for (const auto& [key, value] : in_file_order(*constraints)) {
      const std::string location = toml_where(*value, name);
      const std::string what = "constraint '" + key + "'";
      const toml::table* table = value->as_table();
      if (table == nullptr) fail(location, what + " must be a table: { stat = \"<type>.<stat>\", max = 400 }");
      check_keys(*table, {"stat", "max", "min", "workload"}, name, what);
      const auto stat = table->get("stat") != nullptr ? table->get("stat")->value<std::string>() : std::nullopt;
      if (!stat) fail(location, what + " needs `stat = \"<component type>.<statistic>\"` (or \"sim_time\", \"events\")");
      const auto max = number_of(table->get("max"));
      const auto min = number_of(table->get("min"));
      if (max.has_value() == min.has_value()) fail(location, what + " needs exactly one bound: `max = ...` or `min = ...`");
      TuneConstraint constraint;
      constraint.name = key;
      constraint.metric = parse_metric(*stat, toml_where(*table->get("stat"), name), spec.base, what);
      check_named(constraint.metric, toml_where(*table->get("stat"), name), what);
      constraint.workload = variant_of(*table, what);
      constraint.upper = max.has_value();
      constraint.bound = max.value_or(min.value_or(0));
      claim(constraint.name, location);
      spec.constraints.push_back(std::move(constraint));
    }
  }
  if (const toml::table* screen = table_at(tune, "screen", name, "tune.screen"); screen != nullptr) {
    check_keys(*screen, {"fidelity", "keep"}, name, "tune.screen");
    const toml::node* fidelity = screen->get("fidelity");
    if (fidelity == nullptr || fidelity->value<std::string>() != "analytical") {
      fail(fidelity != nullptr ? toml_where(*fidelity, name) : toml_where(*tune.get("screen"), name),
           "tune.screen needs `fidelity = \"analytical\"` (the only screening fidelity)");
    }
    const toml::node* keep = screen->get("keep");
    const std::optional<double> fraction = keep != nullptr ? keep->value<double>() : std::nullopt;
    if (!fraction || !(*fraction > 0.0 && *fraction <= 1.0)) {
      fail(keep != nullptr ? toml_where(*keep, name) : toml_where(*tune.get("screen"), name),
           "tune.screen needs `keep`, the fraction of the candidates simulated event by event, in (0, 1]");
    }
    spec.screen.enabled = true;
    spec.screen.keep = *fraction;
    check_screen_metrics(spec, toml_where(*tune.get("screen"), name));
  }
  return spec;
}

namespace {

/// One replica per (point, variant) pair.
ExperimentSpec replicas_experiment(const TuneSpec& spec, const std::vector<std::pair<const std::vector<double>*, std::size_t>>& replicas,
                                   const PluginRegistry& registry) {
  toml::table root = parse_toml(spec.experiment_text, spec.name);
  root.erase("tune");
  root.erase("output");
  toml::table vary;
  for (std::size_t d = 0; d < spec.space.size(); ++d) {
    toml::array values;
    for (const auto& [point, variant] : replicas) {
      toml::table one = parse_toml("v = " + spec.value_toml(d, point->at(d)), spec.name);
      values.push_back(*one.get("v"));
    }
    vary.insert(spec.space[d].path, std::move(values));
  }
  if (!spec.workloads.empty()) {
    for (std::size_t k = 0; k < spec.workloads.front().set.size(); ++k) {
      toml::array values;
      for (const auto& [point, variant] : replicas) {
        toml::table one = parse_toml("v = " + spec.workloads.at(variant).set.at(k).second, spec.name);
        values.push_back(*one.get("v"));
      }
      vary.insert(spec.workloads.front().set[k].first, std::move(values));
    }
  }
  toml::table ensemble;
  ensemble.insert("replicas", static_cast<std::int64_t>(replicas.size()));
  ensemble.insert("vary", std::move(vary));
  root.insert("ensemble", std::move(ensemble));
  std::ostringstream text;
  text << root;
  ExperimentSpec experiment = load_experiment_text(text.str(), spec.name, spec.base_dir, spec.overrides, registry);
  experiment.experiment_text = spec.experiment_text;
  experiment.output.clear();
  return experiment;
}

}  // namespace

bool has_tune_section(const std::filesystem::path& path) {
  return parse_toml(read_toml_file(path), path.string()).contains("tune");
}

std::vector<std::string> check_space_values(const TuneSpec& spec, const PluginRegistry& registry) {
  std::vector<SpaceDimension> dims(spec.space.size());
  std::vector<double> lowest(spec.space.size());
  for (std::size_t d = 0; d < spec.space.size(); ++d) {
    const SpaceParam& p = spec.space[d];
    dims[d] = SpaceDimension{p.path.c_str(), p.kind, p.low, p.high, p.step, p.log_scale ? 1U : 0U,
                             static_cast<std::uint32_t>(p.choices.size()), nullptr};
    lowest[d] = p.kind == DimensionKind::Choice ? 0.0 : p.low;
  }
  std::vector<std::string> problems;
  std::set<std::vector<double>> tried;
  for (std::size_t d = 0; d < spec.space.size(); ++d) {
    std::vector<double> values;
    const std::uint64_t count = tuning::grid_count(dims[d]);
    if (spec.space[d].kind == DimensionKind::Choice) {
      for (std::uint64_t k = 0; k < count; ++k) values.push_back(static_cast<double>(k));
    } else {
      values = {spec.space[d].low, count > 0 ? tuning::grid_value(dims[d], count - 1) : spec.space[d].high};
    }
    for (const double value : values) {
      std::vector<double> point = lowest;
      point[d] = value;
      if (!spec.admissible(point.data()) || !tried.insert(point).second) continue;
      try {
        (void)batch_experiment(spec, std::span<const std::vector<double>>(&point, 1), registry);
      } catch (const std::exception& error) {
        std::string value_text = spec.value_toml(d, value);
        problems.push_back(spec.space[d].where + ": \"" + spec.space[d].path + "\" = " + value_text +
                           " (the other dimensions at their lowest) is rejected: " + error.what());
      }
    }
  }
  return problems;
}

ExperimentSpec batch_experiment(const TuneSpec& spec, std::span<const std::vector<double>> points,
                                const PluginRegistry& registry) {
  std::vector<std::pair<const std::vector<double>*, std::size_t>> replicas;
  for (const auto& point : points) {
    for (std::size_t v = 0; v < spec.variants(); ++v) replicas.emplace_back(&point, v);
  }
  return replicas_experiment(spec, replicas, registry);
}

ExperimentSpec batch_experiment(const TuneSpec& spec, std::span<const std::vector<double>> points,
                                const PluginRegistry& registry, std::size_t variant) {
  std::vector<std::pair<const std::vector<double>*, std::size_t>> replicas;
  for (const auto& point : points) replicas.emplace_back(&point, variant);
  return replicas_experiment(spec, replicas, registry);
}

}  // namespace archlab
