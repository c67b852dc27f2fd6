// The `mpi` engine: the windowed engine's algorithm with one partition per rank.
//
//   every rank builds the whole system and owns the components of one contiguous id range;
//   window: each rank handles its safe events (time < window end) in the total order, and its
//   events for other ranks wait in outboxes; at the window end they are exchanged with
//   MPI_Alltoallv; one reduction (earliest pending time, events, pending, last time, failure)
//   lets every rank take the same decision about the next window.
//
// The windows are cut by the same WindowPlanner as the other engines, so statistics, samples,
// the trace and where an event limit stops are those of `sequential`. Rank 0 gathers what an
// observer or the summary needs: statistics at samples, trace records every window, the
// components' states, counters and statistics at the end.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>

#include "archlab/errors.hpp"
#include "archlab/mpi.hpp"
#include "partition.hpp"
#include "window_plan.hpp"

namespace archlab::mpi {
namespace {

using Clock = std::chrono::steady_clock;
using detail::Partition;

constexpr std::uint64_t kNoFailure = std::numeric_limits<std::uint64_t>::max();

/// One rank's part of the decision between windows; the reduction combines them.
struct WindowVote {
  Tick earliest = kTickMax;               ///< min: a lower bound on every pending event's time
  std::uint64_t events = 0;               ///< sum: events handled so far
  std::uint64_t pending = 0;              ///< sum
  Tick last_time = 0;                     ///< max: time of the last handled event
  std::uint64_t failed_rank = kNoFailure; ///< min: the first rank whose handler failed
};

void combine_votes(void* in, void* inout, int* length, MPI_Datatype* /*type*/) {
  const auto* a = static_cast<const WindowVote*>(in);
  auto* b = static_cast<WindowVote*>(inout);
  for (int i = 0; i < *length; ++i) {
    b[i].earliest = std::min(a[i].earliest, b[i].earliest);
    b[i].events += a[i].events;
    b[i].pending += a[i].pending;
    b[i].last_time = std::max(a[i].last_time, b[i].last_time);
    b[i].failed_rank = std::min(a[i].failed_rank, b[i].failed_rank);
  }
}

MPI_Datatype bytes_type(std::size_t bytes) {
  MPI_Datatype type;
  MPI_Type_contiguous(static_cast<int>(bytes), MPI_BYTE, &type);
  MPI_Type_commit(&type);
  return type;
}

/// The run's own communicator (so its collectives never meet a caller's) and types.
class Resources {
public:
  Resources() {
    MPI_Comm_dup(MPI_COMM_WORLD, &comm);
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    event = bytes_type(sizeof(Event));
    trace = bytes_type(sizeof(TraceRecord));
    vote = bytes_type(sizeof(WindowVote));
    MPI_Op_create(&combine_votes, 1, &vote_op);
  }
  Resources(const Resources&) = delete;
  Resources& operator=(const Resources&) = delete;
  ~Resources() {
    MPI_Op_free(&vote_op);
    MPI_Type_free(&vote);
    MPI_Type_free(&trace);
    MPI_Type_free(&event);
    MPI_Comm_free(&comm);
  }

  MPI_Comm comm = MPI_COMM_NULL;
  int rank = 0;
  int size = 1;
  MPI_Datatype event = MPI_DATATYPE_NULL;
  MPI_Datatype trace = MPI_DATATYPE_NULL;
  MPI_Datatype vote = MPI_DATATYPE_NULL;
  MPI_Op vote_op = MPI_OP_NULL;
};

/// Thrown on every rank alike (after a collective agreed on it), unlike a local failure.
struct CollectiveError : RunError {
  using RunError::RunError;
};

class MpiRun {
public:
  MpiRun(SystemInstance& system, const EngineOptions& options, RunObserver* observer, Resources& mpi)
      : system_(system), options_(options), mpi_(mpi), started_(Clock::now()), planner_(options) {
    // Rank 0 holds the results, so its observer decides what every rank gathers.
    int flags[2] = {observer != nullptr ? 1 : 0, options.trace && observer != nullptr ? 1 : 0};
    MPI_Bcast(flags, 2, MPI_INT, 0, mpi_.comm);
    observer_ = mpi_.rank == 0 ? observer : nullptr;
    observe_ = flags[0] != 0;
    trace_ = flags[1] != 0;
    const std::uint32_t count = system.component_count();
    for (int r = 0; r < mpi_.size; ++r) {
      bounds_.push_back(static_cast<ComponentId>(static_cast<std::uint64_t>(count) * static_cast<unsigned>(r) /
                                                 static_cast<unsigned>(mpi_.size)));
    }
    mine_ = std::make_unique<Partition>(system, static_cast<std::uint32_t>(mpi_.rank), bounds_, trace_);
  }

