// The `archlab` program: run, check, estimate, plugins, tune, verify.
// Exit status: 0 success, 2 bad input (configuration, plugins, output path), 1 failure at run time.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

#include "archlab/analytical.hpp"
#include "archlab/config.hpp"
#include "archlab/errors.hpp"
#include "archlab/input_limits.hpp"
#include "archlab/plugin_loader.hpp"
#include "archlab/run.hpp"
#include "archlab/text.hpp"
#include "archlab/tune.hpp"
#include "archlab/units.hpp"
#include "archlab/verify.hpp"
#include "archlab/version.hpp"
#ifdef ARCHLAB_WITH_MPI
#include "archlab/mpi.hpp"
#endif

namespace {

constexpr int kExitBadInput = 2;
constexpr int kExitRunFailure = 1;

std::vector<archlab::Override> parse_overrides(const std::vector<std::string>& items) {
  std::vector<archlab::Override> overrides;
  for (const std::string& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw archlab::ConfigError("--set " + archlab::limits::clip(item) +
                                 ": expected key=value, for example --set seed=7");
    }
    overrides.push_back({item.substr(0, eq), item.substr(eq + 1)});
  }
  return overrides;
}

/// Where archlab's data (examples/, models/, workloads/zoo/, python/) is looked for, in order:
/// ARCHLAB_DATA_DIR, the install tree, the source tree this program was built from.
std::vector<std::filesystem::path> data_dirs() {
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv("ARCHLAB_DATA_DIR"); env != nullptr && *env != '\0') dirs.emplace_back(env);
  dirs.emplace_back(ARCHLAB_INSTALL_DATA_DIR);
  dirs.emplace_back(ARCHLAB_SOURCE_DATA_DIR);
  return dirs;
}

/// The built-in co-design study (`archlab tune` without a file): examples/codesign.toml from the
/// first data directory that has it.
std::string default_study() {
  std::string tried;
  for (const auto& dir : data_dirs()) {
    const auto file = dir / "examples" / "codesign.toml";
    if (std::filesystem::is_regular_file(file)) return file.string();
    tried += "\n  " + file.string();
  }
  throw archlab::ConfigError("the built-in co-design study (examples/codesign.toml) is not installed; looked for:" +
                             tried + "\nset ARCHLAB_DATA_DIR to a directory holding examples/, models/ and workloads/zoo/");
}

archlab::ExperimentSpec load(const std::string& file, const std::vector<std::string>& sets,
                             const std::vector<archlab::Override>& options, const archlab::PluginRegistry& registry) {
  auto overrides = parse_overrides(sets);
  overrides.insert(overrides.end(), options.begin(), options.end());
  if (file.empty()) {
    return archlab::load_experiment_text(archlab::default_experiment_text(), "built-in default", ".", overrides,
                                         registry);
  }
  return archlab::load_experiment(file, overrides, registry);
}

void print_params(const char* heading, const archlab::ParamSpec* params, std::uint32_t nparams) {
  using archlab::to_string;
  std::printf("    %s\n", heading);
  for (std::uint32_t i = 0; i < nparams; ++i) {
    const auto& p = params[i];
    std::string type = to_string(p.type);
    if (p.type == archlab::ParamType::Choice && p.choices != nullptr) {
      // A long list (memory.dram's 1,442 address maps) is cut: its doc says what is valid.
      const std::string choices(p.choices);
      const std::size_t count = static_cast<std::size_t>(std::count(choices.begin(), choices.end(), '|')) + 1;
      std::size_t cut = 0; // where the first kListedWhenLong choices end
      for (std::size_t k = 0; k < archlab::text::kListedWhenLong && cut != std::string::npos; ++k)
        cut = choices.find('|', k == 0 ? 0 : cut + 1);
      type += count <= archlab::text::kListedAtMost
                  ? " {" + choices + "}"
                  : " {" + choices.substr(0, cut) + "|... " + std::to_string(count) + " in all}";
    }
    std::printf("      %-20s %-16s %-22s %s\n", p.name, type.c_str(),
                p.default_text != nullptr ? (std::string("= ") + p.default_text).c_str() : "(required)", p.doc);
  }
}

