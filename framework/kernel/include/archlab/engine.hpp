// Engines run a SystemInstance. Every engine handles each component's events in the total
// order (time, src, seq), so every engine gives the same statistics for the same system and seed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "archlab/results.hpp"
#include "archlab/system.hpp"

namespace archlab {

struct Progress {
  Tick sim_time;
  std::uint64_t events;
  double wall_seconds;
};

struct EngineOptions {
  Tick stop_time = kTickMax;     ///< events at or after this time are not handled
  std::uint64_t max_events = 0;  ///< 0: none; checked at window ends, so a run may pass it by one window
  Tick stats_interval = 0;       ///< 0: no time series
  bool trace = false;
  unsigned threads = 0;
  std::function<void(const Progress&)> progress;  ///< called about twice a second
};

/// Receives what a run produces while it runs (the HDF5 writer, a test).
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void on_sample(StatSample sample) = 0;
  virtual void on_trace(std::vector<TraceRecord> records) = 0;
};

struct RunResult {
  std::string status;  ///< "completed" (no events left), "stop_time", "event_limit"
  Tick final_time = 0; ///< time of the last handled event
  std::uint64_t events = 0;
  std::uint64_t pending = 0;
  double wall_seconds = 0;
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string_view name() const = 0;
  /// Throws RunError when a handler fails (for example, sends on an unconnected port).
  virtual RunResult run(SystemInstance& system, const EngineOptions& options, RunObserver* observer) = 0;
  /// Whether this process holds the run's results once run() returns: the statistics of every
  /// component, the samples and the trace. False on the MPI engine's ranks other than 0, which
  /// hold only their own components and write no output file.
  virtual bool holds_results() const { return true; }
};

/// The engine of that name: "sequential", "windowed", "cuda", "mpi" (once registered), or "auto"
/// (the best available). Unknown or unavailable names throw ConfigError listing the valid ones.
std::unique_ptr<Engine> make_engine(std::string_view name);
std::vector<std::string> engine_names();
/// Adds an engine that a library outside the kernel provides (the MPI engine of framework/mpi/,
/// which the kernel does not link): make_engine(name) then calls `factory`.
void register_engine(const std::string& name, std::function<std::unique_ptr<Engine>()> factory);

std::unique_ptr<Engine> make_sequential_engine();
/// Conservative synchronous windows on `EngineOptions::threads` CPU threads (0: all cores).
std::unique_ptr<Engine> make_windowed_engine();
/// The CUDA engine's algorithm executed on the host, step for step (for tests without a GPU).
std::unique_ptr<Engine> make_gpu_emulation_engine();
/// The CUDA engine. Throws ConfigError when this archlab was built without CUDA or no device is
/// present.
std::unique_ptr<Engine> make_cuda_engine();
/// Whether a CUDA device can be used (false in builds without CUDA).
bool cuda_device_available();

}  // namespace archlab
