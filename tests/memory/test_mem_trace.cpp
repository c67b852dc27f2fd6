// workload.mem_trace: trace files replayed into memory.sram (64 KiB: an 8 B access answers 4 ns
// after it is sent with 1 ns links; one request accepted per 1 ns cycle) and memory.dram, the
// file format and its errors, and the same replay on every engine.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "memory_run.hpp"

using archlab::testing::run_memory;
using archlab::testing::TempDir;

namespace {

std::string replay(const std::filesystem::path& trace, const std::string& memory, const std::string& extra = "") {
  return "engine = \"sequential\"\n[system.components.mem]\n" + memory +
         "[workloads.gen]\ntype = \"workload.mem_trace\"\n" + "trace = \"" + trace.string() + "\"\n" + extra +
         "[[links]]\nfrom = \"gen.out\"\nto = \"mem.req\"\nlatency = \"1 ns\"\n"
         "[[links]]\nfrom = \"mem.resp\"\nto = \"gen.in\"\nlatency = \"1 ns\"\n";
}

const std::string kSram = "type = \"memory.sram\"\n";

double ns(double ps) { return ps / 1000.0; }

} // namespace

// Each record goes at its time: two at 10 ns share the SRAM's one port (the second waits a cycle).
TEST(MemTrace, RecordsGoAtTheirTimes) {
  TempDir dir;
  const auto trace = dir.write("trace.txt", "# time  op  address  bytes\n"
                                            "0 ns     R   0x0      8\n"
                                            "\n"
                                            "10 ns    W   64       8   # bank 0 again\n"
                                            "10ns,read,0x10,8\n"
                                            "  25000 ps  READ 0x18        # request_size\n");
  const auto run = run_memory(replay(trace, kSram, "request_size = \"8 B\"\n"));
  EXPECT_EQ(run.stat("workload.mem_trace.requests"), 4.0);
  EXPECT_EQ(run.stat("workload.mem_trace.reads"), 3.0);
  EXPECT_EQ(run.stat("workload.mem_trace.writes"), 1.0);
  EXPECT_EQ(run.stat("workload.mem_trace.completed"), 4.0);
  EXPECT_EQ(run.stat("workload.mem_trace.reads_completed"), 3.0);
  EXPECT_EQ(run.stat("workload.mem_trace.writes_completed"), 1.0);
  EXPECT_EQ(run.stat("workload.mem_trace.bytes"), 32.0);
  EXPECT_EQ(run.stat("memory.sram.reads"), 3.0);
  EXPECT_EQ(run.stat("memory.sram.writes"), 1.0);
  EXPECT_EQ(ns(run.stat("workload.mem_trace.latency")), 4 + 4 + 5 + 4.0);
  EXPECT_EQ(ns(run.stat("workload.mem_trace.write_latency")), 4.0);
  EXPECT_EQ(ns(run.stat("workload.mem_trace.read_latency")), 4 + 5 + 4.0);
  EXPECT_EQ(ns(run.stat("workload.mem_trace.completion_time")), 29.0);
  EXPECT_EQ(run.stat("workload.mem_trace.held_time"), 0.0);
  EXPECT_EQ(run.stat("workload.mem_trace.rejected"), 0.0);
}

// `outstanding` holds records back: five due at once, one in flight, each answered 4 ns after it
// goes; they go in file order as answers come.
TEST(MemTrace, OutstandingHoldsRecordsBackInFileOrder) {
  TempDir dir;
  const auto trace = dir.write("trace.txt", "0 ns R 0 8\n0 ns W 8 8\n0 ns R 16 8\n6 ns R 24 8\n6 ns W 32 8\n");
  const auto run = run_memory(replay(trace, kSram, "outstanding = 1\n"));
  EXPECT_EQ(run.stat("workload.mem_trace.completed"), 5.0);
  EXPECT_EQ(ns(run.stat("workload.mem_trace.completion_time")), 20.0);
  // sent at 0, 4, 8, 12, 16 ns; due at 0, 0, 0, 6, 6 ns
  EXPECT_EQ(ns(run.stat("workload.mem_trace.held_time")), 0 + 4 + 8 + 6 + 10.0);
  EXPECT_EQ(ns(run.stat("workload.mem_trace.latency")), 5 * 4.0);
}

// DRAMsim3-style cycle counts: with `cycle` set, a bare time counts clock cycles.
TEST(MemTrace, BareTimesCountCyclesWhenCycleIsSet) {
  TempDir dir;
  const auto cycles = dir.write("cycles.txt", "0 R 0x0 8\n8 WRITE 0x40 8\n20 R 0x80 8\n");
  const auto times = dir.write("times.txt", "0 ns R 0x0 8\n10 ns WRITE 0x40 8\n25 ns R 0x80 8\n");
  const auto by_cycles = run_memory(replay(cycles, kSram, "cycle = \"1.25 ns\"\n"));
  const auto by_times = run_memory(replay(times, kSram));
  EXPECT_EQ(ns(by_cycles.stat("workload.mem_trace.completion_time")), 29.0);
  EXPECT_EQ(by_cycles.stats, by_times.stats);
}

