// The CPU engines. Both run conservative synchronous windows over partitions of the
// components:
//
//   T = the earliest pending time; every event before T + L is safe (L: the smallest link
//   latency), because nothing not yet handled can send an event earlier than that.
//   Each partition handles its safe events in the total order (time, src, seq); events for
//   other partitions wait in outboxes until the window ends.
//
// `sequential` is one partition in the calling thread: one calendar queue over all events,
// handled in the global total order; it is the reference. `windowed` is one partition per
// thread. Window ends are the same for both (bucket-aligned, cut at sample and stop times),
// so statistics, traces and even where an event limit stops a run are identical.
#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include "archlab/engine.hpp"
#include "archlab/errors.hpp"
#include "archlab/text.hpp"
#include "partition.hpp"
#include "window_plan.hpp"

namespace archlab {
namespace {

using Clock = std::chrono::steady_clock;
using detail::Partition;
using detail::report_handler_error;

/// Everything the windows of one run share: the partitions, and the decisions taken between
/// windows (where the next one ends, samples, progress, when to stop).
class WindowedRun {
 public:
  WindowedRun(SystemInstance& system, const EngineOptions& options, RunObserver* observer, unsigned partitions)
      : system_(system), options_(options), observer_(observer), started_(Clock::now()), planner_(options) {
    const std::uint32_t count = system.component_count();
    partitions = std::max(1u, std::min<unsigned>(partitions, std::max<std::uint32_t>(count, 1)));
    for (unsigned p = 0; p < partitions; ++p) {
      bounds_.push_back(static_cast<ComponentId>(static_cast<std::uint64_t>(count) * p / partitions));
    }
    for (unsigned p = 0; p < partitions; ++p) {
      partitions_.push_back(std::make_unique<Partition>(system, p, bounds_, options.trace && observer));
    }
  }

  std::size_t size() const { return partitions_.size(); }
  Partition& partition(std::size_t p) { return *partitions_[p]; }
  Tick window_end() const { return planner_.window_end(); }
  bool done() const { return done_; }

  /// Deliver the outboxes addressed to partition p.
  void deliver_to(std::size_t p) {
    for (auto& sender : partitions_) partitions_[p]->receive(sender->outbox(static_cast<std::uint32_t>(p)));
  }

  /// After init, with every partition idle: lay out the calendar queues for the initial
  /// population (the same bucket width everywhere, so every engine has the same windows).
  void choose_shape() noexcept {
    std::uint64_t events = 0;
    Tick earliest = kTickMax;
    long double time_sum = 0;
    for (auto& partition : partitions_) partition->population(events, earliest, time_sum);
    shape_ = detail::shape_for_population(system_.lookahead(), events, earliest, time_sum);
    planner_.set_shape(shape_, system_.lookahead());
  }
  detail::CalendarShape shape() const { return shape_; }

  /// Between windows, with every partition idle: decide the next window. Never throws (it runs
  /// as a barrier's completion); a failure is kept and ends the run.
  void plan() noexcept {
    try {
      plan_or_throw();
    } catch (...) {
      error_ = std::current_exception();
      done_ = true;
    }
  }

  /// The windowed engine's planning step (a barrier's completion, every partition idle). A
  /// window of few events costs more in barriers than its threads save, so after a window of
  /// fewer than kSoloEvents events the planning thread handles the next windows itself, every
  /// partition in turn, until a window has more; the other threads wait in the barrier. Which
  /// thread handles a partition changes nothing in the results.
  void plan_windows() noexcept {
    try {
      bool solo = events() - events_at_plan_ < kSoloEvents;
      plan_or_throw();
      while (solo && !done_) {
        events_at_plan_ = events();
        for (auto& partition : partitions_) partition->run_window(window_end());
        for (std::size_t p = 0; p < partitions_.size(); ++p) deliver_to(p);
        solo = events() - events_at_plan_ < kSoloEvents;
        plan_or_throw();
      }
      events_at_plan_ = events();
    } catch (...) {
      error_ = std::current_exception();
      done_ = true;
    }
  }

  RunResult finish() {
    for (auto& partition : partitions_) {
      if (partition->failed()) report_handler_error(system_, partition->sink());
    }
    if (error_) std::rethrow_exception(error_);
    result_.events = events();
    result_.pending = pending();
    for (auto& partition : partitions_) result_.final_time = std::max(result_.final_time, partition->last_time());
    flush_trace(true);
    result_.wall_seconds = seconds();
    return result_;
  }

 private:
  void plan_or_throw() {
    for (auto& partition : partitions_) {
      if (partition->failed()) {
        done_ = true;
        return;
      }
    }
    flush_trace(false);
    Tick earliest = kTickMax;
    for (auto& partition : partitions_) earliest = std::min(earliest, partition->earliest());
    const std::uint64_t handled = events();
    const char* status = planner_.next(earliest, handled, [&](Tick time) {
      if (observer_ != nullptr) observer_->on_sample({time, system_.stat_values(), handled, pending()});
    });
    if (status != nullptr) return stop(status);
    progress(handled, earliest);
  }

  void stop(const char* status) {
    result_.status = status;
    done_ = true;
  }

  std::uint64_t events() const {
    std::uint64_t total = 0;
    for (const auto& partition : partitions_) total += partition->events();
    return total;
  }
  std::size_t pending() const {
    std::size_t total = 0;
    for (const auto& partition : partitions_) total += partition->pending();
    return total;
  }
  double seconds() const { return std::chrono::duration<double>(Clock::now() - started_).count(); }

