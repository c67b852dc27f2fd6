// [tune.screen]: the study's metrics from the analytical estimate, and the choice of the
// candidates that are simulated event by event.
#include "screen.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "archlab/errors.hpp"

namespace archlab {
namespace detail {
namespace {

struct Totals {
  double latency = 0; ///< ps: the last workload's end
  double energy = 0;
  double area = 0;
  double macs = 0;
  double done = 0;
};

Totals totals_of(const std::vector<WorkloadEstimate>& estimates) {
  Totals t;
  for (const WorkloadEstimate& e : estimates) {
    t.latency = std::max(t.latency, static_cast<double>(e.latency));
    t.energy += e.energy;
    t.area += e.area_mm2;
    t.macs += static_cast<double>(e.macs);
    t.done += 1;
  }
  return t;
}

/// The statistics of workload.dnn an estimate stands for.
std::optional<double> dnn_stat(const Metric& metric, const Totals& t) {
  if (metric.type != "workload.dnn") return std::nullopt;
  if (metric.stat == "latency") return t.latency;
  if (metric.stat == "macs") return t.macs;
  if (metric.stat == "attributed_energy") return t.energy;
  if (metric.stat == "done") return t.done;
  return std::nullopt;
}

} // namespace

std::optional<double> analytical_metric(const TuneSpec& spec, const Metric& metric,
                                        const std::vector<WorkloadEstimate>& estimates) {
  const Totals t = totals_of(estimates);
  const auto latency = [&]() -> std::optional<double> {
    return spec.latency ? dnn_stat(*spec.latency, t) : std::optional<double>(t.latency);
  };
  switch (metric.source) {
  case Metric::Source::Latency:
    return latency();
  case Metric::Source::Energy:
    return t.energy;
  case Metric::Source::Area:
    return t.area;
  case Metric::Source::Edp: {
    const auto l = latency();
    return l ? std::optional<double>(t.energy * *l) : std::nullopt;
  }
  case Metric::Source::Throughput: {
    const auto l = latency();
    const auto work = spec.work ? dnn_stat(*spec.work, t) : std::nullopt;
    if (!l || !work) return std::nullopt;
    return *l > 0 ? *work / (*l * 1e-12) : 0.0;
  }
  case Metric::Source::Stat:
    return dnn_stat(metric, t);
  case Metric::Source::SimTime:
  case Metric::Source::Events:
    return std::nullopt;
  }
  return std::nullopt;
}

} // namespace detail

void check_screen_metrics(const TuneSpec& spec, const std::string& where) {
  const auto check = [&](const Metric& metric, const std::string& what) {
    if (!detail::analytical_metric(spec, metric, {})) {
      throw ConfigError(where + ": [tune.screen] fidelity = \"analytical\": " + what + " measures '" + metric.text +
                        "', which the analytical estimate does not give (it gives latency, energy, area, edp, "
                        "throughput with work = \"workload.dnn.macs\", and workload.dnn.latency, macs, "
                        "attributed_energy, done)");
    }
  };
  if (spec.latency) check(*spec.latency, "[tune] latency");
  for (const TuneObjective& objective : spec.objectives)
    check(objective.metric, "objective '" + objective.name + "'");
  for (const TuneConstraint& constraint : spec.constraints)
    check(constraint.metric, "constraint '" + constraint.name + "'");
}

std::vector<std::size_t> screen_best(const TuneSpec& spec, const std::vector<Trial>& trials, std::size_t count) {
  // Feasible trials by non-dominated front, a front by the sum of per-objective ranks; then the
  // infeasible ones by their worst constraint; failed ones last.
  std::vector<std::size_t> feasible, infeasible, failed;
  for (std::size_t i = 0; i < trials.size(); ++i) {
    (trials[i].feasible() ? feasible : trials[i].ok() ? infeasible : failed).push_back(i);
  }
  std::vector<std::vector<double>> values;
  for (std::size_t i : feasible) {
    std::vector<double> v = trials[i].objectives;
    for (std::size_t k = 0; k < v.size(); ++k) {
      if (spec.objectives[k].maximize) v[k] = -v[k];
    }
    values.push_back(std::move(v));
  }
  std::vector<double> rank_sum(feasible.size(), 0.0);
  for (std::size_t k = 0; k < spec.objectives.size(); ++k) {
    std::vector<std::size_t> order(feasible.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return values[a][k] < values[b][k]; });
    for (std::size_t r = 0; r < order.size(); ++r)
      rank_sum[order[r]] += static_cast<double>(r);
  }
  std::vector<std::size_t> chosen;
  for (std::vector<std::uint32_t> front : non_dominated_sort(values)) {
    std::stable_sort(front.begin(), front.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return rank_sum[a] < rank_sum[b]; });
    for (std::uint32_t i : front)
      chosen.push_back(feasible[i]);
  }
  const auto worst = [&](std::size_t i) {
    double w = -std::numeric_limits<double>::infinity();
    for (double c : trials[i].constraints)
      w = std::max(w, c);
    return w;
  };
  std::stable_sort(infeasible.begin(), infeasible.end(),
                   [&](std::size_t a, std::size_t b) { return worst(a) < worst(b); });
  chosen.insert(chosen.end(), infeasible.begin(), infeasible.end());
  chosen.insert(chosen.end(), failed.begin(), failed.end());
  chosen.resize(std::min(count, chosen.size()));
  return chosen;
}

} // namespace archlab
