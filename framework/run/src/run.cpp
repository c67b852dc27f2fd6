#include "archlab/run.hpp"

#include <cmath>

#include "archlab/errors.hpp"
#include "archlab/output.hpp"
#include "archlab/version.hpp"

namespace archlab {
namespace {

class WriterObserver final : public RunObserver {
 public:
  explicit WriterObserver(RunWriter* writer) : writer_(writer) {}
  void on_sample(StatSample sample) override { writer_->add_sample(std::move(sample)); }
  void on_trace(std::vector<TraceRecord> records) override { writer_->add_trace(std::move(records)); }

 private:
  RunWriter* writer_;
};

/// Each statistic summed over a replica's instances; a derived statistic is the ratio of its
/// two sums (the mean latency of all requests, not the mean of per-instance means).
std::vector<StatTotal> totals_of(const SystemInstance& system) {
  std::vector<StatTotal> totals;
  for (std::uint32_t replica = 0; replica < system.replicas(); ++replica) {
    for (const auto& type : system.types()) {
      const StatGroup& layout = type->stat_layout;
      const std::size_t width = layout.stat_names.size();
      auto sum_of = [&](std::size_t s) {
        double sum = 0;
        for (std::uint32_t i = 0; i < type->rt.count; ++i) {
          if (system.replica_of(type->rt.base + i) != replica) continue;
          sum += type->stats[static_cast<std::size_t>(i) * width + s];
        }
        return sum;
      };
      for (std::size_t s = 0; s < width; ++s) {
        const StatSlotInfo& info = layout.slots[s];
        double total = 0;
        if (info.kind == StatSlotInfo::Kind::Derived) {
          const double denominator = sum_of(info.denominator);
          total = denominator != 0 ? sum_of(info.numerator) / denominator : NAN;
        } else {
          total = sum_of(s);
        }
        totals.push_back({replica, type->name, layout.stat_names[s], layout.stat_units[s], total, info.kind});
      }
    }
  }
  return totals;
}

}  // namespace

void check_experiment(const ExperimentSpec& spec) {
  (void)make_engine(spec.engine);
  if (spec.system.components.empty()) throw ConfigError(spec.experiment_name + ": the system has no components");
}

RunReport run_experiment(const ExperimentSpec& spec, const std::function<void(const Progress&)>& progress) {
  if (!spec.output.empty()) check_output_path(spec.output, spec.inputs);
  auto engine = make_engine(spec.engine);
  SystemInstance system(spec.system, spec.seed);

  RunReport report;
  report.engine = std::string(engine->name());
  report.output = spec.output;

  std::unique_ptr<RunWriter> writer;
  if (!spec.output.empty() && engine->holds_results()) {
    OutputLayout layout = system.output_layout();
    layout.metadata = {kVersion, report.engine, spec.seed, spec.experiment_text, spec.system_text, spec.effective_text};
    layout.trace = spec.trace;
    writer = RunWriter::create(spec.output, layout, OutputOptions{spec.flush_seconds});
  }
  WriterObserver observer(writer.get());

  EngineOptions options;
  options.stop_time = spec.stop_time;
  options.max_events = spec.max_events;
  options.stats_interval = spec.stats_interval;
  options.trace = spec.trace && writer != nullptr;
  options.threads = spec.threads;
  options.progress = progress;
  try {
    report.result = engine->run(system, options, writer ? &observer : nullptr);
  } catch (const std::exception& error) {
    if (writer) {
      RunSummary summary;
      summary.status = std::string("failed: ") + error.what();
      summary.final_stats = {0, system.stat_values(), 0, 0};
      try {
        writer->finish(std::move(summary));
      } catch (const std::exception&) {
        // the run's own error is the one to report
      }
    }
    // Past this point nothing is bad input any more: an output error here is a run failure.
    if (dynamic_cast<const OutputError*>(&error) != nullptr) throw RunError(error.what());
    throw;
  }
  report.replicas = system.replicas();
  if (!engine->holds_results()) {
    report.output.clear();
    return report;
  }
  report.totals = totals_of(system);
  std::vector<ReportTable> tables = system.report_tables(true, &report.report_text);
  if (writer) {
    RunSummary summary;
    summary.status = report.result.status;
    summary.final_time = report.result.final_time;
    summary.events = report.result.events;
    summary.wall_seconds = report.result.wall_seconds;
    summary.final_stats = {report.result.final_time, system.stat_values(), report.result.events, report.result.pending};
    summary.tables = std::move(tables);
    try {
      writer->finish(std::move(summary));
    } catch (const OutputError& error) {
      throw RunError(error.what());
    }
  }
  return report;
}

}  // namespace archlab
