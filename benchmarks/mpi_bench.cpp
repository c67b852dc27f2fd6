// The mpi engine against the sequential engine and the windowed engine (2 threads), in one run:
// PHOLD 1M LPs x 16 events, and the many-core machine running the small MLP
// (examples/manycore_mlp.toml). Then each rank's measured per-window costs and the scaling model
// that predicts events/s at 8, 64 and 512 ranks from them (benchmarks/README.md, "MPI").
//
//   mpirun -n 2 build/benchmarks/mpi_bench          (as root: mpirun --allow-run-as-root)
//
// Rank 0 runs Google Benchmark; the other ranks sleep until rank 0 starts an mpi-engine run,
// join it, and sleep again, so that the one-process runs have the cores to themselves.
#include <benchmark/benchmark.h>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <thread>

#include "archlab/config.hpp"
#include "archlab/engine.hpp"
#include "archlab/mpi.hpp"

namespace {

constexpr std::uint32_t kLps = 1 << 20;
constexpr std::uint32_t kPerLp = 16;
constexpr std::uint64_t kPholdEvents = 32'000'000; // per run: a few seconds on any engine
constexpr double kRemote = 0.9;

enum Command : int { kQuit = 0, kPhold = 1, kManycore = 2 };

const archlab::PluginRegistry& registry() {
  static const archlab::PluginRegistry registry;
  return registry;
}

archlab::ExperimentSpec phold_spec() {
  const std::string text =
      "[system.components]\n[workloads.lp]\ntype = \"workload.phold\"\ncount = " + std::to_string(kLps) +
      "\nevents_per_lp = " + std::to_string(kPerLp) +
      "\nremote = 0.9\nlookahead = \"0.1 ns\"\nmean = \"1 ns\"\n"
      "[[links]]\nfrom = \"lp[*].out\"\nto = \"lp[*].in\"\nlatency = \"0.1 ns\"\n";
  archlab::ExperimentSpec spec = archlab::load_experiment_text(text, "phold 1M x 16", ".", {}, registry());
  spec.max_events = kPholdEvents;
  return spec;
}

archlab::ExperimentSpec manycore_spec() {
  archlab::ExperimentSpec spec =
      archlab::load_experiment(std::string(ARCHLAB_SOURCE_DIR) + "/examples/manycore_mlp.toml", {}, registry());
  spec.output.clear();
  return spec;
}

const archlab::ExperimentSpec& spec_of(Command command) {
  static const archlab::ExperimentSpec phold = phold_spec();
  static const archlab::ExperimentSpec manycore = manycore_spec();
  return command == kPhold ? phold : manycore;
}

/// Costs of the last mpi-engine run on this rank, and on every rank (gathered on rank 0).
archlab::mpi::WindowCosts last_costs;
std::map<int, std::vector<archlab::mpi::WindowCosts>> costs_by_command;

/// One run of `command`'s system on `engine` (every rank at once for "mpi"); events handled.
std::uint64_t run_once(Command command, const std::string& engine, unsigned threads, bool timed_setup,
                       benchmark::State* state) {
  const archlab::ExperimentSpec& spec = spec_of(command);
  if (state != nullptr && !timed_setup) state->PauseTiming();
  archlab::SystemInstance system(spec.system, spec.seed);
  archlab::EngineOptions options;
  options.max_events = spec.max_events;
  options.stop_time = spec.stop_time;
  options.threads = threads;
  const auto made = engine == "mpi" ? archlab::mpi::make_mpi_engine(&last_costs) : archlab::make_engine(engine);
  if (engine == "mpi") MPI_Barrier(MPI_COMM_WORLD); // every rank has built its system
  if (state != nullptr && !timed_setup) state->ResumeTiming();
  return made->run(system, options, nullptr).events;
}

/// Ranks other than 0 wait for rank 0's command without spinning (a blocking MPI call polls a
/// core, which the one-process benchmarks on rank 0 need).
int wait_for_command() {
  int command = kQuit;
  MPI_Request request;
  MPI_Ibcast(&command, 1, MPI_INT, 0, MPI_COMM_WORLD, &request);
  int done = 0;
  while (MPI_Test(&request, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && done == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return command;
}

void send_command(int command) {
  MPI_Request request;
  MPI_Ibcast(&command, 1, MPI_INT, 0, MPI_COMM_WORLD, &request);
  MPI_Wait(&request, MPI_STATUS_IGNORE);
}

void gather_costs(Command command) {
  int ranks = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  std::vector<archlab::mpi::WindowCosts> all(static_cast<std::size_t>(ranks));
  MPI_Gather(&last_costs, sizeof last_costs, MPI_BYTE, all.data(), sizeof last_costs, MPI_BYTE, 0, MPI_COMM_WORLD);
  costs_by_command[command] = all;
}

void BM_Engine(benchmark::State& state, Command command, const char* engine, unsigned threads) {
  std::uint64_t events = 0;
  for (auto _ : state) {
    if (std::string(engine) == "mpi") send_command(command);
    events += run_once(command, engine, threads, false, &state);
    if (std::string(engine) == "mpi") gather_costs(command);
  }
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}

/// A machine the model is asked about: what one message costs and how fast a rank's link is.
struct Network {
  double latency_s = 2e-6;     ///< per message or collective step (InfiniBand-class MPI)
  double bytes_per_s = 12.5e9; ///< per rank (100 Gb/s)
};

/// What the model takes from a run on R ranks (sums over the ranks, per window).
struct Measured {
  double ranks = 1;
  double windows = 1;
  double events = 0; ///< E: events per window, all ranks
  double handle = 0; ///< c_h: seconds to handle one event
  double route = 0;  ///< c_r: seconds to queue one event that arrived from another rank
  double share = 0;  ///< s_R: fraction of handled events sent to another rank
  double comm = 0;   ///< seconds per window in MPI calls (exchange and reduction), slowest rank
};

Measured measured(const std::vector<archlab::mpi::WindowCosts>& costs) {
  Measured m;
  m.ranks = static_cast<double>(costs.size());
  m.windows = std::max<double>(1, static_cast<double>(costs.front().windows));
  double events = 0, sent = 0, handle = 0, route = 0;
  for (const auto& c : costs) {
    events += static_cast<double>(c.events);
    sent += static_cast<double>(c.events_sent);
    handle += c.handle_seconds;
    route += c.route_seconds;
    m.comm = std::max(m.comm, (c.exchange_seconds + c.agree_seconds) / m.windows);
  }
  m.events = events / m.windows;
  m.handle = events > 0 ? handle / events : 0;
  m.route = sent > 0 ? route / sent : 0;
  m.share = events > 0 ? sent / events : 0;
  return m;
}

/// The scaling model: predicted events/s on P ranks.
///   s(P) = s_R * ((P-1)/P) / ((R-1)/R)   targets spread uniformly over the ranks (PHOLD's are)
///   T(P) = E/P * c_h                      handling, perfectly balanced
///        + E/P * s(P) * c_r               queueing what arrived
///        + latency * (2 ceil(log2 P) + min(P-1, E s(P) / P))
///                                         the counts' all-to-all and the reduction (log P steps
///                                         each), then one message per rank that has events
///        + E/P * s(P) * 64 B / bandwidth  the events' bytes
///   events/s = E / T(P)
double predict(const Measured& m, double p, const Network& net) {
  const double share = m.ranks > 1 ? m.share / ((m.ranks - 1) / m.ranks) * ((p - 1) / p) : 0.0;
  const double steps = std::ceil(std::log2(p));
  const double per_rank = m.events / p;
  const double seconds = per_rank * m.handle + per_rank * share * m.route +
                         net.latency_s * (2 * steps + std::min(p - 1, per_rank * share)) +
                         per_rank * share * static_cast<double>(sizeof(archlab::Event)) / net.bytes_per_s;
  return m.events / seconds;
}

void print_costs(const char* name, Command command, double measured_rate) {
  const auto it = costs_by_command.find(command);
  if (it == costs_by_command.end()) return;
  const auto& costs = it->second;
  std::printf("\n%s on the mpi engine, %zu ranks: per-window costs (per rank)\n", name, costs.size());
  std::printf("%-5s %8s %11s %10s %11s %11s %11s %11s %11s\n", "rank", "windows", "events/win", "sent/win", "bytes/win",
              "handle us", "exchange us", "route us", "agree us");
  for (std::size_t r = 0; r < costs.size(); ++r) {
    const auto& c = costs[r];
    const double w = std::max<double>(1, static_cast<double>(c.windows));
    std::printf("%-5zu %8llu %11.1f %10.1f %11.0f %11.1f %11.1f %11.1f %11.1f\n", r,
                static_cast<unsigned long long>(c.windows), static_cast<double>(c.events) / w,
                static_cast<double>(c.events_sent) / w, static_cast<double>(c.events_sent) * sizeof(archlab::Event) / w,
                c.handle_seconds / w * 1e6, c.exchange_seconds / w * 1e6, c.route_seconds / w * 1e6,
                c.agree_seconds / w * 1e6);
  }
  const Measured m = measured(costs);
  std::printf("E %.4g events/window, c_h %.3g us/event, c_r %.3g us/event, s_R %.3f\n", m.events, m.handle * 1e6,
              m.route * 1e6, m.share);
  // The model's own check: its terms for these ranks, with this run's measured MPI time in place
  // of the assumed network, against the rate measured over the windows (the model leaves out the
  // setup before the first window and the gathering after the last; they are printed).
  const double check = m.events / (m.events / m.ranks * (m.handle + m.share * m.route) + m.comm);
  double windows_seconds = 0, setup = 0, gather = 0;
  for (const auto& c : costs) {
    windows_seconds =
        std::max(windows_seconds, c.handle_seconds + c.exchange_seconds + c.route_seconds + c.agree_seconds);
    setup = std::max(setup, c.setup_seconds);
    gather = std::max(gather, c.gather_seconds);
  }
  std::printf("check on %.0f ranks: model with the measured MPI time %.3g events/s; measured over the windows %.3g "
              "events/s, over the whole run %.3g events/s (setup %.3g s, windows %.3g s, gather %.3g s)\n",
              m.ranks, check, m.events * m.windows / windows_seconds, measured_rate, setup, windows_seconds, gather);
  const Network net;
  std::printf("prediction (latency %.1f us, %.1f GB/s per rank), events/s:", net.latency_s * 1e6,
              net.bytes_per_s / 1e9);
  for (const double p : {1.0, 8.0, 64.0, 512.0})
    std::printf("  P=%.0f %.3g", p, predict(m, p, net));
  std::printf("\n");
}

/// Records the events/s of every benchmark, for the model's check.
class RateReporter : public benchmark::ConsoleReporter {
public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      const auto counter = run.counters.find("events_per_s");
      if (counter != run.counters.end()) rates[run.benchmark_name()] = counter->second.value;
    }
  }
  /// The mpi-engine benchmark's rate among those whose name starts with `prefix`.
  double rate_of(const std::string& prefix) const {
    for (const auto& [name, rate] : rates) {
      if (name.rfind(prefix, 0) == 0 && name.find("/mpi_") != std::string::npos) return rate;
    }
    return 0;
  }
  std::map<std::string, double> rates;
};

} // namespace

