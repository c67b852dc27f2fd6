// `archlab verify`: one experiment on every engine, compared with the sequential reference.
// Every engine must give bit-identical results (DESIGN.md, total order); a plugin author runs
// this on a small experiment of their plugin to find a handler that breaks the rules (state
// outside State, order-dependent sums, host-only code paths) before a study does.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "archlab/config.hpp"
#include "archlab/engine.hpp"

namespace archlab {

/// What an engine observed during a run: every statistics sample and every trace record.
struct RunRecorder : RunObserver {
  std::vector<StatSample> samples;
  std::vector<TraceRecord> trace;
  void on_sample(StatSample sample) override { samples.push_back(std::move(sample)); }
  void on_trace(std::vector<TraceRecord> records) override {
    trace.insert(trace.end(), records.begin(), records.end());
  }
};

/// One run of an experiment with tracing on: its result, final statistics, samples and trace.
struct RecordedRun {
  RunResult result;
  std::vector<std::vector<double>> stats;
  RunRecorder recorded;
};

/// Runs `spec` on `engine` (`threads` for the windowed engine) on a fresh system, tracing every
/// event; what verify_experiment and the engine-equivalence tests compare.
RecordedRun run_recorded(const ExperimentSpec& spec, Engine& engine, unsigned threads);

/// One engine's run against the reference.
struct EngineCheck {
  std::string engine;   ///< "windowed", "gpu-emulated", "cuda"
  unsigned threads = 1; ///< windowed: worker threads
  RunResult result;
  std::string difference; ///< empty: identical; else the first difference, in words
  bool identical() const { return difference.empty(); }
};

struct VerifyReport {
  RunResult reference; ///< the sequential engine's run
  std::size_t samples = 0;
  std::size_t trace_records = 0;
  std::vector<EngineCheck> engines;
  bool cuda_skipped = false; ///< no CUDA device (or a build without CUDA)
  bool identical() const;
};

/// Runs `spec` (with tracing on) on the sequential engine, the windowed engine at 1, 2, 3 and 4
/// threads, the CUDA engine's algorithm on the host (gpu-emulated), and the CUDA engine when a
/// device is present, and compares each with the sequential run: status, events, pending
/// events, final time, every statistic of every instance, every sample and every trace record.
/// `on_engine` (optional) hears about each engine as it finishes. Throws what a run throws
/// (RunError when a handler fails on an engine).
VerifyReport verify_experiment(const ExperimentSpec& spec,
                               const std::function<void(const EngineCheck&)>& on_engine = {});

} // namespace archlab
