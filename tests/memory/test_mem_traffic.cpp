// workload.mem_traffic against memory.sram (64 KiB, answers 4 ns after sending for an 8 B read
// with 1 ns links): patterns, read fraction, closed and open loop, several memories.
#include <gtest/gtest.h>

#include <string>

#include "memory_run.hpp"

using archlab::testing::run_memory;

namespace {

std::string with_sram(const std::string& gen, const std::string& top = "") {
  return "engine = \"sequential\"\n" + top +
         "[system.components.mem]\ntype = \"memory.sram\"\n"
         "[workloads.gen]\ntype = \"workload.mem_traffic\"\n" +
         gen +
         "[[links]]\nfrom = \"gen.out\"\nto = \"mem.req\"\nlatency = \"1 ns\"\n"
         "[[links]]\nfrom = \"mem.resp\"\nto = \"gen.in\"\nlatency = \"1 ns\"\n";
}

double ns(double ps) { return ps / 1000.0; }

} // namespace

TEST(MemTraffic, ClosedLoopSendsEveryRequestOnce) {
  const auto run = run_memory(with_sram("request_size = \"8 B\"\nrange = \"64 KiB\"\noutstanding = 4\n"
                                        "total_requests = 100\n"));
  EXPECT_EQ(run.stat("workload.mem_traffic.requests"), 100.0);
  EXPECT_EQ(run.stat("workload.mem_traffic.completed"), 100.0);
  EXPECT_EQ(run.stat("workload.mem_traffic.reads"), 100.0);
  EXPECT_EQ(run.stat("workload.mem_traffic.bytes"), 800.0);
  EXPECT_EQ(run.stat("memory.sram.reads"), 100.0);
  EXPECT_EQ(run.stat("workload.mem_traffic.rejected"), 0.0);
}

TEST(MemTraffic, OpenLoopSendsOneRequestPerInterval) {
  // one 8 B read every 10 ns, each answered 4 ns later
  const auto run = run_memory(with_sram("request_size = \"8 B\"\nrange = \"64 KiB\"\noutstanding = 4\n"
                                        "total_requests = 50\ninterval = \"10 ns\"\n"));
  EXPECT_EQ(ns(run.stat("workload.mem_traffic.completion_time")), 49 * 10 + 4.0);
  EXPECT_EQ(ns(run.stat("workload.mem_traffic.latency")), 50 * 4.0);

  // faster than the memory answers with one in flight: each request waits for the last answer
  const auto held = run_memory(with_sram("request_size = \"8 B\"\nrange = \"64 KiB\"\noutstanding = 1\n"
                                         "total_requests = 100\ninterval = \"1 ns\"\n"));
  EXPECT_EQ(held.stat("workload.mem_traffic.completed"), 100.0);
  EXPECT_EQ(ns(held.stat("workload.mem_traffic.completion_time")), 400.0);
}

TEST(MemTraffic, ReadFractionSetsTheMix) {
  const auto run = run_memory(with_sram("pattern = \"random\"\nrequest_size = \"8 B\"\nrange = \"64 KiB\"\n"
                                        "read_fraction = 0.3\noutstanding = 8\ntotal_requests = 4000\n"));
  const double reads = run.stat("workload.mem_traffic.reads");
  EXPECT_EQ(reads + run.stat("workload.mem_traffic.writes"), 4000.0);
  EXPECT_NEAR(reads / 4000.0, 0.3, 0.03);
  EXPECT_EQ(run.stat("memory.sram.reads"), reads);
}

TEST(MemTraffic, AddressesStayInsideTheRange) {
  // random over the upper half of the SRAM: no errors; strided and sequential wrap inside it
  for (const char* pattern : {"random", "strided", "sequential"}) {
    const auto run = run_memory(with_sram(std::string("pattern = \"") + pattern +
                                          "\"\nrequest_size = \"64 B\"\nstride = \"3 KiB\"\nbase = \"32 KiB\"\n"
                                          "range = \"32 KiB\"\noutstanding = 8\ntotal_requests = 2000\n"));
    EXPECT_EQ(run.stat("memory.sram.errors"), 0.0) << pattern;
    EXPECT_EQ(run.stat("workload.mem_traffic.completed"), 2000.0) << pattern;
  }
  // ... and a range past the end of the SRAM shows up as errors
  const auto beyond = run_memory(with_sram("pattern = \"random\"\nrequest_size = \"64 B\"\nbase = \"32 KiB\"\n"
                                           "range = \"64 KiB\"\noutstanding = 8\ntotal_requests = 2000\n"));
  EXPECT_GT(beyond.stat("memory.sram.errors"), 0.0);
}

TEST(MemTraffic, NoLimitRunsUntilTheStopTime) {
  const auto run = run_memory(with_sram("request_size = \"8 B\"\nrange = \"64 KiB\"\noutstanding = 1\n"
                                        "total_requests = 0\n",
                                        "stop_time = \"1 us\"\n"));
  EXPECT_EQ(run.result.status, "stop_time");
  EXPECT_EQ(run.stat("workload.mem_traffic.completed"), 249.0); // one per 4 ns; the one at 1 us is not handled
}

