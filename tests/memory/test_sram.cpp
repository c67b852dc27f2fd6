// memory.sram through the real loader and the sequential engine, fed by workload.mem_traffic.
// Defaults: 64 KiB, 8 banks, 8 B interleave, 1 port, 8 B per bank and cycle, latency 1 cycle,
// 1 GHz, pipelined; 1 ns links. A request arriving at 1 ns on a free SRAM is accepted at once and
// done at 1 + (latency + transfer) cycles; its answer arrives 1 ns later.
#include <gtest/gtest.h>

#include <string>

#include "archlab/errors.hpp"
#include "memory_run.hpp"

using archlab::testing::contains;
using archlab::testing::run_memory;

namespace {

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::string one_sram(const std::string& sram, const std::string& gen) {
  std::string text = "engine = \"sequential\"\n";
  text += "[system.components.mem]\ntype = \"memory.sram\"\n";
  text += sram;
  text += "[workloads.gen]\ntype = \"workload.mem_traffic\"\n";
  text += gen;
  text += "[[links]]\nfrom = \"gen.out\"\nto = \"mem.req\"\nlatency = \"1 ns\"\n";
  text += "[[links]]\nfrom = \"mem.resp\"\nto = \"gen.in\"\nlatency = \"1 ns\"\n";
  return text;
}

/// `requests` reads of `size` bytes, `stride` apart starting at `base`, `outstanding` at a time.
std::string reads(unsigned size, unsigned stride, unsigned requests, unsigned outstanding = 1, unsigned base = 0) {
  return "pattern = \"strided\"\nrequest_size = " + quoted(std::to_string(size) + " B") +
         "\nstride = " + quoted(std::to_string(stride) + " B") + "\nbase = " + quoted(std::to_string(base) + " B") +
         "\nrange = \"32 KiB\"\noutstanding = " + std::to_string(outstanding) +
         "\ntotal_requests = " + std::to_string(requests) + "\n";
}

double ns(double ps) { return ps / 1000.0; }

} // namespace

TEST(Sram, RequestsSpreadOverBanksInInterleaveChunks) {
  struct Case {
    unsigned size, base;
    double latency_ns, energy_pj, busy_ns;
  };
  // 8 B: one bank, one cycle; 64 B: eight banks, one cycle each; 128 B: two cycles on each of
  // eight banks; 20 B at 4: chunks of 4, 8 and 8 B on banks 0, 1, 2.
  for (const Case& c : {Case{8, 0, 4, 10, 1}, Case{64, 0, 4, 80, 8}, Case{128, 0, 5, 160, 16}, Case{20, 4, 4, 30, 3}}) {
    const auto run = run_memory(one_sram("", reads(c.size, 0, 1, 1, c.base)));
    EXPECT_EQ(run.result.status, "completed");
    EXPECT_EQ(ns(run.stat("workload.mem_traffic.latency")), c.latency_ns) << c.size;
    EXPECT_EQ(run.stat("memory.sram.energy"), c.energy_pj) << c.size;
    EXPECT_EQ(ns(run.stat("memory.sram.busy_time")), c.busy_ns) << c.size;
    EXPECT_EQ(run.stat("memory.sram.queue_delay"), 0.0) << c.size;
    EXPECT_EQ(run.stat("memory.sram.reads"), 1.0);
    EXPECT_EQ(run.stat("memory.sram.bytes"), c.size);
  }
}

TEST(Sram, LatencyAndClockSetTheAccessTime) {
  // latency 3: done 1 + (3 + 1) cycles, answer at 6 ns
  EXPECT_EQ(ns(run_memory(one_sram("latency = 3\n", reads(8, 0, 1))).stat("workload.mem_traffic.latency")), 6.0);
  // 500 MHz: 2 ns cycles; arrival 1 ns, done 1 + 2 * 2, answer at 6 ns
  EXPECT_EQ(ns(run_memory(one_sram("clock = \"500 MHz\"\n", reads(8, 0, 1))).stat("workload.mem_traffic.latency")),
            6.0);
}

