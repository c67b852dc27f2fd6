// The co-design loop: an experiment's [tune] section, the study that runs it (each batch a tuner
// asks for is one ensemble run), and the study file.
//
//   [tune]
//   tuner = "random"                 # a tuner plugin (see `archlab plugins`)
//   budget = 64                      # trials in all
//   batch = 8                        # design points per ensemble run
//   seed = 1                         # the tuner's seed (the simulation keeps the experiment's)
//   output = "study.h5"              # the study file (or -o)
//   conditions = ["system.components.sa.rows * system.components.sa.cols <= 16384"]
//   [tune.params]                    # the tuner's own parameters
//   [tune.space]                     # parameter path = range or choices
//   "system.components.sa.rows" = { low = 8, high = 256, log = true, step = 8 }
//   "system.components.sa.clock" = { low = 0.5, high = 2.0, unit = "GHz" }
//   "system.components.sa.dataflow" = { choices = ["os", "ws", "is"] }
//   "system.components.buf.size" = { choices = [16, 32], unit = "KiB" }   # or ["16 KiB", "32 KiB"]
//   latency = "workload.gemm_driver.completion_time"   # a replica's latency (optional; see below)
//   work = "workload.gemm_driver.macs"                 # what `throughput` counts (optional)
//   finished = { stat = "workload.gemm_driver.done", min = 4 }  # when the workload is done (optional)
//   workloads = [{ name = "small", set = { "workloads.ctrl.m" = 64 } },
//                { name = "large", set = { "workloads.ctrl.m" = 512 } }]
//   primary = "latency"              # the objective single-objective tuners optimise (optional)
//   [tune.objectives]                # name = { stat = <metric>, goal = "min" | "max",
//                                    #          aggregate = "mean" | "geomean" | "max" | "min" | "worst",
//                                    #          workload = "<variant name>" }
//   latency = { stat = "workload.gemm_driver.completion_time" }
//   [tune.constraints]               # name = { stat = <metric>, max = bound } or { ..., min = bound }
//   area = { stat = "compute.systolic.area", max = 2.0 }
//   [tune.screen]                    # optional multi-fidelity screening (screen.cpp):
//   fidelity = "analytical"          #   estimate ceil(batch / keep) candidates per batch analytically
//   keep = 0.1                       #   (archlab/analytical.hpp), simulate the best `batch` event by event
//
// With [tune.screen], `budget` counts event-level trials; every candidate is also a trial of
// fidelity "analytical" in the study file. The tuner is told the event-level results of the kept
// candidates and the analytical results of the others. Fronts and "best" are event-level only.
//
// A metric is "<type>.<stat>" (the statistic summed over the replica's instances of that type),
// "sim_time" or "events" (of the whole run, so such studies run every point alone), or a named
// metric of the replica:
//   latency     ps: the [tune] `latency` statistic of the replica (converted to ps) when given,
//               else the run's final time (sim_time; then every point runs alone)
//   energy      pJ: the sum of every statistic named `energy` over the replica's components
//   area        mm^2: the sum of every statistic named `area` over the replica's components
//   edp         pJ*ps: energy x latency
//   throughput  per second: the [tune] `work` statistic / (latency x 1e-12); its goal defaults to "max"
// Workload variants: each design point runs once per variant in the same ensemble (replica
// p * variants + v); an objective is aggregated over the variants (default "mean"; "worst" is
// max for a minimized objective, min for a maximized one) or taken from one (`workload = name`);
// a constraint holds on every variant (its worst value is stored) unless it names one.
// A point fails when any variant fails: an invalid design, a run error, the simulated-time or
// event limit, or a deadlock (the run ended with no pending events while `finished` is unmet).
// Dimensions, objectives and constraints keep the order the file writes them (study columns,
// the tuner's view), except that `primary = "<objective>"` moves that objective first; without
// it the first objective written is the primary one, the one single-objective tuners (anneal,
// genetic), `best` and the progress line follow.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "archlab/config.hpp"
#include "archlab/plugin_loader.hpp"
#include "archlab/study_file.hpp"
#include "archlab/tuner.hpp"

namespace archlab {

struct SpaceParam {
  std::string path;  ///< "system.components.sa.rows"
  DimensionKind kind = DimensionKind::Int;
  double low = 0;
  double high = 0;
  double step = 0;   ///< Int: >= 1; Float: 0 = continuous
  bool log_scale = false;
  std::string unit;  ///< non-empty: the value (a choice: each choice) is written as "<value> <unit>"
  std::vector<std::string> choices;      ///< Choice: labels
  std::vector<std::string> choice_toml;  ///< Choice: each as a TOML value ("\"ws\"", "16")
  std::string where;
};

/// A condition over the space's values, "rows * cols <= 16384": + - * / and parentheses over
/// numbers, quantities ("32 KiB") and dimensions (a dimension by its path or, when unique, its
/// last segment). Values compare in base units (bytes, Hz, ps, bytes/s): a quantity, a dimension
/// with a `unit`, and a choice that is a number or a quantity ("16 KiB") are all converted; a
/// choice dimension whose choices are not all numbers or quantities counts as its index.
class SpaceCondition {
 public:
  SpaceCondition(const std::string& text, const std::vector<SpaceParam>& space, const std::string& where);
  bool holds(const double* point) const;
  const std::string& text() const { return text_; }
  /// A dimension's value as conditions see it: in base units, a numeric choice as its value.
  double base_value(std::size_t dim, double value) const;

