// The mpi engine against the sequential reference, bit for bit, on every equivalence*.toml of
// the tree, the PHOLD sweep and an event limit. Runs under mpirun (CTest starts it on 2 and 3
// ranks): every rank runs the reference itself; rank 0, which gathers the statistics, samples
// and trace, compares all of it, and every rank checks the agreed run result.
#include <mpi.h>

#include "../e2e/equivalence.hpp"
#include "../test_support.hpp"
#include "archlab/errors.hpp"
#include "archlab/mpi.hpp"
#include "archlab/run.hpp"
#include "archlab/system.hpp"

using namespace archlab;
using namespace archlab::testing;

namespace {

int rank() { return archlab::mpi::world_rank(); }

void check_mpi(const ExperimentSpec& spec, const std::string& what) {
  const Outcome reference = run(spec, "sequential", 1);
  ASSERT_GT(reference.result.events, 0u) << what << " handled no events";
  const Outcome distributed = run(spec, "mpi", 1);
  SCOPED_TRACE(what + " on " + std::to_string(archlab::mpi::world_size()) + " ranks, rank " + std::to_string(rank()));
  EXPECT_EQ(reference.result.status, distributed.result.status);
  EXPECT_EQ(reference.result.events, distributed.result.events);
  EXPECT_EQ(reference.result.pending, distributed.result.pending);
  EXPECT_EQ(reference.result.final_time, distributed.result.final_time);
  if (rank() == 0) {
    ASSERT_FALSE(reference.recorded.trace.empty());
    expect_identical(reference, distributed, what);
  } else {
    EXPECT_TRUE(distributed.recorded.samples.empty()); // only rank 0 observes
    EXPECT_TRUE(distributed.recorded.trace.empty());
  }
}

class MpiEquivalenceFile : public ::testing::TestWithParam<std::string> {};

} // namespace

TEST(MpiEngine, RunsOnEveryRankOfTheJob) {
  EXPECT_GE(archlab::mpi::world_size(), 2) << "this program is meant to run under mpirun -n 2 or more";
  EXPECT_EQ(make_engine("mpi")->name(), "mpi");
  EXPECT_EQ(make_engine("mpi")->holds_results(), rank() == 0);
}

TEST_P(MpiEquivalenceFile, MatchesSequential) {
  check_mpi(load_experiment(GetParam(), {}, test_registry()), GetParam());
}

INSTANTIATE_TEST_SUITE_P(Tree, MpiEquivalenceFile, ::testing::ValuesIn(equivalence_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = std::filesystem::path(info.param).parent_path().filename().string() +
                                              "_" + std::filesystem::path(info.param).stem().string();
                           std::replace_if(
                               name.begin(), name.end(), [](char c) { return !std::isalnum(c); }, '_');
                           return name;
                         });

TEST(MpiEngine, PholdSweep) {
  for (const PholdCase& c : phold_cases()) {
    check_mpi(phold_case(c, test_registry()), std::string("phold lps=") + c.lps + " lookahead=" + c.lookahead);
  }
}

TEST(MpiEngine, EventLimitStopsAtTheSameWindow) {
  const ExperimentSpec spec = load_experiment((source_dir() / "workloads/phold/equivalence.toml").string(),
                                              {{"max_events", "3000"}, {"stop_time", "1 ms"}}, test_registry());
  check_mpi(spec, "phold event limit");
  EXPECT_EQ(run(spec, "mpi", 1).result.status, "event_limit");
}

// A handler fails on whichever rank owns the component: every rank stops with that message.
TEST(MpiEngine, AHandlerErrorOnOneRankStopsEveryRank) {
  const ExperimentSpec spec = load_experiment((source_dir() / "workloads/phold/equivalence.toml").string(),
                                              {{"links", "[]"}}, test_registry());
  try {
    (void)run(spec, "mpi", 1);
    FAIL() << "the run went on";
  } catch (const RunError& error) {
    EXPECT_TRUE(contains(error.what(), "(workload.phold) sent on port 'out', which no link connects")) << error.what();
  }
}