void print_tuner(const archlab::Plugin& plugin) {
  const auto& t = *static_cast<const archlab::TunerDescriptor*>(plugin.descriptor().tuner);
  std::printf("    file: %s\n", plugin.path().c_str());
  if (t.abi_version != archlab::kTunerAbiVersion || t.descriptor_size != sizeof(archlab::TunerDescriptor)) {
    std::printf("    built for tuner ABI %u, this archlab uses %u: rebuild it\n", t.abi_version,
                archlab::kTunerAbiVersion);
    return;
  }
  static constexpr const char* kOptimises[] = {"nothing: explores the space without looking at results",
                                               "the primary objective alone ([tune] primary, else the first written)",
                                               "every objective (a Pareto front)"};
  const auto goal = static_cast<std::uint32_t>(t.objectives);
  std::printf("    optimises: %s\n", goal < 3 ? kOptimises[goal] : "(unknown)");
  print_params("parameters ([tune.params]):", t.params, t.nparams);
}

void print_plugins(const archlab::PluginRegistry& registry, bool verbose) {
  using archlab::to_string;
  std::printf("Plugin search path:\n");
  for (const auto& dir : registry.search_path()) std::printf("  %s\n", dir.c_str());
  std::printf("\n%-14s %-24s %-8s %s\n", "KIND", "NAME", "VERSION", "DESCRIPTION");
  auto plugins = registry.plugins();
  std::sort(plugins.begin(), plugins.end(), [](const auto& a, const auto& b) {
    const auto& x = a->descriptor();
    const auto& y = b->descriptor();
    return x.kind != y.kind ? x.kind < y.kind : std::string_view(x.name) < std::string_view(y.name);
  });
  for (const auto& plugin : plugins) {
    const auto& d = plugin->descriptor();
    std::printf("%-14s %-24s %-8s %s\n", to_string(d.kind), d.name, d.version, d.description);
    if (verbose && d.kind == archlab::PluginKind::Tuner && d.tuner != nullptr) print_tuner(*plugin);
    if (!verbose || d.component == nullptr) continue;
    const auto& c = *d.component;
    std::printf("    file: %s\n", plugin->path().c_str());
    std::printf("    device code: %s\n", c.batch_cuda != nullptr ? "yes" : "no (built without CUDA: the cuda engine refuses it)");
    print_params("parameters:", c.params, c.nparams);
    std::printf("    ports:\n");
    for (std::uint32_t i = 0; i < c.nports; ++i) {
      std::printf("      %-20s %-16s %s\n", c.ports[i].name,
                  c.ports[i].direction == archlab::PortDirection::In ? "in" : "out", c.ports[i].doc);
    }
    std::printf("    statistics:\n");
    for (std::uint32_t i = 0; i < c.nstats; ++i) {
      std::printf("      %-20s %-16s %s\n", c.stats[i].name, c.stats[i].unit, c.stats[i].doc);
    }
    static constexpr const char* kColumnTypes[] = {"u32", "u64", "f64", "string"};
    for (std::uint32_t t = 0; t < c.ntables; ++t) {
      const auto& table = c.tables[t];
      std::printf("    table /workload/<name>/%s: %s\n", table.name, table.doc);
      for (std::uint32_t k = 0; k < table.ncolumns; ++k) {
        const auto& column = table.columns[k];
        std::printf("      %-20s %-6s %-10s %s\n", column.name, kColumnTypes[static_cast<int>(column.type)],
                    column.unit, column.doc);
      }
    }
  }
  if (!registry.shadowed().empty()) {
    std::printf("\nPlugins found more than once (the first on the search path is used):\n");
    for (const auto& shadow : registry.shadowed()) {
      std::printf("  %-24s %s\n  %-24s ignored: %s\n", shadow.name.c_str(), shadow.used.c_str(), "",
                  shadow.ignored.c_str());
    }
  }
  if (!registry.failures().empty()) {
    std::printf("\nFiles that failed to load:\n");
    for (const auto& failure : registry.failures()) std::printf("  %s\n", failure.message.c_str());
  }
}