  const WindowCosts& costs() const { return costs_; }

  RunResult run() {
    mine_->init();
    exchange();
    check(vote(false));
    start();
    costs_.setup_seconds = seconds_since(started_);
    WindowVote agreed;
    const char* status = nullptr;
    while (true) {
      agreed = vote(true);
      check(agreed);
      if (trace_) gather_trace(false);
      status = planner_.next(agreed.earliest, agreed.events, [&](Tick time) { sample(time, agreed); });
      if (status != nullptr) break;
      progress(agreed);
      const auto handle_start = Clock::now();
      mine_->run_window(planner_.window_end());
      costs_.handle_seconds += seconds_since(handle_start);
      ++costs_.windows;
      exchange();
    }
    if (trace_) gather_trace(true);
    const auto gather_start = Clock::now();
    gather_components();
    costs_.gather_seconds = seconds_since(gather_start);
    RunResult result;
    result.status = status;
    result.events = agreed.events;
    result.pending = agreed.pending;
    result.final_time = agreed.last_time;
    result.wall_seconds = seconds_since(started_);
    costs_.events = mine_->events();
    return result;
  }

private:
  static double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
  }

  WindowVote vote(bool started) {
    const auto start = Clock::now();
    WindowVote mine;
    if (started) mine.earliest = mine_->earliest();
    mine.events = mine_->events();
    mine.pending = mine_->pending();
    mine.last_time = mine_->last_time();
    if (mine_->failed()) mine.failed_rank = static_cast<std::uint64_t>(mpi_.rank);
    WindowVote agreed;
    MPI_Allreduce(&mine, &agreed, 1, mpi_.vote, mpi_.vote_op, mpi_.comm);
    costs_.agree_seconds += seconds_since(start);
    return agreed;
  }

  /// A handler failed on some rank: that rank's message, thrown on every rank.
  void check(const WindowVote& agreed) {
    if (agreed.failed_rank == kNoFailure) return;
    const int root = static_cast<int>(agreed.failed_rank);
    std::string message;
    if (mpi_.rank == root) {
      try {
        detail::report_handler_error(system_, mine_->sink());
      } catch (const RunError& error) {
        message = error.what();
      }
    }
    int length = static_cast<int>(message.size());
    MPI_Bcast(&length, 1, MPI_INT, root, mpi_.comm);
    message.resize(static_cast<std::size_t>(length));
    MPI_Bcast(message.data(), length, MPI_CHAR, root, mpi_.comm);
    throw CollectiveError(message);
  }

  /// The calendar shape of the whole initial population, so that every rank (and every other
  /// engine) cuts the same windows.
  void start() {
    std::uint64_t events = 0;
    Tick earliest = kTickMax;
    long double time_sum = 0;
    mine_->population(events, earliest, time_sum);
    std::uint64_t all_events = 0;
    Tick all_earliest = kTickMax;
    long double all_time_sum = 0;
    MPI_Allreduce(&events, &all_events, 1, MPI_UINT64_T, MPI_SUM, mpi_.comm);
    MPI_Allreduce(&earliest, &all_earliest, 1, MPI_UINT64_T, MPI_MIN, mpi_.comm);
    // Times are whole picoseconds: their sum is exact in a long double, so the order of the sum
    // cannot change the shape.
    MPI_Allreduce(&time_sum, &all_time_sum, 1, MPI_LONG_DOUBLE, MPI_SUM, mpi_.comm);
    const detail::CalendarShape shape =
        detail::shape_for_population(system_.lookahead(), all_events, all_earliest, all_time_sum);
    planner_.set_shape(shape, system_.lookahead());
    mine_->start(shape);
  }