int main(int argc, char** argv) {
  archlab::mpi::Session session(argc, argv);
  if (session.rank() != 0) {
    for (int command = wait_for_command(); command != kQuit; command = wait_for_command()) {
      (void)run_once(static_cast<Command>(command), "mpi", 1, false, nullptr);
      gather_costs(static_cast<Command>(command));
    }
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  for (const auto& [name, command] : {std::pair{"PHOLD_1Mx16", kPhold}, std::pair{"manycore_MLP", kManycore}}) {
    const std::string prefix = std::string("BM_") + name;
    benchmark::RegisterBenchmark((prefix + "/sequential").c_str(), BM_Engine, command, "sequential", 1u)
        ->Iterations(1)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((prefix + "/windowed_2_threads").c_str(), BM_Engine, command, "windowed", 2u)
        ->Iterations(1)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((prefix + "/mpi_" + std::to_string(session.size()) + "_ranks").c_str(), BM_Engine,
                                 command, "mpi", 1u)
        ->Iterations(1)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
  RateReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  send_command(kQuit);
  print_costs("PHOLD 1M x 16 (remote 0.9, lookahead 0.1 ns)", kPhold, reporter.rate_of("BM_PHOLD"));
  print_costs("many-core machine, small MLP (examples/manycore_mlp.toml)", kManycore, reporter.rate_of("BM_manycore"));
  benchmark::Shutdown();
  return 0;
}
