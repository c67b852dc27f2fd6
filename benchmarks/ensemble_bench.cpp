// An ensemble of 1,024 small PHOLD systems (1K LPs x 16 events each, every one with its own
// `remote`) in one CUDA run, against the same 1,024 systems run one after another on the
// sequential engine. The systems are alike in cost, so the sequential side runs `--solo`
// of them (default 16) and scales the time to 1,024; it says so in its output.
//
//   build/benchmarks/ensemble_bench              # needs a CUDA device for the ensemble side
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "archlab/config.hpp"
#include "archlab/engine.hpp"

namespace {

constexpr int kReplicas = 1024;

std::string system_text(const char* stop_time) {
  return std::string("stop_time = \"") + stop_time +
         "\"\n[system.components]\n[workloads.lp]\ntype = \"workload.phold\"\ncount = 1024\nevents_per_lp = 16\n"
         "lookahead = \"0.1 ns\"\nmean = \"1 ns\"\nremote = 0.9\n"
         "[[links]]\nfrom = \"lp[*].out\"\nto = \"lp[*].in\"\nlatency = \"0.1 ns\"\n";
}

double remote_of(int replica) { return 0.5 + 0.5 * replica / (kReplicas - 1.0); }

double seconds_of(archlab::Engine& engine, const archlab::ExperimentSpec& spec, std::uint64_t* events) {
  archlab::SystemInstance system(spec.system, spec.seed);
  archlab::EngineOptions options;
  options.stop_time = spec.stop_time;
  const auto start = std::chrono::steady_clock::now();
  const archlab::RunResult result = engine.run(system, options, nullptr);
  *events = result.events;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  int solo = 16;
  const char* stop_time = "20 ns";
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--solo") == 0) solo = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--stop") == 0) stop_time = argv[i + 1];
  }
  const archlab::PluginRegistry registry;
  const auto sequential = archlab::make_sequential_engine();
  double solo_seconds = 0;
  std::uint64_t solo_events = 0;
  for (int r = 0; r < solo; ++r) {
    const int replica = r * (kReplicas / solo);
    const auto spec = archlab::load_experiment_text(system_text(stop_time), "solo", ".",
                                                    {{"workloads.lp.remote", std::to_string(remote_of(replica))}},
                                                    registry);
    std::uint64_t events = 0;
    solo_seconds += seconds_of(*sequential, spec, &events);
    solo_events += events;
  }
  const double sequential_total = solo_seconds * kReplicas / solo;
  std::printf("sequential: %d of %d systems one after another took %.3f s (%.3g events/s); all %d: %.2f s (scaled)\n",
              solo, kReplicas, solo_seconds, solo_events / solo_seconds, kReplicas, sequential_total);

  if (!archlab::cuda_device_available()) {
    std::printf("no CUDA device: the ensemble run on the GPU is not measured\n");
    return 0;
  }
  std::string vary = "[ensemble]\nreplicas = " + std::to_string(kReplicas) + "\n[ensemble.vary]\n\"workloads.lp.remote\" = [";
  for (int r = 0; r < kReplicas; ++r) vary += (r > 0 ? ", " : "") + std::to_string(remote_of(r));
  vary += "]\n";
  const auto ensemble = archlab::load_experiment_text(system_text(stop_time) + vary, "ensemble", ".", {}, registry);
  const auto cuda = archlab::make_cuda_engine();
  std::uint64_t events = 0;
  const double cuda_seconds = seconds_of(*cuda, ensemble, &events);
  std::printf("cuda: one ensemble run of %d systems took %.3f s (%.3g events/s)\n", kReplicas, cuda_seconds,
              events / cuda_seconds);
  std::printf("ensemble speed-up over %d sequential runs: %.1fx (target: at least 50x)\n", kReplicas,
              sequential_total / cuda_seconds);
  return 0;
}
