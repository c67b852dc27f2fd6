// archlab over MPI (framework/mpi/, built when CMake finds MPI): the `mpi` engine, one
// simulation spread over ranks, and studies whose batches are shared out over ranks. The kernel
// does not depend on it; the archlab program links it and opens a Session.
//
// This header names no MPI type, so code that includes it needs no MPI headers.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "archlab/engine.hpp"
#include "archlab/tune.hpp"

namespace archlab::mpi {

/// MPI for the lifetime of this object (MPI_Init ... MPI_Finalize), once per process. Registers
/// the "mpi" engine, and, when the job has several ranks on a node and CUDA_VISIBLE_DEVICES is
/// unset, gives each rank the GPU of its local rank (local rank modulo the node's GPUs).
class Session {
public:
  Session(int& argc, char**& argv);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  int rank() const { return rank_; }
  int size() const { return size_; }
  /// This rank's index among the ranks of its node.
  int local_rank() const { return local_rank_; }

private:
  int rank_ = 0;
  int size_ = 1;
  int local_rank_ = 0;
};

/// Whether a launcher (mpirun, mpiexec, srun) started this process as an MPI rank; the archlab
/// program opens a Session only then, so that started alone it never touches MPI.
bool launched_by_mpi();

/// MPI_COMM_WORLD's rank and size; 0 and 1 when MPI is not initialised.
int world_rank();
int world_size();

/// Where one rank's wall time went in a run of the mpi engine (benchmarks/mpi_bench.cpp builds
/// its scaling model from these). The exchange and agreement times include waiting for slower
/// ranks.
struct WindowCosts {
  std::uint64_t windows = 0;
  std::uint64_t events = 0;      ///< handled by this rank
  std::uint64_t events_sent = 0; ///< to other ranks
  double handle_seconds = 0;     ///< handling events (Partition::run_window)
  double exchange_seconds = 0;   ///< MPI_Alltoall and MPI_Alltoallv (packing the outboxes included)
  double route_seconds = 0;      ///< putting the events that arrived into the pending queue
  double agree_seconds = 0;      ///< the reduction that decides the next window
  double setup_seconds = 0;      ///< before the first window: init, its exchange, the calendar layout
  double gather_seconds = 0;     ///< after the last: the components' state to rank 0
};

/// The windowed algorithm with the components spread over the ranks of MPI_COMM_WORLD (every
/// rank runs it on the same system): cross-rank events are exchanged at window ends, the next
/// window agreed by one reduction, and rank 0 gathers statistics, samples and the trace
/// (holds_results() is true there only). Throws ConfigError when MPI is not initialised.
/// `costs`, when given, receives this rank's costs after every run (it must outlive the engine).
std::unique_ptr<Engine> make_mpi_engine(WindowCosts* costs = nullptr);

/// Runs the study on every rank of MPI_COMM_WORLD at once (each rank calls it with the same
/// spec): rank 0 owns the tuner and the study file and shares every batch out over the ranks
/// (contiguous shares, each run as evaluate_trials would run it), so the trials are those of
/// run_study in one process. Returns the report on rank 0, nullopt on the others.
std::optional<StudyReport> run_study(const TuneSpec& spec, const PluginRegistry& registry, StudyOptions options = {});

} // namespace archlab::mpi
