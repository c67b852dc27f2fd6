// Simulation speed of DNN inference on the datacenter machine (examples/datacenter_resnet50.toml):
// ResNet-50 (batch 1) and the GPT-2 small decode step on each engine, reporting events per
// inference, wall time per inference and events/s. Compare engines as ratios within one run;
// absolute times mean something only on a quiet machine.
//
//   build/benchmarks/dnn_bench
//   build/benchmarks/dnn_bench --benchmark_filter=gpt2
//   build/benchmarks/dnn_bench --benchmark_filter=edge_ensemble   # 256 edge design points, ResNet-50
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "archlab/config.hpp"
#include "archlab/engine.hpp"
#include "archlab/system.hpp"

namespace {

const archlab::PluginRegistry& registry() {
  static const archlab::PluginRegistry instance;
  return instance;
}

/// A file of the source tree: ARCHLAB_SOURCE_DIR from the environment (the GPU machine's copy),
/// else the tree this program was built from.
std::string source(const std::string& path) {
  const char* env = std::getenv("ARCHLAB_SOURCE_DIR");
  return std::string(env != nullptr && *env != '\0' ? env : ARCHLAB_SOURCE_DIR) + "/" + path;
}

/// Runs `spec` once per benchmark iteration on `engine_name`; returns the events handled in all.
std::uint64_t run_iterations(benchmark::State& state, const archlab::ExperimentSpec& spec,
                             const std::string& engine_name, unsigned threads, archlab::Tick* final_time = nullptr) {
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
    if (result.status != "completed") state.SkipWithError(("run ended: " + result.status).c_str());
    events += result.events;
    if (final_time != nullptr) *final_time = result.final_time;
  }
  return events;
}

void run_model(benchmark::State& state, const std::string& model, const std::string& engine_name, unsigned threads) {
  const archlab::ExperimentSpec spec =
      archlab::load_experiment(source("examples/datacenter_resnet50.toml"),
                               {{"workloads.dnn.model", source("workloads/zoo/" + model + ".toml")}}, registry());
  archlab::Tick latency = 0;
  const std::uint64_t events = run_iterations(state, spec, engine_name, threads, &latency);
  if (events == 0) return;
  const auto inferences = static_cast<std::uint64_t>(state.iterations());
  state.counters["events_per_inference"] = static_cast<double>(events) / static_cast<double>(inferences);
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["inferences_per_s"] = benchmark::Counter(static_cast<double>(inferences), benchmark::Counter::kIsRate);
  state.counters["simulated_us"] = static_cast<double>(latency) * 1e-6;
}

/// Design points of the edge machine (array shapes from 16 x 16 to 64 x 64) running ResNet-50 in
/// one ensemble: 256 of them is the case the CUDA engine is for (skipped without a device); the
/// CPU engines run 16, which is enough for design points per second.
void run_edge_ensemble(benchmark::State& state, int kPoints, const std::string& engine_name, unsigned threads) {
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
      archlab::load_experiment(source("examples/edge_mobilenet_v2.toml"), overrides, registry());
  const std::uint64_t events = run_iterations(state, spec, engine_name, threads);
  if (events == 0) return;
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["design_points_per_s"] = benchmark::Counter(
      static_cast<double>(kPoints) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

} // namespace

BENCHMARK_CAPTURE(run_model, resnet50_sequential, "resnet50_b1", "sequential", 1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2)
    ->UseRealTime();
BENCHMARK_CAPTURE(run_model, resnet50_windowed_x1, "resnet50_b1", "windowed", 1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2)
    ->UseRealTime();
BENCHMARK_CAPTURE(run_model, resnet50_windowed_x2, "resnet50_b1", "windowed", 2)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();
BENCHMARK_CAPTURE(run_model, resnet50_cuda, "resnet50_b1", "cuda", 1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();
BENCHMARK_CAPTURE(run_model, gpt2_decode_sequential, "gpt2_small_decode_kv512", "sequential", 1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2)
    ->UseRealTime();
BENCHMARK_CAPTURE(run_model, gpt2_decode_windowed_x1, "gpt2_small_decode_kv512", "windowed", 1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2)
    ->UseRealTime();
BENCHMARK_CAPTURE(run_model, gpt2_decode_windowed_x2, "gpt2_small_decode_kv512", "windowed", 2)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();
BENCHMARK_CAPTURE(run_model, gpt2_decode_cuda, "gpt2_small_decode_kv512", "cuda", 1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();
BENCHMARK_CAPTURE(run_edge_ensemble, edge_ensemble16_sequential, 16, "sequential", 1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();
BENCHMARK_CAPTURE(run_edge_ensemble, edge_ensemble256_cuda, 256, "cuda", 1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();

BENCHMARK_MAIN();