// A trace of the strided pattern DramLatency checks (ten reads 256 B apart, one at a time) gives
// what workload.mem_traffic gives: a miss (32 ns) and nine row hits (18.25 ns).
TEST(MemTrace, DrivesTheDramLikeTheGenerator) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 10; ++i)
    text += "0 ns R " + std::to_string(i * 256) + " 32\n";
  const auto trace = dir.write("trace.txt", text);
  const auto run = run_memory(replay(trace, "type = \"memory.dram\"\npreset = \"ddr4_3200\"\n", "outstanding = 1\n"));
  EXPECT_DOUBLE_EQ(ns(run.stat("workload.mem_trace.latency")), 32 + 9 * 18.25);
  EXPECT_EQ(run.stat("memory.dram.row_misses"), 1.0);
  EXPECT_EQ(run.stat("memory.dram.row_hits"), 9.0);
  EXPECT_EQ(run.stat("memory.dram.reads"), 10.0);
}

// More records due at once than one event sends (15) go on in zero-delay events, the same on
// every engine.
TEST(MemTrace, ManyRecordsAtOnceAreTheSameOnEveryEngine) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 200; ++i)
    text += std::to_string(i / 40 * 100) + " ns " + (i % 3 == 0 ? "W" : "R") + " " + std::to_string(i * 1088) + " 64\n";
  const auto trace = dir.write("trace.txt", text);
  const std::string experiment = replay(trace, "type = \"memory.dram\"\npreset = \"hbm2e\"\n", "outstanding = 48\n");
  const auto sequential = run_memory(experiment);
  EXPECT_EQ(sequential.stat("workload.mem_trace.completed"), 200.0);
  EXPECT_EQ(sequential.stat("memory.dram.reads") + sequential.stat("memory.dram.writes"), 200.0);
  for (const char* engine : {"windowed", "gpu-emulated"}) {
    const auto other = run_memory(experiment, engine);
    EXPECT_EQ(other.result.events, sequential.result.events) << engine;
    for (const auto& [name, values] : sequential.stats)
      EXPECT_EQ(other.values(name), values) << engine << " " << name;
  }
}

TEST(MemTrace, BadTracesAreConfigurationErrorsNamingFileAndLine) {
  TempDir dir;
  const auto expect_error = [&](const std::string& text, const std::string& expected, const std::string& extra = "") {
    const auto trace = dir.write("bad.txt", text);
    archlab::testing::expect_config_error(replay(trace, kSram, extra), expected);
  };
  const std::string file = (dir.path() / "bad.txt").string();
  expect_error("0 ns R 0\n10 R 8\n", file + ":2: time '10' has no unit: write it like \"10 ns\"");
  expect_error("0 ns R 0\n10 R 8\n", "or set the parameter `cycle`");
  expect_error("1.5 R 8\n", file + ":1: time '1.5' counts clock cycles", "cycle = \"1 ns\"\n");
  expect_error("0 ns R 0\n2furlongs R 8\n", file + ":2: time '2furlongs': unknown time unit 'furlongs'");
  expect_error("0.5 ps R 0\n", file + ":1: time '0.5ps' is not a whole number of picoseconds");
  expect_error("# header\n0 ns X 0\n", file + ":2: operation 'X' is not one of R, RD, READ, LD, LOAD");
  expect_error("0 ns R 0xZZ\n", file + ":1: address '0xZZ' is not a decimal number or a hexadecimal one");
  expect_error("0 ns R 0x10000000000000000\n", file + ":1: address '0x10000000000000000' does not fit in 64 bits");
  expect_error("0 ns R\n", file + ":1: no address after the operation");
  expect_error("0 ns\n", file + ":1: a time needs an operation and an address");
  expect_error("0 ns R 0 8 extra\n", file + ":1: 'extra' after the size");
  expect_error("0 ns R 0 0\n", file + ":1: size 0");
  expect_error("0 ns R 0 64B\n", file + ":1: size '64B' is not a whole number of bytes");
  expect_error("5 ns R 0\n\n4 ns R 8\n",
               file + ":3: time 4000 ps is earlier than the record before it (5000 ps, line 1)");
  expect_error("# nothing but comments\n\n", file + ": has no records");
  expect_error("x R 0\n", file + ":1: 'x' is not a time");
  // The file itself: missing, a directory, too large.
  archlab::testing::expect_config_error(replay(dir.path() / "missing.txt", kSram), "parameter 'trace': no such file");
  std::filesystem::create_directories(dir.path() / "folder.txt");
  archlab::testing::expect_config_error(replay(dir.path() / "folder.txt", kSram), "parameter 'trace'");
  const auto huge = dir.path() / "huge.txt";
  { std::ofstream(huge) << "0 ns R 0\n"; }
  std::filesystem::resize_file(huge, (16u << 20) + 1);
  archlab::testing::expect_config_error(replay(huge, kSram), "is larger than 16 MiB, the limit on input files");
  // No trace at all.
  archlab::testing::expect_config_error("engine = \"sequential\"\n[system.components.mem]\ntype = \"memory.sram\"\n"
                                        "[workloads.gen]\ntype = \"workload.mem_trace\"\n",
                                        "missing required parameter 'trace'");
}
