// The co-design loop: ask a batch, run it as one ensemble, tell the results, save the study.
#include <algorithm>
#include <exception>
#include <thread>
#include <chrono>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "archlab/analytical.hpp"
#include "archlab/errors.hpp"
#include "archlab/engine.hpp"
#include "archlab/run.hpp"
#include "archlab/tune.hpp"
#include "screen.hpp"

namespace archlab {
namespace {

using Clock = std::chrono::steady_clock;

bool dominates(const std::vector<double>& a, const std::vector<double>& b) {
  bool better = false;
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k] > b[k]) return false;
    if (a[k] < b[k]) better = true;
  }
  return better;
}

/// The tuner plugin's object, destroyed through its own library.
class TunerHandle {
 public:
  TunerHandle(const TunerDescriptor& descriptor, void* handle) : d_(&descriptor), handle_(handle) {}
  TunerHandle(const TunerHandle&) = delete;
  TunerHandle& operator=(const TunerHandle&) = delete;
  ~TunerHandle() { d_->destroy(handle_); }

  std::uint32_t ask(std::uint32_t n, double* points) { return d_->ask(handle_, n, points); }
  void tell(const std::vector<TunerTrial>& trials) {
    d_->tell(handle_, trials.data(), static_cast<std::uint32_t>(trials.size()));
  }
  std::vector<std::byte> save() const {
    const TunerBytes bytes = d_->save(handle_);
    std::vector<std::byte> copy(bytes.data, bytes.data + bytes.size);
    d_->free_bytes(bytes);
    return copy;
  }

 private:
  const TunerDescriptor* d_;
  void* handle_;
};

/// The space as the tuner's C ABI sees it; points into `spec`, which outlives it.
struct SpaceView {
  std::vector<SpaceDimension> dims;
  std::vector<std::vector<const char*>> labels;
  TunerSetup setup{};

  explicit SpaceView(const TuneSpec& spec) {
    for (const SpaceParam& p : spec.space) {
      std::vector<const char*> names;
      for (const auto& label : p.choices) names.push_back(label.c_str());
      labels.push_back(std::move(names));
    }
    for (std::size_t d = 0; d < spec.space.size(); ++d) {
      const SpaceParam& p = spec.space[d];
      dims.push_back(SpaceDimension{p.path.c_str(), p.kind, p.low, p.high, p.step, p.log_scale ? 1u : 0u,
                                    static_cast<std::uint32_t>(p.choices.size()),
                                    labels[d].empty() ? nullptr : labels[d].data()});
    }
    setup.space = TunerSpace{dims.data(), static_cast<std::uint32_t>(dims.size()),
                             spec.conditions.empty() ? nullptr : &admissible_entry, &spec};
    setup.nobjectives = static_cast<std::uint32_t>(spec.objectives.size());
    setup.nconstraints = static_cast<std::uint32_t>(spec.constraints.size());
    setup.seed = spec.seed;
    setup.budget = spec.budget;
  }
  static bool admissible_entry(const void* user, const double* point) {
    return static_cast<const TuneSpec*>(user)->admissible(point);
  }
};

double stat_sum(const RunReport& report, std::uint32_t replica, const std::string& type, const std::string& stat) {
  double sum = 0;
  for (const StatTotal& total : report.totals) {
    if (total.replica == replica && total.type == type && total.stat == stat) sum += total.total;
  }
  return sum;
}

/// Every statistic named `stat` over the replica, in the unit of `dimension`.
double named_sum(const RunReport& report, std::uint32_t replica, const std::string& stat, const std::string& dimension) {
  double sum = 0;
  for (const StatTotal& total : report.totals) {
    if (total.replica == replica && total.stat == stat) sum += total.total * metric_unit_factor(total.unit, dimension).value_or(1.0);
  }
  return sum;
}

double unit_of(const RunReport& report, const Metric& metric, const std::string& dimension) {
  for (const StatTotal& total : report.totals) {
    if (total.type == metric.type && total.stat == metric.stat) return metric_unit_factor(total.unit, dimension).value_or(1.0);
  }
  return 1.0;
}

double latency_ps(const TuneSpec& spec, const RunReport& report, std::uint32_t replica) {
  if (spec.latency) return stat_sum(report, replica, spec.latency->type, spec.latency->stat) * unit_of(report, *spec.latency, "time");
  return static_cast<double>(report.result.final_time);
}

