#include <mpi.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>

#include "archlab/errors.hpp"
#include "archlab/mpi.hpp"

namespace archlab::mpi {
namespace {

/// GPUs of this node, counted from the driver's device files (/dev/nvidia0, ...): CUDA cannot be
/// asked, because CUDA_VISIBLE_DEVICES must be set before CUDA starts.
int node_gpus() {
  int count = 0;
  std::error_code error;
  const std::regex name("nvidia[0-9]+");
  for (const auto& entry : std::filesystem::directory_iterator("/dev", error)) {
    if (std::regex_match(entry.path().filename().string(), name)) ++count;
  }
  return count;
}

} // namespace

bool launched_by_mpi() {
  // Open MPI's mpirun, and PMI/PMIx launchers (MPICH's mpiexec, Slurm's srun --mpi=pmix).
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

Session::Session(int& argc, char**& argv) {
  int provided = 0;
  // Only the thread that opened the session calls MPI; study workers' threads never do.
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node);
  MPI_Comm_rank(node, &local_rank_);
  int node_ranks = 1;
  MPI_Comm_size(node, &node_ranks);
  MPI_Comm_free(&node);
  // Several ranks on a node would all take GPU 0; a scheduler that binds GPUs to tasks sets
  // CUDA_VISIBLE_DEVICES itself, and then it is left alone.
  if (node_ranks > 1 && std::getenv("CUDA_VISIBLE_DEVICES") == nullptr) {
    if (const int gpus = node_gpus(); gpus > 0) {
      setenv("CUDA_VISIBLE_DEVICES", std::to_string(local_rank_ % gpus).c_str(), 1);
    }
  }
  register_engine("mpi", [] { return make_mpi_engine(); });
}

Session::~Session() { MPI_Finalize(); }

int world_rank() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized == 0) return 0;
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

int world_size() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized == 0) return 1;
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

} // namespace archlab::mpi