  struct Node;

 private:
  std::string text_;
  std::shared_ptr<const Node> left_;
  std::shared_ptr<const Node> right_;
  int op_ = 0;
  std::vector<std::vector<double>> choice_values_;  ///< per dimension: numeric choices, or empty
  std::vector<double> scales_;                      ///< per dimension: unit to base unit
};

/// What an objective or constraint measures for one design point.
struct Metric {
  enum class Source { Stat, SimTime, Events, Latency, Energy, Area, Edp, Throughput };
  Source source = Source::Stat;
  std::string type;  ///< Stat: component type ("compute.systolic")
  std::string stat;  ///< Stat: statistic name ("area")
  std::string text;  ///< as written
};

enum class Aggregate { Mean, Geomean, Max, Min, Worst };

struct TuneObjective {
  std::string name;
  Metric metric;
  bool maximize = false;
  Aggregate aggregate = Aggregate::Mean;  ///< over workload variants
  std::optional<std::size_t> workload;    ///< only this variant's value
};

/// Stored as value - bound (`max`) or bound - value (`min`): feasible when <= 0. Over several
/// workload variants the largest (worst) such value, unless `workload` names one.
struct TuneConstraint {
  std::string name;
  Metric metric;
  bool upper = true;  ///< `max = bound`
  double bound = 0;
  std::optional<std::size_t> workload;
};

/// One workload variant: parameter path = TOML value, set on every replica of that variant.
struct TuneWorkload {
  std::string name;
  std::vector<std::pair<std::string, std::string>> set;  ///< path, value as TOML text
};

/// [tune.screen]: screen candidates analytically, simulate the kept fraction event by event.
struct TuneScreen {
  bool enabled = false;
  double keep = 1.0;  ///< (0, 1]: the fraction of the candidates simulated
};

struct TuneSpec {
  std::string name;             ///< experiment file name
  std::string experiment_text;  ///< the experiment as written (the study file keeps it)
  std::filesystem::path base_dir;
  std::vector<Override> overrides;
  ExperimentSpec base;          ///< the experiment without [tune]: one replica, no output file

  std::string tuner;
  std::shared_ptr<const Plugin> tuner_plugin;
  std::vector<std::byte> tuner_params;
  std::uint64_t budget = 0;
  std::uint32_t batch = 1;
  std::uint64_t seed = 1;
  std::filesystem::path output;
  std::vector<SpaceParam> space;
  std::vector<SpaceCondition> conditions;
  std::vector<TuneObjective> objectives;
  std::vector<TuneConstraint> constraints;
  std::vector<TuneWorkload> workloads;   ///< empty: the experiment's workload as it stands
  std::optional<Metric> latency;         ///< [tune] latency: a statistic (ps) per replica
  std::optional<Metric> work;            ///< [tune] work: what throughput counts
  std::optional<Metric> finished;        ///< [tune] finished = { stat, min }
  double finished_min = 0;
  TuneScreen screen;

  /// Workload variants per design point (1 without [tune] workloads).
  std::size_t variants() const { return workloads.empty() ? 1 : workloads.size(); }
  /// Whether a metric is of the whole run (then each replica runs alone).
  bool whole_run(const Metric& metric) const;
  /// Per-variant objective columns of the study file: objectives without `workload`, when there
  /// are several variants; named "<objective>@<variant>".
  std::vector<std::size_t> per_variant_objectives() const;