double metric_value(const TuneSpec& spec, const Metric& metric, const RunReport& report, std::uint32_t replica) {
  switch (metric.source) {
    case Metric::Source::SimTime: return static_cast<double>(report.result.final_time);
    case Metric::Source::Events: return static_cast<double>(report.result.events);
    case Metric::Source::Latency: return latency_ps(spec, report, replica);
    case Metric::Source::Energy: return named_sum(report, replica, "energy", "energy");
    case Metric::Source::Area: return named_sum(report, replica, "area", "area");
    case Metric::Source::Edp: return named_sum(report, replica, "energy", "energy") * latency_ps(spec, report, replica);
    case Metric::Source::Throughput: {
      const double latency = latency_ps(spec, report, replica);
      const double work = stat_sum(report, replica, spec.work->type, spec.work->stat);
      return latency > 0 ? work / (latency * 1e-12) : 0.0;
    }
    case Metric::Source::Stat: break;
  }
  return stat_sum(report, replica, metric.type, metric.stat);
}

/// One replica's measurements: objectives and constraint values as measured (not yet as
/// value - bound), or why it failed.
struct Outcome {
  std::vector<double> objectives;
  std::vector<double> constraints;
  std::string failure;  ///< empty: ok
};

std::string format_number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

/// Measures replica `replica` of a run. Limits are told apart by the caller: a run that ends on
/// a limit is measured point by point (one replica per run), so its status is that replica's.
Outcome measure(const TuneSpec& spec, const RunReport& report, std::uint32_t replica) {
  Outcome outcome;
  if (report.result.status == "stop_time") {
    outcome.failure = "passed the simulated-time limit";
    return outcome;
  }
  if (report.result.status == "event_limit") {
    outcome.failure = "passed the event limit";
    return outcome;
  }
  if (spec.finished) {
    const double done = stat_sum(report, replica, spec.finished->type, spec.finished->stat);
    if (done < spec.finished_min) {
      outcome.failure = "deadlock: no pending events while " + spec.finished->text + " = " + format_number(done) +
                        " < " + format_number(spec.finished_min);
      return outcome;
    }
  }
  for (const auto& objective : spec.objectives) outcome.objectives.push_back(metric_value(spec, objective.metric, report, replica));
  for (const auto& constraint : spec.constraints) outcome.constraints.push_back(metric_value(spec, constraint.metric, report, replica));
  return outcome;
}

void mark_failed(const TuneSpec& spec, Trial& trial, const std::string& why) {
  trial.objectives.assign(spec.objectives.size(), std::numeric_limits<double>::quiet_NaN());
  trial.constraints.assign(spec.constraints.size(), std::numeric_limits<double>::quiet_NaN());
  trial.variant_objectives.assign(spec.per_variant_objectives().size() * (spec.workloads.size() < 2 ? 0 : spec.variants()),
                                  std::numeric_limits<double>::quiet_NaN());
  trial.status = "failed: " + why;
}

double aggregate(const TuneObjective& objective, const std::vector<double>& values) {
  double result = values.front();
  switch (objective.aggregate) {
    case Aggregate::Mean: {
      double sum = 0;
      for (double v : values) sum += v;
      return sum / static_cast<double>(values.size());
    }
    case Aggregate::Geomean: {
      double logs = 0;
      for (double v : values) {
        if (!(v > 0)) return v == 0 ? 0.0 : std::numeric_limits<double>::quiet_NaN();
        logs += std::log(v);
      }
      return std::exp(logs / static_cast<double>(values.size()));
    }
    case Aggregate::Max: return *std::max_element(values.begin(), values.end());
    case Aggregate::Min: return *std::min_element(values.begin(), values.end());
    case Aggregate::Worst:
      return objective.maximize ? *std::min_element(values.begin(), values.end())
                                : *std::max_element(values.begin(), values.end());
  }
  return result;
}