// Rank 0 gathers every component's state at the end, state tails included (rows of the type's
// stride, not sizeof(State)): byte for byte the sequential run's, for test.tail's two tails and
// workload.dnn's per-operator state (what its report reads).
TEST(MpiEngine, StatesWithTheirTailsComeBackToRankZero) {
  for (const char* file : {"tests/plugins/equivalence_tail.toml", "workloads/dnn/equivalence.toml"}) {
    SCOPED_TRACE(file);
    const ExperimentSpec spec = load_experiment((source_dir() / file).string(), {}, test_registry());
    SystemInstance reference(spec.system, spec.seed);
    SystemInstance distributed(spec.system, spec.seed);
    EngineOptions options;
    options.stop_time = spec.stop_time;
    const RunResult expected = make_engine("sequential")->run(reference, options, nullptr);
    const RunResult result = make_engine("mpi")->run(distributed, options, nullptr);
    EXPECT_EQ(result.events, expected.events);
    if (rank() != 0) continue;
    bool tails = false;
    for (std::size_t t = 0; t < reference.types().size(); ++t) {
      const ComponentType& a = *reference.types()[t];
      const ComponentType& b = *distributed.types()[t];
      tails |= a.descriptor->state_tail_bytes != nullptr && a.rt.state_size > a.descriptor->state_size;
      EXPECT_EQ(a.rt.state_size, b.rt.state_size) << a.name;
      EXPECT_TRUE(a.states == b.states) << a.name << ": states differ after the gather";
    }
    EXPECT_TRUE(tails) << "a type with a state tail";
  }
}

// run_experiment on the mpi engine: rank 0 writes the run file and reports the totals; the
// other ranks write nothing.
TEST(MpiEngine, RankZeroWritesTheRunFile) {
  ExperimentSpec spec = load_experiment((source_dir() / "workloads/phold/equivalence.toml").string(),
                                        {{"engine", "\"mpi\""}}, test_registry());
  int pid = ::getpid();
  MPI_Bcast(&pid, 1, MPI_INT, 0, MPI_COMM_WORLD);
  const auto dir = std::filesystem::temp_directory_path() / ("archlab-mpi-run-" + std::to_string(pid));
  if (rank() == 0) std::filesystem::create_directories(dir);
  MPI_Barrier(MPI_COMM_WORLD);
  spec.output = dir / ("rank" + std::to_string(rank()) + ".h5");
  const RunReport distributed = run_experiment(spec);
  spec.engine = "sequential";
  spec.output.clear();
  const RunReport reference = run_experiment(spec);
  EXPECT_EQ(distributed.result.events, reference.result.events);
  if (rank() == 0) {
    EXPECT_TRUE(std::filesystem::exists(dir / "rank0.h5"));
    ASSERT_EQ(distributed.totals.size(), reference.totals.size());
    for (std::size_t i = 0; i < reference.totals.size(); ++i) {
      EXPECT_EQ(distributed.totals[i].total, reference.totals[i].total) << reference.totals[i].stat;
    }
  } else {
    EXPECT_FALSE(std::filesystem::exists(spec.output.parent_path() / ("rank" + std::to_string(rank()) + ".h5")));
    EXPECT_TRUE(distributed.output.empty());
  }
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank() == 0) std::filesystem::remove_all(dir);
}

/// On ranks other than 0: failures only, each naming its rank.
class RankFailurePrinter : public ::testing::EmptyTestEventListener {
public:
  explicit RankFailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (result.failed()) {
      std::fprintf(stderr, "rank %d: %s:%d: failure\n%s\n", rank_, result.file_name() ? result.file_name() : "?",
                   result.line_number(), result.message());
    }
  }

private:
  int rank_;
};

int main(int argc, char** argv) {
  archlab::mpi::Session session(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  // Every rank checks; rank 0 alone prints, so the log reads as one program's.
  if (session.rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new RankFailurePrinter(session.rank())); // gtest owns its listeners
  }
  return RUN_ALL_TESTS();
}