  const TunerDescriptor& tuner_descriptor() const;
  /// One line saying what the tuner optimises ("anneal optimises the primary objective 'latency'
  /// (min) alone; also recorded: area (min)"), so that nobody learns it from the results.
  std::string optimises() const;
  /// Whether the point satisfies every condition.
  bool admissible(const double* point) const;
  /// A parameter's value as TOML text ("16", "0.5", "\"ws\"", "\"1.5 GHz\"").
  std::string value_toml(std::size_t dim, double value) const;
};

/// The factor from `unit` to the named metrics' units: "time" to ps, "energy" to pJ, "area" to
/// mm^2; nullopt when `unit` is not one of that dimension's units.
std::optional<double> metric_unit_factor(const std::string& unit, const std::string& dimension);

/// Throws ConfigError (file:line:col) for a bad [tune] section, before anything runs.
TuneSpec load_tune(const std::filesystem::path& path, const std::vector<Override>& overrides,
                   const PluginRegistry& registry);
TuneSpec load_tune_text(const std::string& text, const std::string& name, const std::filesystem::path& base_dir,
                        const std::vector<Override>& overrides, const PluginRegistry& registry);

/// Whether an experiment file has a [tune] section (`archlab check` then checks it as a study).
bool has_tune_section(const std::filesystem::path& path);

/// What a study would find only when it runs: every value the space can propose for a dimension
/// (its lowest and highest grid value, or each choice) is set in turn, the other dimensions at
/// their lowest, and the experiment is built for that point (points the conditions exclude are
/// skipped). One message per value the system rejects ("system.components.mem.size = \"4 GHz\":
/// ..."); empty when every one builds.
std::vector<std::string> check_space_values(const TuneSpec& spec, const PluginRegistry& registry);

/// The experiment that evaluates `points` as one ensemble run, one replica per point and
/// workload variant (replica p * variants + v), built by the [ensemble] machinery of
/// load_experiment_text. Throws ConfigError when a point is invalid.
ExperimentSpec batch_experiment(const TuneSpec& spec, std::span<const std::vector<double>> points,
                                const PluginRegistry& registry);
/// The same with only workload variant `variant` (one replica per point).
ExperimentSpec batch_experiment(const TuneSpec& spec, std::span<const std::vector<double>> points,
                                const PluginRegistry& registry, std::size_t variant);

/// Indices of the rows of `values` (each a vector to minimize) that no other row dominates.
std::vector<std::uint32_t> pareto_front(const std::vector<std::vector<double>>& values);
/// Non-dominated sorting: fronts[0] is the Pareto front, fronts[1] the front once it is removed, ...
std::vector<std::vector<std::uint32_t>> non_dominated_sort(const std::vector<std::vector<double>>& values);
/// Hypervolume (minimization): the measure of the region that the points dominate and that
/// dominates `reference` (each point and the reference the same length). Points not strictly
/// better than the reference in every objective add nothing. Exact in any dimension: a sweep in
/// 2-D (O(n log n)), slicing along the last objective above (3-D: O(n^2 log n)).
double hypervolume(const std::vector<std::vector<double>>& points, const std::vector<double>& reference);
/// Trial numbers of the Pareto front of the feasible event-level trials (objectives oriented by their goals).
std::vector<std::uint32_t> study_pareto(const TuneSpec& spec, const std::vector<Trial>& trials);

/// The study file of `spec` (study_file.hpp): its columns and attributes.
StudyLayout study_layout(const TuneSpec& spec);
/// write_study_file with study_layout(spec) and study_pareto(spec, trials).
void write_study_file(const std::filesystem::path& path, const TuneSpec& spec, const std::vector<Trial>& trials,
                      std::span<const std::byte> tuner_state, bool finished);
/// read_study_file with study_layout(spec).
StudyFile read_study_file(const std::filesystem::path& path, const TuneSpec& spec);
/// StudyLock::acquire with the experiment's files (and the experiment file itself) as inputs.
StudyLock lock_study(const std::filesystem::path& path, const TuneSpec& spec);

/// [tune.screen] (screen.cpp). Throws ConfigError (at `where`) when an objective or constraint
/// measures something the analytical estimate does not give.
void check_screen_metrics(const TuneSpec& spec, const std::string& where);
/// Estimates `trials` (their points set) analytically: fidelity "analytical", objectives and
/// constraints from archlab::estimate, a point the configuration refuses is a failed trial.
void estimate_trials(const TuneSpec& spec, const PluginRegistry& registry, std::vector<Trial>& trials);
/// The `count` best of the trials by their objectives (feasible first, then by non-dominated
/// front, then by the sum of their ranks per objective), as indices in `trials`.
std::vector<std::size_t> screen_best(const TuneSpec& spec, const std::vector<Trial>& trials, std::size_t count);

struct StudyProgress {
  std::uint64_t trials_done;
  std::uint64_t budget;
  std::uint64_t failed;
  std::optional<double> best;  ///< of the primary objective (objective 0), over feasible trials
  std::size_t pareto_size;
  double trials_per_second;
};

struct StudyOptions {
  std::filesystem::path output;  ///< overrides [tune] output; empty and none there: no file
  std::filesystem::path resume;  ///< a study file to continue
  std::function<void(const StudyProgress&)> progress;  ///< after every batch
  std::uint64_t max_batches = 0;  ///< stop after this many batches in this call (0: none); for tests
  /// Evaluates each batch in place of evaluate_trials(spec, registry, batch, 0) (the MPI study
  /// of framework/mpi/ shares it out over ranks); it must give the trials that would.
  std::function<void(std::vector<Trial>&)> evaluate;
};

struct StudyReport {
  std::vector<Trial> trials;
  std::vector<std::uint32_t> pareto;
  std::optional<std::uint32_t> best;  ///< single objective: the best feasible trial
  std::filesystem::path output;
  bool exhausted = false;  ///< the tuner proposed nothing more before the budget was spent
  double wall_seconds = 0;
};

/// Measures `trials` (their points set), trials[0] being at position `first` of its batch (a
/// trial's replica is its position in the batch's ensemble). On the CPU the trials are shared out
/// over the experiment's threads; a trial's results do not depend on which others run with it.
void evaluate_trials(const TuneSpec& spec, const PluginRegistry& registry, std::vector<Trial>& trials,
                     std::size_t first = 0);

/// Runs (or continues) the study. Bad input throws before any trial runs; a design point that
/// fails becomes a failed trial.
StudyReport run_study(const TuneSpec& spec, const PluginRegistry& registry, const StudyOptions& options = {});

}  // namespace archlab