/// A trial's results from its variants' outcomes (one per variant).
void combine(const TuneSpec& spec, const std::vector<Outcome>& outcomes, Trial& trial) {
  for (std::size_t v = 0; v < outcomes.size(); ++v) {
    if (outcomes[v].failure.empty()) continue;
    mark_failed(spec, trial, spec.workloads.size() < 2 ? outcomes[v].failure
                                                       : "workload " + spec.workloads[v].name + ": " + outcomes[v].failure);
    return;
  }
  trial.objectives.clear();
  trial.constraints.clear();
  trial.variant_objectives.clear();
  for (std::size_t k = 0; k < spec.objectives.size(); ++k) {
    const TuneObjective& objective = spec.objectives[k];
    if (objective.workload) {
      trial.objectives.push_back(outcomes[*objective.workload].objectives[k]);
      continue;
    }
    std::vector<double> values;
    for (const Outcome& outcome : outcomes) values.push_back(outcome.objectives[k]);
    trial.objectives.push_back(aggregate(objective, values));
  }
  for (std::size_t k = 0; k < spec.constraints.size(); ++k) {
    const TuneConstraint& constraint = spec.constraints[k];
    double worst = -std::numeric_limits<double>::infinity();
    for (std::size_t v = 0; v < outcomes.size(); ++v) {
      if (constraint.workload && *constraint.workload != v) continue;
      const double value = outcomes[v].constraints[k];
      worst = std::max(worst, constraint.upper ? value - constraint.bound : constraint.bound - value);
    }
    trial.constraints.push_back(worst);
  }
  if (spec.workloads.size() >= 2) {
    for (std::size_t k : spec.per_variant_objectives()) {
      for (const Outcome& outcome : outcomes) trial.variant_objectives.push_back(outcome.objectives[k]);
    }
  }
  trial.status = "ok";
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

/// Evaluates `trials` (their points set) as one ensemble run of every point and workload
/// variant. When that run fails or ends on the simulated-time or event limit (engines count
/// pending events for the whole run, not per replica), each point and variant runs alone, so
/// that only the points that fail, or pass a limit, become failed trials. Metrics of the whole
/// run (sim_time, events; latency without [tune] latency) also need every replica alone.
///
/// `first` is the batch position of trials[0] when the batch is shared out over workers: a
/// trial's replica is its position in the batch as one ensemble (point x variants + variant).
void evaluate(const TuneSpec& spec, const PluginRegistry& registry, std::vector<Trial>& trials, std::size_t first = 0,
              const std::string& engine = "") {
  const std::size_t variants = spec.variants();
  const bool whole_run_metrics =
      std::any_of(spec.objectives.begin(), spec.objectives.end(), [&](const TuneObjective& o) { return spec.whole_run(o.metric); }) ||
      std::any_of(spec.constraints.begin(), spec.constraints.end(), [&](const TuneConstraint& c) { return spec.whole_run(c.metric); });
  // `engine`, when given, replaces the experiment's (a worker's share runs on `sequential`).
  auto run = [&engine](ExperimentSpec experiment) {
    if (!engine.empty()) experiment.engine = engine;
    return run_experiment(experiment);
  };
  if (!whole_run_metrics && !trials.empty()) {
    const auto start = Clock::now();
    try {
      std::vector<std::vector<double>> points;
      for (const Trial& trial : trials) points.push_back(trial.point);
      const RunReport report = run(batch_experiment(spec, points, registry));
      if (report.result.status != "stop_time" && report.result.status != "event_limit") {
        const double wall = seconds_since(start);
        for (std::uint32_t p = 0; p < trials.size(); ++p) {
          std::vector<Outcome> outcomes;
          for (std::size_t v = 0; v < variants; ++v) {
            outcomes.push_back(measure(spec, report, static_cast<std::uint32_t>(p * variants + v)));
          }
          trials[p].replica = static_cast<std::uint32_t>((first + p) * variants);
          trials[p].wall_seconds = wall;
          combine(spec, outcomes, trials[p]);
        }
        return;
      }
      // Some replica passed a limit: find out which, below.
    } catch (const std::exception&) {
      // Some point is bad: find out which, below.
    }
  }
  for (Trial& trial : trials) {
    const auto start = Clock::now();
    trial.replica = 0;
    std::vector<Outcome> outcomes;
    try {
      const std::vector<std::vector<double>> points{trial.point};
      for (std::size_t v = 0; v < variants; ++v) {
        const RunReport report = run(batch_experiment(spec, points, registry, v));
        outcomes.push_back(measure(spec, report, 0));
      }
      combine(spec, outcomes, trial);
    } catch (const ConfigError& error) {
      mark_failed(spec, trial, std::string("invalid design: ") + error.what());
    } catch (const std::exception& error) {
      mark_failed(spec, trial, error.what());
    }
    trial.wall_seconds = seconds_since(start);
  }
}

}  // namespace