  /// Every rank's outboxes to their owners.
  void exchange() {
    const auto start = Clock::now();
    const auto size = static_cast<std::size_t>(mpi_.size);
    std::vector<int> send_counts(size), send_displs(size), recv_counts(size), recv_displs(size);
    std::size_t total = 0;
    for (std::size_t r = 0; r < size; ++r) {
      send_displs[r] = static_cast<int>(total);
      send_counts[r] = static_cast<int>(mine_->outbox(static_cast<std::uint32_t>(r)).size());
      total += static_cast<std::size_t>(send_counts[r]);
    }
    send_.clear();
    send_.reserve(total);
    for (std::size_t r = 0; r < size; ++r) {
      auto& outbox = mine_->outbox(static_cast<std::uint32_t>(r));
      send_.insert(send_.end(), outbox.begin(), outbox.end());
      outbox.clear();
    }
    MPI_Alltoall(send_counts.data(), 1, MPI_INT, recv_counts.data(), 1, MPI_INT, mpi_.comm);
    std::size_t received = 0;
    for (std::size_t r = 0; r < size; ++r) {
      recv_displs[r] = static_cast<int>(received);
      received += static_cast<std::size_t>(recv_counts[r]);
    }
    receive_.resize(received);
    MPI_Alltoallv(send_.data(), send_counts.data(), send_displs.data(), mpi_.event, receive_.data(), recv_counts.data(),
                  recv_displs.data(), mpi_.event, mpi_.comm);
    costs_.exchange_seconds += seconds_since(start);
    const auto route_start = Clock::now();
    mine_->receive(receive_);
    costs_.route_seconds += seconds_since(route_start);
    costs_.events_sent += total;
  }

  /// Rows [first, last) of one per-instance array of every type, owned by rank r, gathered in
  /// place on rank 0.
  template <class T> void gather_rows(std::vector<T>& rows, const ComponentType& type, std::size_t per_instance) {
    const std::size_t bytes = per_instance * sizeof(T);
    if (bytes == 0 || type.rt.count == 0) return;
    const auto size = static_cast<std::size_t>(mpi_.size);
    std::vector<int> counts(size), displs(size);
    for (std::size_t r = 0; r < size; ++r) {
      const ComponentId first = bounds_[r];
      const ComponentId last = r + 1 < size ? bounds_[r + 1] : system_.component_count();
      const ComponentId begin = std::max(first, type.rt.base);
      const ComponentId end = std::min(last, type.rt.base + type.rt.count);
      counts[r] = begin < end ? static_cast<int>(end - begin) : 0;
      displs[r] = begin < end ? static_cast<int>(begin - type.rt.base) : 0;
    }
    MPI_Datatype row = bytes_type(bytes);
    void* mine = rows.data() + static_cast<std::size_t>(displs[static_cast<std::size_t>(mpi_.rank)]) * per_instance;
    MPI_Gatherv(mpi_.rank == 0 ? MPI_IN_PLACE : mine, counts[static_cast<std::size_t>(mpi_.rank)], row, rows.data(),
                counts.data(), displs.data(), row, 0, mpi_.comm);
    MPI_Type_free(&row);
  }

  void gather_stats() {
    for (auto& type : system_.types())
      gather_rows(type->stats, *type, type->rt.nstats);
  }

  void gather_components() {
    for (auto& type : system_.types()) {
      gather_rows(type->states, *type, type->rt.state_size); // the stride: State and its tail
      gather_rows(type->counters, *type, 1);
      gather_rows(type->stats, *type, type->rt.nstats);
    }
  }

