// PHOLD events per second: archlab's sequential and windowed engines (plugin boundary
// included) against a plain std::priority_queue PHOLD loop in the same program. Only ratios
// within one run mean anything on a shared machine; they are printed at the end.
//
//   build/benchmarks/phold_bench                       # all sizes
//   build/benchmarks/phold_bench --benchmark_filter=65536
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <queue>
#include <random>

#include "archlab/config.hpp"
#include "archlab/engine.hpp"

namespace {

constexpr double kLookahead = 0.1;  // ns
constexpr double kMean = 1.0;
constexpr double kRemote = 0.9;

/// Enough events for each LP to handle several of its own, so both sides reach steady state.
std::uint64_t events_to_run(std::int64_t lps, std::int64_t per_lp) {
  const auto population = static_cast<std::uint64_t>(lps * per_lp);
  return std::max<std::uint64_t>(std::clamp<std::uint64_t>(population * 16, 16'000'000, 64'000'000), population * 2);
}

/// The baseline: the PHOLD loop anyone would write first.
void BM_PlainPriorityQueue(benchmark::State& state) {
  const auto lps = static_cast<std::uint32_t>(state.range(0));
  const auto per_lp = static_cast<std::uint32_t>(state.range(1));
  struct Pending {
    double time;
    std::uint32_t lp;
    bool operator>(const Pending& other) const { return time > other.time; }
  };
  std::uint64_t total = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::mt19937_64 rng(1);
    std::exponential_distribution<double> increment(1.0 / (kMean - kLookahead));
    std::uniform_real_distribution<double> coin(0.0, 1.0);
    std::uniform_int_distribution<std::uint32_t> pick(0, lps - 1);
    std::priority_queue<Pending, std::vector<Pending>, std::greater<>> queue;
    std::vector<std::uint64_t> handled(lps, 0);
    for (std::uint32_t lp = 0; lp < lps; ++lp) {
      for (std::uint32_t k = 0; k < per_lp; ++k) queue.push({kLookahead + increment(rng), lp});
    }
    state.ResumeTiming();
    const std::uint64_t target = events_to_run(lps, per_lp);
    for (std::uint64_t n = 0; n < target; ++n) {
      const Pending event = queue.top();
      queue.pop();
      ++handled[event.lp];
      const std::uint32_t dest = coin(rng) < kRemote ? pick(rng) : event.lp;
      queue.push({event.time + kLookahead + increment(rng), dest});
    }
    benchmark::DoNotOptimize(handled.data());
    total += target;
  }
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate);
}

void run_archlab(benchmark::State& state, const char* engine_name) {
  const auto lps = static_cast<std::uint32_t>(state.range(0));
  const auto per_lp = static_cast<std::uint32_t>(state.range(1));
  static const archlab::PluginRegistry registry;
  const std::string text = "[system.components]\n[workloads.lp]\ntype = \"workload.phold\"\n"
                           "count = " + std::to_string(lps) + "\nevents_per_lp = " + std::to_string(per_lp) +
                           "\nremote = 0.9\nlookahead = \"0.1 ns\"\nmean = \"1 ns\"\n"
                           "[[links]]\nfrom = \"lp[*].out\"\nto = \"lp[*].in\"\nlatency = \"0.1 ns\"\n";
  const archlab::ExperimentSpec spec = archlab::load_experiment_text(text, "bench", ".", {}, registry);
  const auto engine = archlab::make_engine(engine_name);
  std::uint64_t total = 0;
  for (auto _ : state) {
    state.PauseTiming();
    archlab::SystemInstance system(spec.system, 1);
    archlab::EngineOptions options;
    options.max_events = events_to_run(lps, per_lp);
    state.ResumeTiming();
    const archlab::RunResult result = engine->run(system, options, nullptr);
    total += result.events;
  }
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate);
}

