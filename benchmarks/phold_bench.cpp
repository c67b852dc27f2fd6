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
constexpr std::uint32_t kEventsPerLp = 16;

/// Enough events for each LP to handle several of its own, so both sides reach steady state.
std::uint64_t events_to_run(std::int64_t lps) {
  return std::clamp<std::uint64_t>(static_cast<std::uint64_t>(lps) * kEventsPerLp * 16, 16'000'000, 64'000'000);
}

/// The baseline: the PHOLD loop anyone would write first.
void BM_PlainPriorityQueue(benchmark::State& state) {
  const auto lps = static_cast<std::uint32_t>(state.range(0));
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
      for (std::uint32_t k = 0; k < kEventsPerLp; ++k) queue.push({kLookahead + increment(rng), lp});
    }
    state.ResumeTiming();
    const std::uint64_t target = events_to_run(lps);
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
  static const archlab::PluginRegistry registry;
  const std::string text = "[system.components]\n[workloads.lp]\ntype = \"workload.phold\"\n"
                           "count = " + std::to_string(lps) + "\nevents_per_lp = " + std::to_string(kEventsPerLp) +
                           "\nremote = 0.9\nlookahead = \"0.1 ns\"\nmean = \"1 ns\"\n"
                           "[[links]]\nfrom = \"lp[*].out\"\nto = \"lp[*].in\"\nlatency = \"0.1 ns\"\n";
  const archlab::ExperimentSpec spec = archlab::load_experiment_text(text, "bench", ".", {}, registry);
  const auto engine = archlab::make_engine(engine_name);
  std::uint64_t total = 0;
  for (auto _ : state) {
    state.PauseTiming();
    archlab::SystemInstance system(spec.system, 1);
    archlab::EngineOptions options;
    options.max_events = events_to_run(lps);
    state.ResumeTiming();
    const archlab::RunResult result = engine->run(system, options, nullptr);
    total += result.events;
  }
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate);
}

void BM_ArchlabSequential(benchmark::State& state) { run_archlab(state, "sequential"); }
/// All cores (EngineOptions::threads = 0).
void BM_ArchlabWindowed(benchmark::State& state) { run_archlab(state, "windowed"); }

BENCHMARK(BM_PlainPriorityQueue)->Arg(1 << 10)->Arg(1 << 16)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_ArchlabSequential)->Arg(1 << 10)->Arg(1 << 16)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_ArchlabWindowed)->Arg(1 << 10)->Arg(1 << 16)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->Iterations(1);

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
      const std::string kind = name.substr(0, slash);
      const std::int64_t lps = std::stoll(name.substr(slash + 1));
      rates[kind][lps] = counter->second.value;
    }
  }
  std::map<std::string, std::map<std::int64_t, double>> rates;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::printf("\nPHOLD, events/s (lookahead 0.1 ns, mean 1 ns, remote 0.9); ratios within this run\n");
  std::printf("%-10s %12s %12s %12s %12s %12s\n", "LPs x 16", "plain", "sequential", "seq/plain", "windowed",
              "win/seq");
  const auto& plain = reporter.rates["BM_PlainPriorityQueue"];
  const auto& sequential = reporter.rates["BM_ArchlabSequential"];
  const auto& windowed = reporter.rates["BM_ArchlabWindowed"];
  for (const auto& [lps, seq] : sequential) {
    const double p = plain.contains(lps) ? plain.at(lps) : 0;
    const double w = windowed.contains(lps) ? windowed.at(lps) : 0;
    std::printf("%-10lld %12.3g %12.3g %12.2f %12.3g %12.2f\n", static_cast<long long>(lps), p, seq,
                p > 0 ? seq / p : 0.0, w, w / seq);
  }
  benchmark::Shutdown();
  return 0;
}