void print_report(const archlab::RunReport& report) {
  const auto& r = report.result;
  std::printf("engine      %s\n", report.engine.c_str());
  std::printf("status      %s\n", r.status.c_str());
  std::printf("sim time    %s\n", archlab::units::format_time(r.final_time).c_str());
  std::printf("events      %llu (%llu pending)\n", static_cast<unsigned long long>(r.events),
              static_cast<unsigned long long>(r.pending));
  std::printf("wall time   %.3f s (%.3g events/s)\n", r.wall_seconds,
              r.wall_seconds > 0 ? static_cast<double>(r.events) / r.wall_seconds : 0.0);
  for (const auto& total : report.totals) {
    // A histogram's empty bins would bury the other totals; the file keeps every bin.
    if (total.kind == archlab::StatSlotInfo::Kind::HistogramBin && total.total == 0) continue;
    if (report.replicas > 1) std::printf("  replica %-6u", total.replica);
    std::printf("  %-24s %-20s %.6g %s\n", total.type.c_str(), total.stat.c_str(), total.total, total.unit.c_str());
  }
  if (!report.report_text.empty()) std::printf("\n%s\n", report.report_text.c_str());
  if (!report.output.empty()) std::printf("output      %s\n", report.output.c_str());
}

/// The unit an objective's values are in: the named metrics' own; a statistic's from its
/// plugin; "" when unknown.
std::string objective_unit(const archlab::Metric& metric, const archlab::PluginRegistry& registry) {
  using Source = archlab::Metric::Source;
  switch (metric.source) {
    case Source::SimTime:
    case Source::Latency: return "ps";
    case Source::Events: return "events";
    case Source::Energy: return "pJ";
    case Source::Area: return "mm^2";
    case Source::Edp: return "pJ*ps";
    case Source::Throughput: return "1/s";
    case Source::Stat: break;
  }
  try {
    const auto* component = registry.find(metric.type)->component();
    for (std::uint32_t i = 0; component != nullptr && i < component->nstats; ++i) {
      if (metric.stat == component->stats[i].name) return component->stats[i].unit;
    }
  } catch (const std::exception&) {
    // checked when the study loaded; a header without a unit is no reason to fail here
  }
  return "";
}

/// " on N ranks" when a study's batches were shared out over MPI ranks; "" in one process.
std::string on_ranks(int ranks) { return ranks > 1 ? " on " + std::to_string(ranks) + " ranks" : ""; }

/// A design parameter's value as the user wrote it ("os", "256 GB/s", "96").
std::string point_text(const archlab::TuneSpec& spec, std::size_t dim, double value) {
  std::string text = spec.space[dim].kind == archlab::DimensionKind::Choice
                         ? spec.space[dim].choices.at(static_cast<std::size_t>(value))
                         : spec.value_toml(dim, value);
  if (text.size() >= 2 && text.front() == '"') text = text.substr(1, text.size() - 2);
  return text;
}

/// "Best design for each workload": for every objective taken from one workload variant
/// (`workload = "..."`), the simulated feasible trial with its best value. The parameters whose
/// values differ between the winners are starred: they are what the workloads disagree on.
void print_winners(const archlab::TuneSpec& spec, const archlab::StudyReport& report) {
  std::vector<std::pair<std::size_t, const archlab::Trial*>> winners; // objective, its best trial
  for (std::size_t o = 0; o < spec.objectives.size(); ++o) {
    if (!spec.objectives[o].workload) continue;
    const archlab::Trial* best = nullptr;
    for (const auto& trial : report.trials) {
      if (trial.fidelity != "event" || !trial.feasible()) continue;
      const double value = trial.objectives[o];
      if (best == nullptr ||
          (spec.objectives[o].maximize ? value > best->objectives[o] : value < best->objectives[o])) {
        best = &trial;
      }
    }
    if (best != nullptr) winners.emplace_back(o, best);
  }
  if (winners.empty()) return;
  std::vector<bool> differs(spec.space.size(), false);
  for (std::size_t d = 0; d < spec.space.size(); ++d) {
    for (const auto& [objective, trial] : winners)
      differs[d] = differs[d] || trial->point[d] != winners[0].second->point[d];
  }
  std::printf("best design for each workload (* the parameters that differ between them):\n");
  std::printf("  %-14s %-6s %-20s", "workload", "trial", "value");
  for (std::size_t d = 0; d < spec.space.size(); ++d) {
    const std::string name = spec.space[d].path.substr(spec.space[d].path.rfind('.') + 1);
    std::printf(" %-16s", ((differs[d] ? "*" : "") + name).c_str());
  }
  std::printf("\n");
  for (const auto& [objective, trial] : winners) {
    const std::string label = spec.workloads.at(*spec.objectives[objective].workload).name;
    std::printf("  %-14s %-6u %-20.6g", label.c_str(), trial->number, trial->objectives[objective]);
    for (std::size_t d = 0; d < spec.space.size(); ++d)
      std::printf(" %-16s", point_text(spec, d, trial->point[d]).c_str());
    std::printf("\n");
  }
  const bool one_design = std::all_of(winners.begin(), winners.end(),
                                      [&](const auto& winner) { return winner.second == winners[0].second; });
  if (winners.size() > 1 && one_design) {
    std::printf("one design, trial %u, is the best for every workload\n", winners[0].second->number);
  }
}

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text)
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