  /// Partitions trace their own events; the file gets them window by window in one order.
  void flush_trace(bool force) {
    if (observer_ == nullptr || !options_.trace) return;
    for (auto& partition : partitions_) {
      auto& records = partition->trace();
      pending_trace_.insert(pending_trace_.end(), records.begin(), records.end());
      records.clear();
    }
    detail::sort_trace_window(pending_trace_.data() + sorted_trace_, pending_trace_.data() + pending_trace_.size());
    sorted_trace_ = pending_trace_.size();
    if (!pending_trace_.empty() && (force || pending_trace_.size() >= (std::size_t{1} << 16))) {
      observer_->on_trace(std::move(pending_trace_));
      pending_trace_.clear();
      sorted_trace_ = 0;
    }
  }

  void progress(std::uint64_t handled, Tick earliest) {
    if (!options_.progress || handled < next_progress_check_) return;
    next_progress_check_ = handled + (std::uint64_t{1} << 16);
    const auto now = Clock::now();
    if (now - last_progress_ < std::chrono::milliseconds(500)) return;
    last_progress_ = now;
    options_.progress({earliest, handled, seconds()});
  }

  SystemInstance& system_;
  const EngineOptions& options_;
  RunObserver* observer_;
  Clock::time_point started_;
  Clock::time_point last_progress_ = started_;
  std::uint64_t next_progress_check_ = std::uint64_t{1} << 16;
  detail::CalendarShape shape_;
  detail::WindowPlanner planner_;
  std::vector<ComponentId> bounds_;
  std::vector<std::unique_ptr<Partition>> partitions_;
  /// Windows with fewer events than this run on the planning thread alone (plan_windows).
  static constexpr std::uint64_t kSoloEvents = 256;
  std::uint64_t events_at_plan_ = 0;
  bool done_ = false;
  std::exception_ptr error_;
  RunResult result_;
  std::vector<TraceRecord> pending_trace_;
  std::size_t sorted_trace_ = 0;
};

class SequentialEngine final : public Engine {
 public:
  std::string_view name() const override { return "sequential"; }

  RunResult run(SystemInstance& system, const EngineOptions& options, RunObserver* observer) override {
    WindowedRun run(system, options, observer, 1);
    Partition& all = run.partition(0);
    all.init();
    run.deliver_to(0);
    run.choose_shape();
    all.start(run.shape());
    for (run.plan(); !run.done(); run.plan()) all.run_window(run.window_end());
    return run.finish();
  }
};

class WindowedEngine final : public Engine {
 public:
  std::string_view name() const override { return "windowed"; }

  RunResult run(SystemInstance& system, const EngineOptions& options, RunObserver* observer) override {
    unsigned threads = options.threads > 0 ? options.threads : std::thread::hardware_concurrency();
    WindowedRun run(system, options, observer, std::max(1u, threads));
    threads = static_cast<unsigned>(run.size());

    auto plan = [&run]() noexcept { run.plan_windows(); };
    auto shape = [&run]() noexcept { run.choose_shape(); };
    std::barrier<decltype(plan)> planned(threads, plan);
    std::barrier<decltype(shape)> shaped(threads, shape);
    std::barrier<> handled(threads);
    auto work = [&](std::size_t p) {
      Partition& mine = run.partition(p);
      mine.init();
      handled.arrive_and_wait();
      run.deliver_to(p);
      shaped.arrive_and_wait();
      mine.start(run.shape());
      while (true) {
        planned.arrive_and_wait();  // one thread plans the next window meanwhile
        if (run.done()) return;
        mine.run_window(run.window_end());
        handled.arrive_and_wait();
        run.deliver_to(p);
      }
    };
    std::vector<std::jthread> pool;
    for (std::size_t p = 1; p < threads; ++p) pool.emplace_back(work, p);
    work(0);
    pool.clear();  // joins
    return run.finish();
  }
};

}  // namespace

std::unique_ptr<Engine> make_sequential_engine() { return std::make_unique<SequentialEngine>(); }
std::unique_ptr<Engine> make_windowed_engine() { return std::make_unique<WindowedEngine>(); }

namespace {

struct RegisteredEngines {
  std::mutex mutex;
  std::map<std::string, std::function<std::unique_ptr<Engine>()>, std::less<>> factories;
};

RegisteredEngines& registered_engines() {
  static RegisteredEngines engines;
  return engines;
}

}  // namespace

void register_engine(const std::string& name, std::function<std::unique_ptr<Engine>()> factory) {
  RegisteredEngines& engines = registered_engines();
  const std::lock_guard lock(engines.mutex);
  engines.factories[name] = std::move(factory);
}

std::vector<std::string> engine_names() {
  std::vector<std::string> names{"auto", "sequential", "windowed", "cuda"};
  RegisteredEngines& engines = registered_engines();
  const std::lock_guard lock(engines.mutex);
  for (const auto& entry : engines.factories) names.push_back(entry.first);
  return names;
}

std::unique_ptr<Engine> make_engine(std::string_view name) {
  {
    RegisteredEngines& engines = registered_engines();
    const std::lock_guard lock(engines.mutex);
    if (const auto it = engines.factories.find(name); it != engines.factories.end()) return it->second();
  }
  if (name == "mpi") {
    throw ConfigError("engine 'mpi' is not available: it needs the archlab program built with MPI "
                      "(ARCHLAB_ENABLE_MPI; Debian: libopenmpi-dev) and started by mpirun");
  }
  if (name == "sequential") return make_sequential_engine();
  if (name == "windowed") return make_windowed_engine();
  if (name == "cuda") return make_cuda_engine();
  if (name == "auto") return cuda_device_available() ? make_cuda_engine() : make_windowed_engine();
  const auto names = engine_names();
  throw ConfigError("unknown engine '" + std::string(name) + "'; valid: " + text::join(names, ", "));
}

}  // namespace archlab
