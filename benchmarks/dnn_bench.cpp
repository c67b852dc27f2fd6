// Simulation speed of DNN inference on the datacenter machine (examples/datacenter_resnet50.toml):
// ResNet-50 (batch 1) and the GPT-2 small decode step on each engine, reporting events per
// inference, wall time per inference and events/s. Compare engines as ratios within one run;
// absolute times mean something only on a quiet machine. The `*_reference` cases run the machine
// and example frozen as they were when issue 18 was filed (benchmarks/reference/), so that the
// models' speed can be compared on the same work while the shipped machine changes.
//
//   build/benchmarks/dnn_bench
//   build/benchmarks/dnn_bench --benchmark_filter=gpt2
//   build/benchmarks/dnn_bench --benchmark_filter=edge_ensemble   # 256 edge design points, ResNet-50
//
// With ARCHLAB_BASELINE_PLUGIN_DIR set to a folder of plugins built from another commit (for
// example memory.dram before a change), the sequential cases also run with those plugins in the
// same run (`.../baseline`), and each reports `identical` = 1 when every statistic of the
// baseline's run matched the current plugins' (the ones that differ are printed), `new_stats`,
// the statistics only the current plugins have, and `speedup`, the baseline's time per run over
// the current plugins' (each baseline case runs right after its current case). benchmarks/README.md
// has the recipe.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "archlab/config.hpp"
#include "archlab/engine.hpp"
#include "archlab/system.hpp"
#include "baseline.hpp"

