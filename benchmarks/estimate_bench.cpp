// Speed of the analytical estimate (archlab::estimate, workload.dnn's dnn_estimate.cpp): design-
// workload evaluations per second on one core, for every zoo model on the datacenter machine.
//
//   estimate/<model>       the estimate of a loaded experiment (the tiled program is in it)
//   load_estimate/<model>  what a study pays per design point: load the experiment with the design's
//                          --set values (parse the TOML, read and tile the graph) and estimate it
//
// items_per_second is evaluations per second. Compare with dnn_bench's event-level wall time per
// inference (the same machine and models) as a ratio within one run.
//
//   build/benchmarks/estimate_bench
//   build/benchmarks/estimate_bench --benchmark_filter=resnet50_b1
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "archlab/analytical.hpp"
#include "archlab/config.hpp"

namespace {

const archlab::PluginRegistry& registry() {
  static const archlab::PluginRegistry instance;
  return instance;
}

std::string source(const std::string& path) {
  const char* env = std::getenv("ARCHLAB_SOURCE_DIR");
  return std::string(env != nullptr && *env != '\0' ? env : ARCHLAB_SOURCE_DIR) + "/" + path;
}

archlab::ExperimentSpec load(const std::string& model) {
  return archlab::load_experiment(source("examples/datacenter_resnet50.toml"),
                                  {{"workloads.dnn.model", source("workloads/zoo/" + model + ".toml")}}, registry());
}

void estimate_only(benchmark::State& state, const std::string& model) {
  const archlab::ExperimentSpec spec = load(model);
  archlab::Tick latency = 0;
  for (auto _ : state) {
    const auto result = archlab::estimate(spec);
    latency = result[0].latency;
    benchmark::DoNotOptimize(latency);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["latency_us"] = static_cast<double>(latency) * 1e-6;
}

void load_and_estimate(benchmark::State& state, const std::string& model) {
  for (auto _ : state) {
    const auto result = archlab::estimate(load(model));
    benchmark::DoNotOptimize(result[0].latency);
  }
  state.SetItemsProcessed(state.iterations());
}

const char* const kZoo[] = {"mlp_small",
                            "mobilenet_v2",
                            "resnet50_b1",
                            "resnet50_b8",
                            "bert_base_s128",
                            "bert_base_s512",
                            "gpt2_small_decode_kv512",
                            "gpt2_small_prefill512",
                            "llama2_7b_layer_decode_kv2048",
                            "llama2_7b_layer_prefill2048"};

const bool kRegistered = [] {
  for (const char* model : kZoo) {
    benchmark::RegisterBenchmark((std::string("estimate/") + model).c_str(), estimate_only, std::string(model))
        ->Unit(benchmark::kMicrosecond);
  }
  for (const char* model : kZoo) {
    benchmark::RegisterBenchmark((std::string("load_estimate/") + model).c_str(), load_and_estimate, std::string(model))
        ->Unit(benchmark::kMicrosecond);
  }
  return true;
}();

} // namespace

BENCHMARK_MAIN();