TEST(MemTraffic, TargetInterleaveSpreadsOverSeveralMemories) {
  const std::string text = R"(engine = "sequential"
[system.components.mem]
type = "memory.sram"
count = 2
[workloads.gen]
type = "workload.mem_traffic"
request_size = "64 B"
range = "8 KiB"
target_interleave = "1 KiB"
outstanding = 4
total_requests = 128
[[links]]
from = "gen.out"
to = "mem[*].req"
latency = "1 ns"
[[links]]
from = "mem[*].resp"
to = "gen.in"
latency = "1 ns"
)";
  const auto run = run_memory(text);
  EXPECT_EQ(run.stat("memory.sram.reads", 0), 64.0);
  EXPECT_EQ(run.stat("memory.sram.reads", 1), 64.0);
  EXPECT_EQ(run.stat("workload.mem_traffic.completed"), 128.0);
}

// The declared latency histogram and mean latency: an open-loop 8 B read every 10 ns is answered
// 4 ns after it was sent, so every answer lands in the first 50 ns bin; with the SRAM's latency
// at 60 cycles (1 GHz) the answers take 64 ns, the second bin. The same on every engine.
TEST(MemTraffic, LatencyHistogramAndMeanLatency) {
  for (const char* engine : {"sequential", "windowed", "gpu-emulated"}) {
    SCOPED_TRACE(engine);
    const std::string gen = "request_size = \"8 B\"\nrange = \"64 KiB\"\noutstanding = 4\n"
                            "total_requests = 50\ninterval = \"10 ns\"\n";
    const auto fast = run_memory(with_sram(gen), engine);
    EXPECT_EQ(fast.stat("workload.mem_traffic.latency_histogram[0,50000)"), 50.0);
    EXPECT_EQ(fast.stat("workload.mem_traffic.latency_histogram[50000,100000)"), 0.0);
    EXPECT_EQ(fast.stat("workload.mem_traffic.mean_latency"), 4000.0);

    std::string slow_text = with_sram(gen);
    slow_text.insert(slow_text.find("[workloads.gen]"), "latency = 60\n");
    const auto slow = run_memory(slow_text, engine);
    EXPECT_EQ(slow.stat("workload.mem_traffic.latency_histogram[0,50000)"), 0.0);
    EXPECT_EQ(slow.stat("workload.mem_traffic.latency_histogram[50000,100000)"), 50.0);
    EXPECT_EQ(slow.stat("workload.mem_traffic.latency_histogram[1000000,inf)"), 0.0);
    EXPECT_EQ(slow.stat("workload.mem_traffic.mean_latency"),
              slow.stat("workload.mem_traffic.latency") / slow.stat("workload.mem_traffic.completed"));
    EXPECT_GT(slow.stat("workload.mem_traffic.mean_latency"), 50000.0);
  }
}

// A stride (a size) written as a bare number is refused with a message saying it needs a unit.
TEST(MemTraffic, AStrideWithoutAUnitIsRefusedAndSaysItNeedsOne) {
  const std::string gen = "pattern = \"strided\"\nrequest_size = \"8 B\"\nrange = \"64 KiB\"\ntotal_requests = 4\n";
  archlab::testing::expect_config_error(with_sram(gen + "stride = 64\n"), "parameter 'stride' needs a unit");
  archlab::testing::expect_config_error(with_sram(gen + "stride = 64.0\n"), "parameter 'stride' needs a unit");
  archlab::testing::expect_config_error(with_sram(gen + "stride = \"64\"\n"), "parameter 'stride': '64' has no unit");
  archlab::testing::expect_config_error(with_sram(gen + "stride = \"64 bytes\"\n"), "unknown size unit 'bytes'");
  const auto run = run_memory(with_sram(gen + "stride = \"64 B\"\n"));
  EXPECT_EQ(run.stat("workload.mem_traffic.completed"), 4.0);
}

// Answers to reads and to writes are counted and timed apart.
TEST(MemTraffic, ReadAndWriteLatencyAreReportedApart) {
  const auto run = run_memory(with_sram("pattern = \"random\"\nrequest_size = \"8 B\"\nrange = \"64 KiB\"\n"
                                        "read_fraction = 0.5\noutstanding = 1\ntotal_requests = 200\n"));
  const double reads = run.stat("workload.mem_traffic.reads_completed");
  const double writes = run.stat("workload.mem_traffic.writes_completed");
  EXPECT_EQ(reads, run.stat("workload.mem_traffic.reads"));
  EXPECT_EQ(writes, run.stat("workload.mem_traffic.writes"));
  EXPECT_EQ(reads + writes, 200.0);
  EXPECT_EQ(run.stat("workload.mem_traffic.read_latency") + run.stat("workload.mem_traffic.write_latency"),
            run.stat("workload.mem_traffic.latency"));
  EXPECT_EQ(ns(run.stat("workload.mem_traffic.mean_read_latency")), 4.0); // one at a time, 4 ns each
  EXPECT_EQ(ns(run.stat("workload.mem_traffic.mean_write_latency")),
            ns(run.stat("workload.mem_traffic.write_latency")) / writes);
}
