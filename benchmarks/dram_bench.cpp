// Simulation speed of memory.dram under workload.mem_traffic on the sequential engine: requests/s
// and events per request, for today's model and, in the same run, for another build of the plugin
// (the baseline) loaded through the plugin path. Compare the two as ratios within one run.
//
//   build/benchmarks/dram_bench
//   ARCHLAB_BASELINE_PLUGIN_DIR=/path/to/old/plugins build/benchmarks/dram_bench
//
// ARCHLAB_BASELINE_PLUGIN_DIR is a folder holding the baseline's archlab_dram.so (only that: the
// other plugins come from this build). benchmarks/README.md shows how to build one from an older
// commit. Each pair of runs also checks that both models gave the same statistics and reports
// `identical` = 1 (0: they differ; the statistics that differ are printed once), `new_stats`,
// the statistics only the current plugin has (slots added since the baseline; printed too), and
// `speedup`, the baseline's time over the current plugin's for the same pattern.
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
#include "archlab/plugin_loader.hpp"
#include "archlab/system.hpp"
#include "baseline.hpp"

namespace {

struct Pattern {
  const char* name;
  const char* dram;    ///< [system.components.mem] lines
  const char* traffic; ///< [workloads.gen] lines
};

// The reference pattern (1M random 64 B reads, 64 in flight, DDR4-3200, one channel) and
// a 16-channel HBM3 one with 1 KiB requests (32 bursts each).
constexpr Pattern kPatterns[] = {
    {"ddr4_random_64B", "preset = \"ddr4_3200\"\n",
     "pattern = \"random\"\nrange = \"4 GiB\"\nrequest_size = \"64 B\"\noutstanding = 64\ntotal_requests = 1000000\n"},
    {"hbm3_random_1KiB", "preset = \"hbm3\"\n",
     "pattern = \"random\"\nrange = \"1 GiB\"\nrequest_size = \"1 KiB\"\noutstanding = 64\ntotal_requests = 20000\n"},
    {"hbm3_sequential_1KiB", "preset = \"hbm3\"\n",
     "pattern = \"sequential\"\nrequest_size = \"1 KiB\"\noutstanding = 100\ntotal_requests = 20000\n"},
};

std::string experiment(const Pattern& p) {
  std::string text = "engine = \"sequential\"\n[system.components.mem]\ntype = \"memory.dram\"\n";
  text += p.dram;
  text += "[workloads.gen]\ntype = \"workload.mem_traffic\"\n";
  text += p.traffic;
  text += "[[links]]\nfrom = \"gen.out\"\nto = \"mem.req\"\nlatency = \"1 ns\"\n";
  text += "[[links]]\nfrom = \"mem.resp\"\nto = \"gen.in\"\nlatency = \"1 ns\"\n";
  return text;
}

using archlab::bench::baseline_registry;
using archlab::bench::Stats;
using archlab::bench::stats_of;

void run_pattern(benchmark::State& state, const Pattern& pattern, bool baseline) {
  const archlab::PluginRegistry& registry = archlab::bench::registry(baseline);
  const archlab::ExperimentSpec spec =
      archlab::load_experiment_text(experiment(pattern), "dram_bench.toml", ".", {}, registry);
  const auto engine = archlab::make_engine("sequential");
  std::uint64_t events = 0;
  double requests = 0;
  double seconds = 0; // the engine's wall time of the runs (RunResult::wall_seconds)
  Stats stats;
  for (auto _ : state) {
    state.PauseTiming();
    archlab::SystemInstance system(spec.system, spec.seed);
    archlab::EngineOptions options;
    state.ResumeTiming();
    const archlab::RunResult result = engine->run(system, options, nullptr);
    seconds += result.wall_seconds;
    state.PauseTiming();
    if (result.status != "completed") state.SkipWithError(("run ended: " + result.status).c_str());
    stats = stats_of(system);
    events += result.events;
    requests += stats["workload.mem_traffic.completed"];
    state.ResumeTiming();
  }
  state.counters["requests_per_s"] = benchmark::Counter(requests, benchmark::Counter::kIsRate);
  state.counters["events_per_request"] = static_cast<double>(events) / requests;
  archlab::bench::compare(state, pattern.name, stats, baseline, seconds / static_cast<double>(state.iterations()));
}

} // namespace

int main(int argc, char** argv) {
  if (const archlab::PluginRegistry* baseline = baseline_registry(); baseline != nullptr) {
    const std::filesystem::path dir = std::getenv("ARCHLAB_BASELINE_PLUGIN_DIR");
    if (!archlab::bench::in_baseline_folder(baseline->find("memory.dram")->path())) {
      std::fprintf(stderr, "dram_bench: no archlab_dram.so in %s\n", dir.c_str());
      return 2;
    }
  }
  for (const Pattern& p : kPatterns) {
    benchmark::RegisterBenchmark((std::string(p.name) + "/current").c_str(), run_pattern, p, false)
        ->Unit(benchmark::kMillisecond)
        ->Iterations(1)
        ->UseRealTime();
    if (baseline_registry() != nullptr) {
      benchmark::RegisterBenchmark((std::string(p.name) + "/baseline").c_str(), run_pattern, p, true)
          ->Unit(benchmark::kMillisecond)
          ->Iterations(1)
          ->UseRealTime();
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