/// On the CPU a batch is shared out: `threads` workers (the experiment's; 0: every core) each run
/// one ensemble of a contiguous share of the points on the sequential engine. That is what
/// `sequential` asks for, and what `auto` means without a GPU (a GPU takes the whole batch as
/// one ensemble). A replica's results do not depend on the others in its ensemble, so the trials
/// are the same as from one ensemble.
void evaluate_trials(const TuneSpec& spec, const PluginRegistry& registry, std::vector<Trial>& trials,
                     std::size_t first) {
  std::size_t workers = 1;
  const bool cpu = spec.base.engine == "sequential" || (spec.base.engine == "auto" && !cuda_device_available());
  if (cpu) workers = spec.base.threads > 0 ? spec.base.threads : std::max(1u, std::thread::hardware_concurrency());
  workers = std::min(workers, trials.size());
  if (workers <= 1) return evaluate(spec, registry, trials, first, cpu ? "sequential" : "");
  std::vector<std::vector<Trial>> shares(workers);
  std::vector<std::size_t> firsts(workers, trials.size());
  for (std::size_t i = 0; i < trials.size(); ++i) {
    const std::size_t w = i * workers / trials.size();
    firsts[w] = std::min(firsts[w], i);
    shares[w].push_back(trials[i]);
  }
  std::vector<std::exception_ptr> errors(workers);
  std::vector<std::thread> threads;
  for (std::size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      try {
        evaluate(spec, registry, shares[w], first + firsts[w], "sequential");
      } catch (...) {
        errors[w] = std::current_exception();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const std::exception_ptr& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  std::size_t next = 0;
  for (auto& share : shares) {
    for (Trial& trial : share) trials[next++] = std::move(trial);
  }
}

namespace {

/// One replica's analytical outcome (check_screen_metrics made sure every metric is there).
Outcome estimate_outcome(const TuneSpec& spec, const std::vector<WorkloadEstimate>& estimates) {
  Outcome outcome;
  for (const auto& objective : spec.objectives) {
    outcome.objectives.push_back(detail::analytical_metric(spec, objective.metric, estimates).value_or(0.0));
  }
  for (const auto& constraint : spec.constraints) {
    outcome.constraints.push_back(detail::analytical_metric(spec, constraint.metric, estimates).value_or(0.0));
  }
  return outcome;
}

bool is_event(const Trial& trial) { return trial.fidelity == "event"; }

std::vector<double> oriented(const TuneSpec& spec, const Trial& trial) {
  std::vector<double> values = trial.objectives;
  for (std::size_t k = 0; k < values.size(); ++k) {
    if (spec.objectives[k].maximize) values[k] = -values[k];
  }
  return values;
}

}  // namespace

void estimate_trials(const TuneSpec& spec, const PluginRegistry& registry, std::vector<Trial>& trials) {
  const std::size_t variants = spec.variants();
  const auto estimate_points = [&](std::span<Trial> share) {
    const auto start = Clock::now();
    std::vector<std::vector<double>> points;
    for (const Trial& trial : share) points.push_back(trial.point);
    const ExperimentSpec experiment = batch_experiment(spec, points, registry);
    std::vector<std::vector<Outcome>> outcomes(share.size());
    for (std::size_t p = 0; p < share.size(); ++p) {
      for (std::size_t v = 0; v < variants; ++v) {
        outcomes[p].push_back(estimate_outcome(spec, estimate(experiment, static_cast<std::uint32_t>(p * variants + v))));
      }
    }
    const double wall = seconds_since(start) / static_cast<double>(share.size());
    for (std::size_t p = 0; p < share.size(); ++p) {
      combine(spec, outcomes[p], share[p]);
      share[p].wall_seconds = wall;
    }
  };
  for (std::size_t i = 0; i < trials.size(); ++i) {
    trials[i].fidelity = "analytical";
    trials[i].replica = static_cast<std::uint32_t>(i * variants);
  }
  try {
    estimate_points(trials);  // all candidates as one ensemble: the TOML is read once
    return;
  } catch (const std::exception&) {
    // Some point is bad: find out which, one at a time.
  }
  for (Trial& trial : trials) {
    try {
      estimate_points(std::span<Trial>(&trial, 1));
    } catch (const ConfigError& error) {
      mark_failed(spec, trial, std::string("invalid design: ") + error.what());
    } catch (const std::exception& error) {
      mark_failed(spec, trial, error.what());
    }
  }
}

std::vector<std::uint32_t> pareto_front(const std::vector<std::vector<double>>& values) {
  std::vector<std::uint32_t> front;
  for (std::size_t i = 0; i < values.size(); ++i) {
    bool dominated = false;
    for (std::size_t j = 0; j < values.size() && !dominated; ++j) dominated = j != i && dominates(values[j], values[i]);
    if (!dominated) front.push_back(static_cast<std::uint32_t>(i));
  }
  return front;
}

std::vector<std::vector<std::uint32_t>> non_dominated_sort(const std::vector<std::vector<double>>& values) {
  std::vector<std::vector<std::uint32_t>> fronts;
  std::vector<std::uint32_t> left(values.size());
  for (std::uint32_t i = 0; i < left.size(); ++i) left[i] = i;
  while (!left.empty()) {
    std::vector<std::vector<double>> rest;
    for (std::uint32_t i : left) rest.push_back(values[i]);
    std::vector<std::uint32_t> front;
    std::vector<std::uint32_t> next;
    const std::vector<std::uint32_t> local = pareto_front(rest);
    std::size_t k = 0;
    for (std::uint32_t n = 0; n < left.size(); ++n) {
      if (k < local.size() && local[k] == n) {
        front.push_back(left[n]);
        ++k;
      } else {
        next.push_back(left[n]);
      }
    }
    fronts.push_back(std::move(front));
    left = std::move(next);
  }
  return fronts;
}

namespace {

/// Hypervolume of points (already strictly inside the reference box) in their first `dims` objectives.
double hypervolume_of(std::vector<std::vector<double>> points, const std::vector<double>& reference, std::size_t dims) {
  if (points.empty()) return 0.0;
  if (dims == 1) {
    double best = reference[0];
    for (const auto& p : points) best = std::min(best, p[0]);
    return reference[0] - best;
  }
  if (dims == 2) {
    std::sort(points.begin(), points.end(), [](const auto& a, const auto& b) { return a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]); });
    double volume = 0, floor = reference[1];
    for (const auto& p : points) {
      if (p[1] < floor) {
        volume += (reference[0] - p[0]) * (floor - p[1]);
        floor = p[1];
      }
    }
    return volume;
  }
  // Slice along the last objective: between consecutive levels, the (dims-1)-D volume of the
  // points at or below the slice.
  const std::size_t last = dims - 1;
  std::sort(points.begin(), points.end(), [last](const auto& a, const auto& b) { return a[last] < b[last]; });
  double volume = 0;
  std::vector<std::vector<double>> below;
  for (std::size_t i = 0; i < points.size(); ++i) {
    below.push_back(points[i]);
    const double top = i + 1 < points.size() ? points[i + 1][last] : reference[last];
    if (top > points[i][last]) volume += hypervolume_of(below, reference, last) * (top - points[i][last]);
  }
  return volume;
}

}  // namespace