TEST(Sram, ConflictingRequestsQueueAtTheBankAndThePorts) {
  // Two 8 B reads 64 B apart both land on bank 0 at 1 ns. With two ports both are accepted at
  // once; the second waits for the bank: one transfer cycle (pipelined), or latency + transfer.
  const auto pipelined = run_memory(one_sram("ports = 2\n", reads(8, 64, 2, 2)));
  EXPECT_EQ(ns(pipelined.stat("workload.mem_traffic.latency")), 4.0 + 5.0);
  EXPECT_EQ(ns(pipelined.stat("memory.sram.queue_delay")), 1.0);
  const auto blocking = run_memory(one_sram("ports = 2\npipelined = false\n", reads(8, 64, 2, 2)));
  EXPECT_EQ(ns(blocking.stat("workload.mem_traffic.latency")), 4.0 + 6.0);
  EXPECT_EQ(ns(blocking.stat("memory.sram.queue_delay")), 2.0);
  EXPECT_EQ(ns(blocking.stat("memory.sram.busy_time")), 4.0);

  // Two reads of different banks at 1 ns: one port takes one per cycle, two take both.
  EXPECT_EQ(ns(run_memory(one_sram("", reads(8, 8, 2, 2))).stat("workload.mem_traffic.latency")), 4.0 + 5.0);
  EXPECT_EQ(ns(run_memory(one_sram("ports = 2\n", reads(8, 8, 2, 2))).stat("workload.mem_traffic.latency")), 4.0 + 4.0);
}

TEST(Sram, StreamsOneRequestPerCyclePerPort) {
  // 64 B reads: every bank is busy one cycle per request, so the single port sets the pace:
  // requests accepted at 1, 2, ..., 1000 ns, the last answered at 1000 + 2 + 1 ns.
  const auto run = run_memory(one_sram("", "request_size = \"64 B\"\nrange = \"64 KiB\"\noutstanding = 16\n"
                                           "total_requests = 1000\n"));
  EXPECT_EQ(ns(run.stat("workload.mem_traffic.completion_time")), 1003.0);
  EXPECT_EQ(run.stat("memory.sram.bytes"), 64000.0);
  EXPECT_EQ(ns(run.stat("memory.sram.busy_time")), 8000.0);
}

TEST(Sram, WritesAreAnsweredAsWrites) {
  const auto run = run_memory(one_sram("", reads(8, 8, 10, 1) + "read_fraction = 0.0\n"));
  EXPECT_EQ(run.stat("memory.sram.writes"), 10.0);
  EXPECT_EQ(run.stat("memory.sram.reads"), 0.0);
  EXPECT_EQ(run.stat("workload.mem_traffic.completed"), 10.0);
}

TEST(Sram, AddressesBeyondTheCapacityAreErrors) {
  // 8 KiB requests over 128 KiB of a 64 KiB SRAM: the ninth (at 64 KiB) is not answered.
  const auto run = run_memory(one_sram("", "request_size = \"8 KiB\"\nrange = \"128 KiB\"\noutstanding = 1\n"
                                           "total_requests = 16\n"));
  EXPECT_EQ(run.stat("memory.sram.errors"), 1.0);
  EXPECT_EQ(run.stat("workload.mem_traffic.completed"), 8.0);
}

TEST(Sram, AreaFollowsTheCapacity) {
  const auto run = run_memory(one_sram("capacity = \"2 MiB\"\n", reads(8, 0, 1)));
  EXPECT_DOUBLE_EQ(run.stat("memory.sram.area"), 2 * 4.15);
}

TEST(Sram, AnswersThroughAnInterconnectUseTheRoute) {
  // No interconnect here: the generator and the SRAM only use receiver 0 and carry the route.
  const auto run = run_memory(one_sram("via_interconnect = true\n", reads(8, 8, 5) + "via_interconnect = true\n"));
  EXPECT_EQ(run.stat("workload.mem_traffic.completed"), 5.0);
}

TEST(Sram, BadParametersAreConfigurationErrors) {
  const auto expect_config_error = [](const std::string& sram, const std::string& expected) {
    archlab::testing::expect_config_error(one_sram(sram, reads(8, 0, 1)), expected);
  };
  expect_config_error("banks = 0\n", "parameter 'banks' is out of range");
  expect_config_error("banks = 65\n", "parameter 'banks' is out of range");
  expect_config_error("ports = 0\n", "parameter 'ports' is out of range");
  expect_config_error("bytes_per_cycle = \"0 B\"\n", "parameter 'bytes_per_cycle' is out of range");
  expect_config_error("clock = 5\n", "clock");
}