namespace {

using archlab::bench::compare;
using archlab::bench::registry;
using archlab::bench::Stats;
using archlab::bench::stats_of;

/// A file of the source tree: ARCHLAB_SOURCE_DIR from the environment (the GPU machine's copy),
/// else the tree this program was built from.
std::string source(const std::string& path) {
  const char* env = std::getenv("ARCHLAB_SOURCE_DIR");
  return std::string(env != nullptr && *env != '\0' ? env : ARCHLAB_SOURCE_DIR) + "/" + path;
}

/// Runs `spec` once per benchmark iteration on `engine_name`; returns the events handled in all,
/// and in `seconds` the engine's wall time per run (RunResult::wall_seconds).
std::uint64_t run_iterations(benchmark::State& state, const archlab::ExperimentSpec& spec,
                             const std::string& engine_name, unsigned threads, double& seconds,
                             archlab::Tick* final_time = nullptr, Stats* stats = nullptr) {
  if (engine_name == "cuda" && !archlab::cuda_device_available()) {
    state.SkipWithError("no CUDA device");
    return 0;
  }
  const auto engine =
      engine_name == "gpu-emulated" ? archlab::make_gpu_emulation_engine() : archlab::make_engine(engine_name);
  std::uint64_t events = 0;
  for (auto _ : state) {
    state.PauseTiming();
    archlab::SystemInstance system(spec.system, spec.seed);
    archlab::EngineOptions options;
    options.threads = threads;
    state.ResumeTiming();
    const archlab::RunResult result = engine->run(system, options, nullptr);
    seconds += result.wall_seconds;
    if (result.status != "completed") state.SkipWithError(("run ended: " + result.status).c_str());
    events += result.events;
    if (final_time != nullptr) *final_time = result.final_time;
    if (stats != nullptr) {
      state.PauseTiming();
      *stats = stats_of(system);
      (*stats)["engine.final_time"] = static_cast<double>(result.final_time);
      state.ResumeTiming();
    }
  }
  if (state.iterations() > 0) seconds /= static_cast<double>(state.iterations());
  return events;
}

/// The experiment of the `*_reference` cases: the datacenter machine and example as they were when
/// issue 18 was filed (2026-11-28), frozen, so that speed is compared on the same work over time.
const char* const kReferenceExample = "benchmarks/reference/datacenter_resnet50_2026-11-28.toml";

void run_model(benchmark::State& state, const std::string& model, const std::string& engine_name, unsigned threads,
               bool baseline = false, const std::string& example = "examples/datacenter_resnet50.toml") {
  const archlab::ExperimentSpec spec = archlab::load_experiment(
      source(example), {{"workloads.dnn.model", source("workloads/zoo/" + model + ".toml")}}, registry(baseline));
  archlab::Tick latency = 0;
  Stats stats;
  double seconds = 0;
  const std::uint64_t events = run_iterations(state, spec, engine_name, threads, seconds, &latency, &stats);
  if (events == 0) return;
  if (engine_name == "sequential") compare(state, model + " " + example, stats, baseline, seconds);
  const auto inferences = static_cast<std::uint64_t>(state.iterations());
  state.counters["events_per_inference"] = static_cast<double>(events) / static_cast<double>(inferences);
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["inferences_per_s"] = benchmark::Counter(static_cast<double>(inferences), benchmark::Counter::kIsRate);
  state.counters["simulated_us"] = static_cast<double>(latency) * 1e-6;
}

/// Design points of the edge machine (array shapes from 16 x 16 to 64 x 64) running ResNet-50 in
/// one ensemble: 256 of them is the case the CUDA engine is for (skipped without a device); the
/// CPU engines run 16, which is enough for design points per second.
void run_edge_ensemble(benchmark::State& state, int kPoints, const std::string& engine_name, unsigned threads,
                       bool baseline = false) {
  std::string rows;
  std::string cols;
  for (int i = 0; i < kPoints; ++i) {
    rows += (i ? ", " : "") + std::to_string(16 + 16 * (i % 4));
    cols += (i ? ", " : "") + std::to_string(16 + 16 * ((i / 4) % 4));
  }
  const std::vector<archlab::Override> overrides{
      {"workloads.dnn.model", source("workloads/zoo/resnet50_b1.toml")},
      {"ensemble", "{ replicas = " + std::to_string(kPoints) + ", vary = { \"system.components.sa.rows\" = [" + rows +
                       "], \"system.components.sa.cols\" = [" + cols + "] } }"}};
  const archlab::ExperimentSpec spec =
      archlab::load_experiment(source("examples/edge_mobilenet_v2.toml"), overrides, registry(baseline));
  Stats stats;
  double seconds = 0;
  const std::uint64_t events = run_iterations(state, spec, engine_name, threads, seconds, nullptr, &stats);
  if (events == 0) return;
  if (engine_name == "sequential") compare(state, "edge_ensemble" + std::to_string(kPoints), stats, baseline, seconds);
  state.counters["events_per_design_point"] =
      static_cast<double>(events) / static_cast<double>(state.iterations()) / static_cast<double>(kPoints);
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["design_points_per_s"] = benchmark::Counter(
      static_cast<double>(kPoints) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

} // namespace

int main(int argc, char** argv) {
  // Registered in this order: each sequential case's baseline right after it (the machine's load
  // drifts over minutes; neighbours see the same), reporting `speedup` = the baseline's time over
  // the current plugins' time for the same run.
  const bool with_baseline = archlab::bench::baseline_registry() != nullptr;
  const auto add = [](const std::string& name, auto&&... args) {
    return benchmark::RegisterBenchmark(name.c_str(), args...)->Unit(benchmark::kMillisecond)->UseRealTime();
  };
  const std::string datacenter = "examples/datacenter_resnet50.toml";
  const struct {
    const char* name;
    const char* model;
    std::string example;
  } models[] = {{"resnet50", "resnet50_b1", datacenter},
                {"gpt2_decode", "gpt2_small_decode_kv512", datacenter},
                {"resnet50_reference", "resnet50_b1", kReferenceExample},
                {"gpt2_decode_reference", "gpt2_small_decode_kv512", kReferenceExample}};
  for (const auto& m : models) {
    const std::string name = std::string("run_model/") + m.name;
    add(name + "_sequential", run_model, std::string(m.model), std::string("sequential"), 1u, false, m.example)
        ->Iterations(2);
    if (with_baseline)
      add(name + "_sequential/baseline", run_model, std::string(m.model), std::string("sequential"), 1u, true,
          m.example)
          ->Iterations(2);
    if (m.example != datacenter) continue; // the reference cases run on the sequential engine only
    add(name + "_windowed_x1", run_model, std::string(m.model), std::string("windowed"), 1u, false, m.example)
        ->Iterations(2);
    add(name + "_windowed_x2", run_model, std::string(m.model), std::string("windowed"), 2u, false, m.example)
        ->Iterations(1);
    add(name + "_cuda", run_model, std::string(m.model), std::string("cuda"), 1u, false, m.example)->Iterations(1);
  }
  add("run_edge_ensemble/edge_ensemble16_sequential", run_edge_ensemble, 16, std::string("sequential"), 1u, false)
      ->Iterations(1);
  if (with_baseline)
    add("run_edge_ensemble/edge_ensemble16_sequential/baseline", run_edge_ensemble, 16, std::string("sequential"), 1u,
        true)
        ->Iterations(1);
  add("run_edge_ensemble/edge_ensemble256_cuda", run_edge_ensemble, 256, std::string("cuda"), 1u, false)->Iterations(1);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