  void sample(Tick time, const WindowVote& agreed) {
    if (!observe_) return;
    gather_stats();
    if (observer_ != nullptr) observer_->on_sample({time, system_.stat_values(), agreed.events, agreed.pending});
  }

  /// Each rank's trace records of the last window, to rank 0 in rank order, then in the
  /// canonical order (by time, then receiver, then handling order: a receiver's records all
  /// come from its own rank, in order).
  void gather_trace(bool last) {
    auto& records = mine_->trace();
    int count = static_cast<int>(records.size());
    const auto size = static_cast<std::size_t>(mpi_.size);
    std::vector<int> counts(size), displs(size);
    MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, mpi_.comm);
    std::size_t total = 0;
    for (std::size_t r = 0; r < size; ++r) {
      displs[r] = static_cast<int>(total);
      total += static_cast<std::size_t>(counts[r]);
    }
    if (mpi_.rank == 0) trace_records_.resize(sorted_trace_ + total);
    MPI_Gatherv(records.data(), count, mpi_.trace, trace_records_.data() + sorted_trace_, counts.data(), displs.data(),
                mpi_.trace, 0, mpi_.comm);
    records.clear();
    if (mpi_.rank != 0) return;
    detail::sort_trace_window(trace_records_.data() + sorted_trace_, trace_records_.data() + trace_records_.size());
    sorted_trace_ = trace_records_.size();
    if (!trace_records_.empty() && (last || trace_records_.size() >= (std::size_t{1} << 16))) {
      if (observer_ != nullptr) observer_->on_trace(std::move(trace_records_));
      trace_records_.clear();
      sorted_trace_ = 0;
    }
  }

  void progress(const WindowVote& agreed) {
    if (mpi_.rank != 0 || !options_.progress || agreed.events < next_progress_check_) return;
    next_progress_check_ = agreed.events + (std::uint64_t{1} << 16);
    const auto now = Clock::now();
    if (now - last_progress_ < std::chrono::milliseconds(500)) return;
    last_progress_ = now;
    options_.progress({agreed.earliest, agreed.events, std::chrono::duration<double>(now - started_).count()});
  }

  SystemInstance& system_;
  const EngineOptions& options_;
  Resources& mpi_;
  RunObserver* observer_ = nullptr;
  bool observe_ = false;
  bool trace_ = false;
  Clock::time_point started_;
  Clock::time_point last_progress_ = started_;
  std::uint64_t next_progress_check_ = std::uint64_t{1} << 16;
  detail::WindowPlanner planner_;
  std::vector<ComponentId> bounds_;
  std::unique_ptr<Partition> mine_;
  std::vector<Event> send_;
  std::vector<Event> receive_;
  std::vector<TraceRecord> trace_records_;
  std::size_t sorted_trace_ = 0;
  WindowCosts costs_;
};

class MpiEngine final : public Engine {
public:
  explicit MpiEngine(WindowCosts* costs) : costs_(costs) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (initialized == 0) {
      throw ConfigError("engine 'mpi' needs MPI: run the archlab program (under mpirun for several ranks)");
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  }

  std::string_view name() const override { return "mpi"; }
  bool holds_results() const override { return rank_ == 0; }

  RunResult run(SystemInstance& system, const EngineOptions& options, RunObserver* observer) override {
    Resources mpi;
    try {
      MpiRun run(system, options, observer, mpi);
      const RunResult result = run.run();
      if (costs_ != nullptr) *costs_ = run.costs();
      return result;
    } catch (const CollectiveError&) {
      throw;
    } catch (const std::exception& error) {
      // Only this rank failed; the others wait in a collective that will never complete.
      std::fprintf(stderr, "error: rank %d of the mpi engine failed: %s\n", mpi.rank, error.what());
      MPI_Abort(MPI_COMM_WORLD, 1);
      throw;
    }
  }

private:
  int rank_ = 0;
  WindowCosts* costs_;
};

} // namespace

std::unique_ptr<Engine> make_mpi_engine(WindowCosts* costs) { return std::make_unique<MpiEngine>(costs); }

} // namespace archlab::mpi