void BM_ArchlabSequential(benchmark::State& state) { run_archlab(state, "sequential"); }
/// All cores (EngineOptions::threads = 0).
void BM_ArchlabWindowed(benchmark::State& state) { run_archlab(state, "windowed"); }
void BM_ArchlabCuda(benchmark::State& state) { run_archlab(state, "cuda"); }

/// LPs x events per LP. The CPU runs stop at 1M x 16; the CUDA engine also runs 16M x 8.
void register_benchmarks() {
  const std::vector<std::pair<std::int64_t, std::int64_t>> cpu_sizes = {{1 << 10, 16}, {1 << 16, 16}, {1 << 20, 16}};
  for (const auto& [lps, per_lp] : cpu_sizes) {
    benchmark::RegisterBenchmark("BM_PlainPriorityQueue", BM_PlainPriorityQueue)->Args({lps, per_lp})->Iterations(1)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_ArchlabSequential", BM_ArchlabSequential)->Args({lps, per_lp})->Iterations(1)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_ArchlabWindowed", BM_ArchlabWindowed)->Args({lps, per_lp})->Iterations(1)->Unit(benchmark::kMillisecond);
  }
  if (!archlab::cuda_device_available()) {
    std::printf("no CUDA device: the cuda engine is not measured\n");
    return;
  }
  for (const auto& [lps, per_lp] : {std::pair<std::int64_t, std::int64_t>{1 << 10, 16}, {1 << 16, 16}, {1 << 20, 16}, {1 << 24, 8}}) {
    benchmark::RegisterBenchmark("BM_ArchlabCuda", BM_ArchlabCuda)->Args({lps, per_lp})->Iterations(1)->Unit(benchmark::kMillisecond);
  }
}

/// Collects events/s per benchmark so main() can print the ratios.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      const auto counter = run.counters.find("events_per_s");
      if (counter == run.counters.end()) continue;
      const std::string name = run.benchmark_name();
      const auto slash = name.find('/');
      const auto second = name.find('/', slash + 1);
      const std::string kind = name.substr(0, slash);
      const std::string size = name.substr(slash + 1, name.find('/', second + 1) - slash - 1);  // "lps/per_lp"
      rates[kind][size] = counter->second.value;
    }
  }
  std::map<std::string, std::map<std::string, double>> rates;  // [benchmark][lps/per_lp] -> events/s
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  register_benchmarks();
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::printf("\nPHOLD, events/s (lookahead 0.1 ns, mean 1 ns, remote 0.9); ratios within this run\n");
  std::printf("%-14s %11s %11s %9s %11s %8s %11s %9s\n", "LPs/per LP", "plain", "sequential", "seq/plain",
              "windowed", "win/seq", "cuda", "cuda/seq");
  auto rate = [&](const char* kind, const std::string& size) {
    const auto& table = reporter.rates[kind];
    return table.contains(size) ? table.at(size) : 0.0;
  };
  std::vector<std::string> sizes;
  for (const auto& [kind, table] : reporter.rates) {
    for (const auto& [size, value] : table) {
      if (std::find(sizes.begin(), sizes.end(), size) == sizes.end()) sizes.push_back(size);
    }
  }
  std::sort(sizes.begin(), sizes.end(), [](const std::string& a, const std::string& b) { return std::stoll(a) < std::stoll(b); });
  for (const std::string& size : sizes) {
    const double plain = rate("BM_PlainPriorityQueue", size);
    const double seq = rate("BM_ArchlabSequential", size);
    const double win = rate("BM_ArchlabWindowed", size);
    const double cuda = rate("BM_ArchlabCuda", size);
    std::printf("%-14s %11.3g %11.3g %9.2f %11.3g %8.2f %11.3g %9.2f\n", size.c_str(), plain, seq,
                plain > 0 ? seq / plain : 0.0, win, seq > 0 ? win / seq : 0.0, cuda, seq > 0 ? cuda / seq : 0.0);
  }
  benchmark::Shutdown();
  return 0;
}