double hypervolume(const std::vector<std::vector<double>>& points, const std::vector<double>& reference) {
  std::vector<std::vector<double>> inside;
  for (const auto& p : points) {
    if (p.size() != reference.size()) throw std::invalid_argument("hypervolume: a point and the reference differ in length");
    bool in = true;
    for (std::size_t k = 0; k < p.size() && in; ++k) in = p[k] < reference[k];
    if (in) inside.push_back(p);
  }
  if (reference.empty()) return 0.0;
  return hypervolume_of(std::move(inside), reference, reference.size());
}

std::vector<std::uint32_t> study_pareto(const TuneSpec& spec, const std::vector<Trial>& trials) {
  std::vector<std::vector<double>> values;
  std::vector<std::uint32_t> rows;
  for (const Trial& trial : trials) {
    if (!is_event(trial) || !trial.feasible()) continue;  // fronts are simulated trials only
    values.push_back(oriented(spec, trial));
    rows.push_back(trial.number);
  }
  std::vector<std::uint32_t> front;
  for (std::uint32_t i : pareto_front(values)) front.push_back(rows[i]);
  if (spec.objectives.size() == 1 && front.size() > 1) front.erase(front.begin() + 1, front.end());  // ties: earliest
  return front;
}

StudyReport run_study(const TuneSpec& spec, const PluginRegistry& registry, const StudyOptions& options) {
  const auto start = Clock::now();
  const TunerDescriptor& td = spec.tuner_descriptor();
  const SpaceView view(spec);
  StudyReport report;
  report.output = !options.output.empty() ? options.output : !spec.output.empty() ? spec.output : options.resume;
  const StudyLock lock = report.output.empty() ? StudyLock() : lock_study(report.output, spec);

  std::vector<Trial> trials;
  void* raw = nullptr;
  if (!options.resume.empty()) {
    StudyFile file = read_study_file(options.resume, spec);
    if (file.tuner != spec.tuner) {
      throw ConfigError(options.resume.string() + ": the study ran tuner '" + file.tuner + "', the experiment names '" +
                        spec.tuner + "'");
    }
    raw = td.restore(spec.tuner_params.data(), &view.setup, file.tuner_state.data(), file.tuner_state.size());
    if (raw == nullptr) {
      throw ConfigError(options.resume.string() + ": the saved state is not a state of tuner '" + spec.tuner +
                        "' with these parameters and this space");
    }
    trials = std::move(file.trials);
  } else {
    char error[512] = "";
    raw = td.create(spec.tuner_params.data(), &view.setup, error, sizeof error);
    if (raw == nullptr) throw ConfigError(spec.name + ": tuner '" + spec.tuner + "' refused the study: " + error);
  }
  TunerHandle tuner(td, raw);

  std::uint32_t batch_number = trials.empty() ? 0 : trials.back().batch + 1;
  std::uint64_t batches = 0;
  const std::size_t done_before = trials.size();
  const std::size_t ndims = spec.space.size();
  constexpr int kMaxRejectedRounds = 100;
  // The budget counts event-level trials ([tune.screen] adds analytical ones).
  const auto simulated = [&trials] { return static_cast<std::uint64_t>(std::count_if(trials.begin(), trials.end(), is_event)); };
  while (simulated() < spec.budget && (options.max_batches == 0 || batches < options.max_batches)) {
    const auto want = static_cast<std::uint32_t>(std::min<std::uint64_t>(spec.batch, spec.budget - simulated()));
    // [tune.screen]: ask for want / keep candidates, simulate the `want` best of their estimates.
    const auto asked = spec.screen.enabled
                           ? static_cast<std::uint32_t>(std::ceil(static_cast<double>(want) / spec.screen.keep - 1e-9))
                           : want;
    std::vector<Trial> batch;
    for (int round = 0; round < kMaxRejectedRounds && batch.size() < asked; ++round) {
      const auto need = static_cast<std::uint32_t>(asked - batch.size());
      std::vector<double> points(static_cast<std::size_t>(need) * ndims);
      const std::uint32_t got = std::min(tuner.ask(need, points.data()), need);
      if (got == 0) break;
      // The framework checks conditions too; a tuner that ignores them is told, and asked again.
      std::vector<TunerTrial> rejected;
      const std::vector<double> nan_objectives(spec.objectives.size(), std::numeric_limits<double>::quiet_NaN());
      const std::vector<double> nan_constraints(spec.constraints.size(), std::numeric_limits<double>::quiet_NaN());
      for (std::uint32_t i = 0; i < got; ++i) {
        const double* point = points.data() + static_cast<std::size_t>(i) * ndims;
        if (spec.admissible(point)) {
          Trial trial;
          trial.point.assign(point, point + ndims);
          batch.push_back(std::move(trial));
        } else {
          rejected.push_back(TunerTrial{~std::uint64_t{0}, point, nan_objectives.data(), nan_constraints.data(), 1,
                                        "violates a space condition"});
        }
      }
      if (rejected.empty()) break;
      tuner.tell(rejected);
    }
    if (batch.empty()) {
      report.exhausted = true;
      break;
    }
    std::vector<Trial> screened;  // every candidate, estimated
    std::vector<bool> kept;
    if (spec.screen.enabled) {
      screened = std::move(batch);
      batch.clear();
      for (std::size_t i = 0; i < screened.size(); ++i) {
        screened[i].number = static_cast<std::uint32_t>(trials.size() + i);
        screened[i].batch = batch_number;
      }
      estimate_trials(spec, registry, screened);
      kept.assign(screened.size(), false);
      // A design simulated before, or twice in one batch, would spend the budget on a result the
      // study has (a tuner such as nsga2 proposes repeats): the best candidates not seen yet go
      // first, repeats only when too few are new.
      std::vector<std::size_t> chosen;
      std::vector<std::size_t> repeats;
      for (std::size_t i : screen_best(spec, screened, screened.size())) {
        const auto same = [&](const Trial& t) { return t.point == screened[i].point; };
        const bool seen =
            std::any_of(trials.begin(), trials.end(), [&](const Trial& t) { return is_event(t) && same(t); }) ||
            std::any_of(chosen.begin(), chosen.end(), [&](std::size_t c) { return same(screened[c]); });
        (seen ? repeats : chosen).push_back(i);
      }
      chosen.insert(chosen.end(), repeats.begin(), repeats.end());
      chosen.resize(std::min<std::size_t>(want, chosen.size()));
      for (std::size_t i : chosen) {
        kept[i] = true;
        Trial trial;
        trial.point = screened[i].point;
        batch.push_back(std::move(trial));
      }
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      batch[i].number = static_cast<std::uint32_t>(trials.size() + screened.size() + i);
      batch[i].batch = batch_number;
    }
    if (options.evaluate) {
      options.evaluate(batch);
    } else {
      evaluate_trials(spec, registry, batch);
    }

    // The tuner hears of every point it proposed once: the simulated result, else the estimate.
    std::vector<const Trial*> heard;
    for (const Trial& trial : batch) heard.push_back(&trial);
    for (std::size_t i = 0; i < screened.size(); ++i) {
      if (!kept[i]) heard.push_back(&screened[i]);
    }
    std::vector<std::vector<double>> minimized;
    std::vector<TunerTrial> told;
    minimized.reserve(heard.size());
    for (const Trial* trial : heard) minimized.push_back(oriented(spec, *trial));
    for (std::size_t i = 0; i < heard.size(); ++i) {
      const Trial& trial = *heard[i];
      told.push_back(TunerTrial{trial.number, trial.point.data(), minimized[i].data(), trial.constraints.data(),
                                trial.ok() ? 0u : 1u, trial.ok() ? "" : trial.status.c_str()});
    }
    tuner.tell(told);
    for (Trial& trial : screened) trials.push_back(std::move(trial));
    for (Trial& trial : batch) trials.push_back(std::move(trial));
    ++batch_number;
    ++batches;
    if (!report.output.empty()) write_study_file(report.output, spec, trials, tuner.save(), false);

    if (options.progress) {
      StudyProgress progress{};
      progress.trials_done = trials.size();
      progress.budget = spec.budget;
      progress.failed = static_cast<std::uint64_t>(std::count_if(trials.begin(), trials.end(), [](const Trial& t) { return !t.ok(); }));
      for (const Trial& trial : trials) {
        if (!is_event(trial) || !trial.feasible()) continue;
        const double value = oriented(spec, trial)[0];
        if (!progress.best || value < *progress.best) progress.best = value;
      }
      if (progress.best && spec.objectives[0].maximize) progress.best = -*progress.best;
      progress.pareto_size = study_pareto(spec, trials).size();
      const double elapsed = seconds_since(start);
      progress.trials_per_second = elapsed > 0 ? static_cast<double>(trials.size() - done_before) / elapsed : 0.0;
      options.progress(progress);
    }
  }
  const bool finished = simulated() >= spec.budget || report.exhausted;
  if (!report.output.empty() && (finished || batches == 0)) write_study_file(report.output, spec, trials, tuner.save(), finished);
  report.pareto = study_pareto(spec, trials);
  if (spec.objectives.size() == 1 && !report.pareto.empty()) report.best = report.pareto[0];
  report.trials = std::move(trials);
  report.wall_seconds = seconds_since(start);
  return report;
}

}  // namespace archlab
