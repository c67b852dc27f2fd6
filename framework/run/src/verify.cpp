#include "archlab/verify.hpp"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "archlab/system.hpp"

namespace archlab {
namespace {

/// "lp[3] (workload.phold) statistic 'events'" for the flat index into a type's values.
std::string where_stat(const OutputLayout& layout, std::size_t group, std::size_t flat) {
  const StatGroup& g = layout.stat_groups.at(group);
  const std::size_t nstats = std::max<std::size_t>(g.stat_names.size(), 1);
  const std::size_t id = g.first_id + flat / nstats;
  std::ostringstream out;
  if (id < layout.components.size()) {
    out << layout.components[id].name << "[" << layout.components[id].index << "] (" << g.type << ")";
  } else {
    out << g.type << " instance " << flat / nstats;
  }
  if (flat % nstats < g.stat_names.size()) out << " statistic '" << g.stat_names[flat % nstats] << "'";
  return out.str();
}

std::string compare_values(const OutputLayout& layout, const std::vector<std::vector<double>>& reference,
                           const std::vector<std::vector<double>>& other) {
  if (reference.size() != other.size()) return "a different number of component types";
  for (std::size_t g = 0; g < reference.size(); ++g) {
    if (reference[g].size() != other[g].size())
      return "a different number of values for " + layout.stat_groups.at(g).type;
    for (std::size_t i = 0; i < reference[g].size(); ++i) {
      // Bitwise, as "bit-identical" promises: a NaN matches the same NaN, -0 does not match +0.
      if (std::memcmp(&reference[g][i], &other[g][i], sizeof(double)) != 0) {
        std::ostringstream out;
        out.precision(17);
        out << where_stat(layout, g, i) << ": " << other[g][i] << " instead of " << reference[g][i];
        return out.str();
      }
    }
  }
  return "";
}

std::string compare(const OutputLayout& layout, const RecordedRun& reference, const RecordedRun& other) {
  auto differs = [](const char* what, auto a, auto b) {
    std::ostringstream out;
    out << what << " " << b << " instead of " << a;
    return out.str();
  };
  const RunResult& a = reference.result;
  const RunResult& b = other.result;
  if (a.status != b.status) return differs("status", a.status, b.status);
  if (a.events != b.events) return differs("events", a.events, b.events);
  if (a.pending != b.pending) return differs("pending events", a.pending, b.pending);
  if (a.final_time != b.final_time) return differs("final time (ps)", a.final_time, b.final_time);
  if (std::string d = compare_values(layout, reference.stats, other.stats); !d.empty()) return "final statistics: " + d;
  const auto& sa = reference.recorded.samples;
  const auto& sb = other.recorded.samples;
  if (sa.size() != sb.size()) return differs("samples", sa.size(), sb.size());
  for (std::size_t s = 0; s < sa.size(); ++s) {
    const std::string at = "sample " + std::to_string(s) + " (t = " + std::to_string(sa[s].time) + " ps): ";
    if (sa[s].time != sb[s].time) return at + differs("time", sa[s].time, sb[s].time);
    if (sa[s].events != sb[s].events) return at + differs("events", sa[s].events, sb[s].events);
    if (sa[s].pending != sb[s].pending) return at + differs("pending", sa[s].pending, sb[s].pending);
    if (std::string d = compare_values(layout, sa[s].values, sb[s].values); !d.empty()) return at + d;
  }
  const auto& ta = reference.recorded.trace;
  const auto& tb = other.recorded.trace;
  for (std::size_t i = 0; i < std::min(ta.size(), tb.size()); ++i) {
    const TraceRecord& x = ta[i];
    const TraceRecord& y = tb[i];
    if (x.time != y.time || x.src != y.src || x.seq != y.seq || x.target != y.target || x.port != y.port ||
        x.kind != y.kind || x.first_seq != y.first_seq) {
      std::ostringstream out;
      out << "trace record " << i << ": (time " << y.time << ", from " << y.src << " #" << y.seq << " to " << y.target
          << " port " << y.port << " kind " << y.kind << " first_seq " << y.first_seq << ") instead of (time "
          << x.time << ", from " << x.src << " #" << x.seq << " to " << x.target << " port " << x.port << " kind "
          << x.kind << " first_seq " << x.first_seq << ")";
      return out.str();
    }
  }
  if (ta.size() != tb.size()) return differs("trace records", ta.size(), tb.size());
  return "";
}

} // namespace

RecordedRun run_recorded(const ExperimentSpec& spec, Engine& engine, unsigned threads) {
  SystemInstance system(spec.system, spec.seed);
  EngineOptions options;
  options.stop_time = spec.stop_time;
  options.max_events = spec.max_events;
  options.stats_interval = spec.stats_interval;
  options.trace = true;
  options.threads = threads;
  RecordedRun outcome;
  outcome.result = engine.run(system, options, &outcome.recorded);
  outcome.stats = system.stat_values();
  return outcome;
}

bool VerifyReport::identical() const {
  return std::all_of(engines.begin(), engines.end(), [](const EngineCheck& e) { return e.identical(); });
}

VerifyReport verify_experiment(const ExperimentSpec& spec, const std::function<void(const EngineCheck&)>& on_engine) {
  const OutputLayout layout = SystemInstance(spec.system, spec.seed).output_layout();
  const RecordedRun reference = run_recorded(spec, *make_sequential_engine(), 1);
  VerifyReport report;
  report.reference = reference.result;
  report.samples = reference.recorded.samples.size();
  report.trace_records = reference.recorded.trace.size();

  struct Candidate {
    std::string name;
    unsigned threads;
  };
  std::vector<Candidate> candidates{
      {"windowed", 1}, {"windowed", 2}, {"windowed", 3}, {"windowed", 4}, {"gpu-emulated", 1}};
  report.cuda_skipped = !cuda_device_available();
  if (!report.cuda_skipped) candidates.push_back({"cuda", 1});
  for (const Candidate& candidate : candidates) {
    auto engine = candidate.name == "gpu-emulated" ? make_gpu_emulation_engine() : make_engine(candidate.name);
    const RecordedRun outcome = run_recorded(spec, *engine, candidate.threads);
    EngineCheck check{candidate.name, candidate.threads, outcome.result, compare(layout, reference, outcome)};
    if (on_engine) on_engine(check);
    report.engines.push_back(std::move(check));
  }
  return report;
}

} // namespace archlab