/// The picture of a study with per-workload objectives (the front and each workload's winner),
/// drawn by the Python package (`python3 -m archlab codesign`), found installed or in python/src of
/// the data directories. Without Python, the package or matplotlib, the study stands as it is:
/// this says so and returns.
void draw_picture(const std::filesystem::path& study) {
  std::string path;
  for (const auto& dir : data_dirs()) {
    if (std::filesystem::is_directory(dir / "python" / "src" / "archlab"))
      path += (dir / "python" / "src").string() + ":";
  }
  const auto picture = std::filesystem::path(study).replace_extension(".png");
  const std::string command = "PYTHONPATH=" + shell_quote(path) + "\"${PYTHONPATH:-}\" python3 -m archlab codesign " +
                              shell_quote(study.string()) + " -q -o " + shell_quote(picture.string()) + " >/dev/null";
  std::fflush(stdout);
  const int status = std::system(command.c_str());
  if (status == 0 && std::filesystem::is_regular_file(picture)) {
    std::printf("picture     %s\n", picture.string().c_str());
  } else {
    std::printf("picture     not drawn: `python3 -m archlab codesign` (the Python package, python/) failed or is "
                "missing; the study is complete without it\n");
  }
}

void print_study(const archlab::TuneSpec& spec, const archlab::StudyReport& report,
                 const archlab::PluginRegistry& registry, int ranks) {
  std::size_t failed = 0;
  std::size_t estimated = 0;
  for (const auto& trial : report.trials) {
    failed += trial.ok() ? 0 : 1;
    estimated += trial.fidelity == "analytical" ? 1 : 0;
  }
  std::printf("tuner       %s, %zu trials (%zu failed) in %.3f s%s%s\n", spec.tuner.c_str(), report.trials.size(),
              failed, report.wall_seconds, on_ranks(ranks).c_str(),
              report.exhausted ? "; the tuner had no more points to propose" : "");
  if (estimated > 0) {
    std::printf("fidelity    %zu simulated event by event, %zu estimated analytically ([tune.screen]); the front is "
                "of simulated trials\n",
                report.trials.size() - estimated, estimated);
  }
  if (!report.output.empty()) std::printf("study       %s\n", report.output.c_str());
  if (report.pareto.empty()) {
    std::printf("no feasible trial\n");
    return;
  }
  std::printf(spec.objectives.size() == 1 ? "best design:\n" : "Pareto front (%zu designs):\n", report.pareto.size());
  std::printf("  %-6s", "trial");
  for (const auto& dim : spec.space) std::printf(" %-16s", dim.path.substr(dim.path.rfind('.') + 1).c_str());
  for (const auto& objective : spec.objectives) {
    const std::string unit = objective_unit(objective.metric, registry);
    std::printf(" %-20s", (objective.name + (unit.empty() ? "" : ", " + unit) + (objective.maximize ? " (max)" : " (min)")).c_str());
  }
  std::printf("\n");
  for (const std::uint32_t row : report.pareto) {
    const auto& trial = report.trials[row];
    std::printf("  %-6u", trial.number);
    for (std::size_t d = 0; d < spec.space.size(); ++d)
      std::printf(" %-16s", point_text(spec, d, trial.point[d]).c_str());
    for (const double value : trial.objectives) std::printf(" %-20.6g", value);
    std::printf("\n");
  }
  print_winners(spec, report);
}

}  // namespace

int main(int argc, char** argv) {
  // Under mpirun (or srun) every rank runs this program with the same arguments: rank 0 prints
  // and writes files, the others work for it. Started alone, archlab does not touch MPI.
  int rank = 0;
  int ranks = 1;
#ifdef ARCHLAB_WITH_MPI
  std::optional<archlab::mpi::Session> mpi;
  if (archlab::mpi::launched_by_mpi()) {
    mpi.emplace(argc, argv);
    rank = mpi->rank();
    ranks = mpi->size();
  }
#endif
  if (rank != 0 && std::freopen("/dev/null", "w", stdout) == nullptr) return kExitRunFailure;

  CLI::App app{"archlab: discrete-event simulation for ML hardware co-design"};
  app.set_version_flag("--version", archlab::kVersion);
  app.require_subcommand(1);

  std::string run_file;
  std::vector<std::string> run_sets;
  std::string run_output;
  std::string run_engine;
  bool quiet = false;
  auto* run = app.add_subcommand("run", "Run an experiment (without FILE: the built-in default PHOLD run)");
  run->add_option("file", run_file, "experiment file (TOML)");
  run->add_option("--set", run_sets, "override a value: key.path=value (repeatable)");
  run->add_option("-o,--output", run_output, "output HDF5 file (overrides `output`)");
  run->add_option("--engine", run_engine, "engine: auto, sequential, windowed, cuda, mpi (overrides `engine`)");
  unsigned run_threads = 0;
  run->add_option("--threads", run_threads, "threads of the windowed engine (overrides `threads`; 0: all cores)");
  run->add_flag("-q,--quiet", quiet, "no progress line");

  std::string check_file;
  std::vector<std::string> check_sets;
  auto* check = app.add_subcommand("check", "Validate an experiment or system model file without running it");
  check->add_option("file", check_file, "experiment or system model file (TOML)")->required();
  check->add_option("--set", check_sets, "override a value: key.path=value (repeatable)");

  std::string estimate_file;
  std::vector<std::string> estimate_sets;
  auto* estimate = app.add_subcommand("estimate", "Estimate an experiment analytically, without the event engine "
                                                  "(the workloads' closed forms; workload.dnn has one)");
  estimate->add_option("file", estimate_file, "experiment file (TOML)")->required();
  estimate->add_option("--set", estimate_sets, "override a value: key.path=value (repeatable)");
  std::string estimate_csv;
  estimate->add_option("--csv", estimate_csv, "also write every row (operator) of every workload to this CSV file");

  std::string verify_file;
  std::vector<std::string> verify_sets;
  auto* verify = app.add_subcommand("verify",
                                    "Run an experiment on every engine (sequential, windowed at 1-4 threads, the GPU "
                                    "algorithm on the host, cuda when present) and compare statistics, samples and "
                                    "traces bit for bit");
  verify->add_option("file", verify_file, "experiment file (TOML); keep it short: every event is traced")->required();
  verify->add_option("--set", verify_sets, "override a value: key.path=value (repeatable)");

  bool verbose = false;
  auto* plugins = app.add_subcommand("plugins", "List the plugins found on the search path");
  plugins->add_flag("-v,--verbose", verbose, "show every parameter, port and statistic");

  std::string tune_file;
  std::vector<std::string> tune_sets;
  std::string tune_output;
  std::string tune_resume;
  auto* tune = app.add_subcommand("tune", "Run (or resume) a tuning study: the experiment's [tune] section "
                                          "(without FILE: the built-in co-design study, examples/codesign.toml)");
  tune->add_option("file", tune_file, "experiment file with a [tune] section (TOML)");
  tune->add_option("--set", tune_sets, "override a value of the experiment: key.path=value (repeatable)");
  tune->add_option("-o,--output", tune_output, "study file (HDF5; overrides tune.output)");
  tune->add_option("--resume", tune_resume, "continue the study in this file until the budget is spent");
  tune->add_flag("-q,--quiet", quiet, "no progress line");
  bool picture = true;
  tune->add_flag("!--no-picture", picture,
                 "with per-workload objectives, do not draw STUDY.png (the front and each workload's best design)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : kExitBadInput;
  }

  try {
    const archlab::PluginRegistry registry;
    // A plugin on ARCHLAB_PLUGIN_PATH that is also elsewhere: say which copy runs (a stale build
    // shadowing a new one is otherwise invisible). Install and build tree copies stay quiet.
    for (const auto& shadow : registry.shadowed()) {
      if (!shadow.user_path || *plugins) continue;
      std::fprintf(stderr, "warning: plugin '%s' is found twice on the plugin path: using %s, ignoring %s\n",
                   shadow.name.c_str(), shadow.used.c_str(), shadow.ignored.c_str());
    }
    if (*plugins) {
      print_plugins(registry, verbose);
      return 0;
    }
    if (*check) {
      const auto overrides = parse_overrides(check_sets);
      if (archlab::is_system_file(check_file)) {
        const auto system = archlab::load_system(check_file, overrides, registry);
        std::printf("%s: OK (system model: %zu components, %zu links)\n", check_file.c_str(),
                    system.components.size(), system.links.size());
      } else if (archlab::has_tune_section(check_file)) {
        const auto spec = archlab::load_tune(check_file, overrides, registry);
        archlab::check_experiment(spec.base);
        const auto problems = archlab::check_space_values(spec, registry);
        for (const auto& problem : problems) std::fprintf(stderr, "error: %s\n", problem.c_str());
        if (!problems.empty()) return kExitBadInput;
        std::printf(
            "%s: OK (study: tuner %s, %zu dimensions, %zu objectives, %zu constraints, budget %llu, batch %u)\n",
            check_file.c_str(), spec.tuner.c_str(), spec.space.size(), spec.objectives.size(), spec.constraints.size(),
            static_cast<unsigned long long>(spec.budget), spec.batch);
        std::printf("  %s\n", spec.optimises().c_str());
      } else {
        const auto spec = archlab::load_experiment(check_file, overrides, registry);
        archlab::check_experiment(spec);
        std::printf("%s: OK (experiment: %zu components, %zu links, engine %s)\n", check_file.c_str(),
                    spec.system.components.size(), spec.system.links.size(), spec.engine.c_str());
      }
      return 0;
    }
    if (*estimate) {
      const auto spec = archlab::load_experiment(estimate_file, parse_overrides(estimate_sets), registry);
      std::printf("estimating %s (analytical: no events)\n", spec.experiment_name.c_str());
      const auto results = archlab::estimate(spec);
      for (const auto& result : results) {
        std::printf("%s (%s):\n%s", result.component.c_str(), result.type.c_str(), result.text.c_str());
      }
      if (!estimate_csv.empty()) archlab::write_estimate_csv(estimate_csv, results);
      return 0;
    }
    if (*verify) {
      auto sets = verify_sets;
      sets.push_back("engine=\"sequential\"");  // the file's engine is one of those verify runs anyway
      const auto spec = archlab::load_experiment(verify_file, parse_overrides(sets), registry);
      archlab::check_experiment(spec);
      std::printf("verifying %s on every engine against the sequential engine\n", verify_file.c_str());
      std::fflush(stdout);
      const auto report = archlab::verify_experiment(spec, [](const archlab::EngineCheck& check) {
        const std::string name =
            check.engine + (check.engine == "windowed" ? " x" + std::to_string(check.threads) : "");
        const std::string verdict = check.identical() ? "identical" : "DIFFERS: " + check.difference;
        std::printf("  %-16s %s (%.3f s)\n", name.c_str(), verdict.c_str(), check.result.wall_seconds);
        std::fflush(stdout);
      });
      if (report.cuda_skipped) std::printf("  %-16s skipped: no CUDA device in this build or machine\n", "cuda");
      std::printf("reference   sequential: %s, %llu events, final time %s, %zu samples, %zu trace records\n",
                  report.reference.status.c_str(), static_cast<unsigned long long>(report.reference.events),
                  archlab::units::format_time(report.reference.final_time).c_str(), report.samples,
                  report.trace_records);
      if (!report.identical()) {
        std::printf("FAILED: an engine differs from the sequential engine (see DIFFERS above)\n");
        return kExitRunFailure;
      }
      std::printf("OK: every engine gave the same statistics, samples and trace, bit for bit\n");
      return 0;
    }
    if (*tune) {
      if (tune_file.empty()) {
        tune_file = default_study();
        // The built-in study's own folder may not be writable (an installed archlab): write here.
        if (tune_output.empty() && tune_resume.empty()) tune_output = "codesign.h5";
      }
      const auto spec = archlab::load_tune(tune_file, parse_overrides(tune_sets), registry);
      archlab::StudyOptions options;
      options.output = tune_output;
      options.resume = tune_resume;
      const bool show_progress = rank == 0 && !quiet && ::isatty(STDERR_FILENO);
      if (show_progress) {
        options.progress = [ranks](const archlab::StudyProgress& p) {
          std::fprintf(stderr, "\r  trials %llu/%llu (%llu failed)  best %-12s  pareto %-4zu  %.3g trials/s%s   ",
                       static_cast<unsigned long long>(p.trials_done), static_cast<unsigned long long>(p.budget),
                       static_cast<unsigned long long>(p.failed),
                       p.best ? std::to_string(*p.best).c_str() : "-", p.pareto_size, p.trials_per_second,
                       on_ranks(ranks).c_str());
        };
      }
      std::printf("tuning %s with %s (budget %llu, batch %u)%s\n  %s\n", spec.name.c_str(), spec.tuner.c_str(),
                  static_cast<unsigned long long>(spec.budget), spec.batch, on_ranks(ranks).c_str(),
                  spec.optimises().c_str());
      std::fflush(stdout);
#ifdef ARCHLAB_WITH_MPI
      const std::optional<archlab::StudyReport> report = archlab::mpi::run_study(spec, registry, options);
      if (!report) return 0;  // a rank that evaluated shares for rank 0
#else
      const std::optional<archlab::StudyReport> report = archlab::run_study(spec, registry, options);
#endif
      if (show_progress) std::fprintf(stderr, "\r%100s\r", "");
      print_study(spec, *report, registry, ranks);
      const bool per_workload = std::any_of(spec.objectives.begin(), spec.objectives.end(),
                                            [](const auto& objective) { return objective.workload.has_value(); });
      if (picture && per_workload && !report->output.empty() && !report->pareto.empty()) draw_picture(report->output);
      return 0;
    }
    // Options become overrides that are never read as TOML: a path is the characters given.
    std::vector<archlab::Override> options;
    if (!run_engine.empty()) options.push_back({"engine", run_engine, true});
    if (!run_output.empty()) options.push_back({"output", run_output, true});
    if (run_threads > 0) options.push_back({"threads", std::to_string(run_threads)});
    const auto spec = load(run_file, run_sets, options, registry);
    if (ranks > 1 && spec.engine != "mpi") {
      throw archlab::ConfigError("archlab run on " + std::to_string(ranks) + " MPI ranks needs engine = \"mpi\" "
                                 "(or --engine mpi); engine '" + spec.engine +
                                 "' would run the whole simulation once on every rank");
    }
    const bool show_progress = rank == 0 && !quiet && ::isatty(STDERR_FILENO);
    std::function<void(const archlab::Progress&)> progress;
    if (show_progress) {
      progress = [](const archlab::Progress& p) {
        std::fprintf(stderr, "\r  sim time %-14s events %-12llu %.3g events/s   ",
                     archlab::units::format_time(p.sim_time).c_str(), static_cast<unsigned long long>(p.events),
                     p.wall_seconds > 0 ? static_cast<double>(p.events) / p.wall_seconds : 0.0);
      };
    }
    std::printf("running %s\n", spec.experiment_name.c_str());
    std::fflush(stdout);
    const auto report = archlab::run_experiment(spec, progress);
    if (show_progress) std::fprintf(stderr, "\r%80s\r", "");
    print_report(report);
    return 0;
  } catch (const archlab::ConfigError& error) {
    // Bad input is the same on every rank: rank 0 says it once.
    if (rank == 0) std::fprintf(stderr, "error: %s\n", error.what());
    return kExitBadInput;
  } catch (const archlab::PluginError& error) {
    if (rank == 0) std::fprintf(stderr, "error: %s\n", error.what());
    return kExitBadInput;
  } catch (const archlab::OutputError& error) {
    if (rank == 0) std::fprintf(stderr, "error: %s\n", error.what());
    return kExitBadInput;
  } catch (const std::exception& error) {
    if (rank == 0) std::fprintf(stderr, "error: run failed: %s\n", error.what());
    return kExitRunFailure;
  }
}
