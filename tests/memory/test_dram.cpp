// memory.dram through the real loader and the sequential engine, driven by workload.mem_traffic.
// Latencies are exact where the timings fix them; bandwidth is checked against the peak and
// against the bounds the bank timings put on random traffic.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "archlab/errors.hpp"
#include "memory_run.hpp"

using archlab::testing::contains;
using archlab::testing::MemoryRun;
using archlab::testing::run_memory;

namespace {

constexpr double kNs = 1000.0; // ps

/// The timings and organisation of a preset, as the tests expect them (presets.hpp).
struct Preset {
  const char* name;
  double channels, ranks, banks_per_rank, burst_bytes;
  double tRCD, tCL, tCWL, tRP, tRAS, tBL, tRRD_S, tFAW, tRTP; // ns
  double read_energy, act_energy;                             // pJ
};

constexpr Preset kDdr4{"ddr4_3200", 1, 1, 16, 64, 13.75, 13.75, 10, 13.75, 32, 2.5, 2.5, 21.25, 7.5, 2784, 4176};
constexpr Preset kLpddr5{"lpddr5", 4, 1, 16, 32, 18.75, 21.25, 11.25, 18.75, 42.5, 2.5, 5, 20, 7.5, 1392, 1044};
constexpr Preset kHbm2e{"hbm2e", 16, 1, 16, 32, 14.375, 14.375, 5, 14.375, 33.75, 1.25, 4.375, 15, 5, 402, 414};
constexpr Preset kHbm3{"hbm3", 16, 1, 16, 32, 16.25, 16.25, 5, 16.25, 30, 1.25, 5, 15, 3.75, 402, 414};
constexpr Preset kPresets[] = {kDdr4, kLpddr5, kHbm2e, kHbm3};

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

/// One DRAM and one traffic generator, `link` each way.
std::string one_dram(const std::string& dram, const std::string& gen, const std::string& link = "1 ns") {
  std::string text = "engine = \"sequential\"\n";
  text += "[system.components.mem]\ntype = \"memory.dram\"\n";
  text += dram;
  text += "[workloads.gen]\ntype = \"workload.mem_traffic\"\n";
  text += gen;
  text += "[[links]]\nfrom = \"gen.out\"\nto = \"mem.req\"\nlatency = " + quoted(link) + "\n";
  text += "[[links]]\nfrom = \"mem.resp\"\nto = \"gen.in\"\nlatency = " + quoted(link) + "\n";
  return text;
}

std::string preset(const Preset& p) { return "preset = " + quoted(p.name) + "\n"; }

/// Reads `stride` apart, one at a time.
std::string strided(unsigned long long stride, unsigned requests, const std::string& extra = "") {
  return "pattern = \"strided\"\nstride = " + quoted(std::to_string(stride) + " B") +
         "\nrequest_size = \"32 B\"\noutstanding = 1\ntotal_requests = " + std::to_string(requests) + "\n" + extra;
}

double ns(double ps) { return ps / kNs; }

} // namespace

// DDR4-3200, 1 ns links. Address map row|rank|bank|column|group|channel with 64 B bursts: 256 B
// apart is the next column of bank group 0, bank 0 (same row); 128 KiB apart is the next row of
// the same bank.
TEST(DramLatency, Ddr4HitMissAndConflictTakeTheirTimings) {
  // A miss opens the row (ACT, tRCD, RD, tCL, tBL); the next nine are hits (RD, tCL, tBL).
  const auto hits = run_memory(one_dram(preset(kDdr4), strided(256, 10)));
  const double miss = 2 + 13.75 + 13.75 + 2.5; // 32 ns
  const double hit = 2 + 13.75 + 2.5;          // 18.25 ns
  EXPECT_EQ(hits.result.status, "completed");
  EXPECT_DOUBLE_EQ(ns(hits.stat("workload.mem_traffic.latency")), miss + 9 * hit);
  EXPECT_DOUBLE_EQ(ns(hits.stat("workload.mem_traffic.completion_time")), miss + 9 * hit);
  EXPECT_EQ(hits.stat("memory.dram.row_misses"), 1.0);
  EXPECT_EQ(hits.stat("memory.dram.row_hits"), 9.0);
  EXPECT_EQ(hits.stat("memory.dram.row_conflicts"), 0.0);
  EXPECT_EQ(hits.stat("memory.dram.activates"), 1.0);
  EXPECT_EQ(hits.stat("memory.dram.queue_delay"), 0.0);
  EXPECT_EQ(hits.stat("memory.dram.busy_time"), 10 * 2500.0);
  EXPECT_EQ(hits.stat("memory.dram.reads"), 10.0);
  EXPECT_EQ(hits.stat("memory.dram.bytes"), 320.0);
  EXPECT_DOUBLE_EQ(hits.stat("memory.dram.energy"), 4176.0 + 10 * 2784.0);

  // Every access after the first opens another row of the same bank: PRE, tRP, ACT, tRCD, RD.
  // The previous ACT was tRCD + tCL + tBL + 2 ns = 32 ns = tRAS earlier, so PRE goes at once,
  // and the ACT comes exactly tRC = tRAS + tRP after the previous one.
  const auto conflicts = run_memory(one_dram(preset(kDdr4), strided(128 * 1024, 10)));
  const double conflict = 2 + 13.75 + 13.75 + 13.75 + 2.5; // 45.75 ns
  EXPECT_DOUBLE_EQ(ns(conflicts.stat("workload.mem_traffic.latency")), miss + 9 * conflict);
  EXPECT_EQ(conflicts.stat("memory.dram.row_misses"), 1.0);
  EXPECT_EQ(conflicts.stat("memory.dram.row_conflicts"), 9.0);
  EXPECT_EQ(conflicts.stat("memory.dram.activates"), 10.0);

  // A write miss: ACT, tRCD, WR, tCWL, tBL.
  const auto write = run_memory(one_dram(preset(kDdr4), strided(256, 1, "read_fraction = 0.0\n")));
  EXPECT_DOUBLE_EQ(ns(write.stat("workload.mem_traffic.latency")), 2 + 13.75 + 10 + 2.5);
  EXPECT_EQ(write.stat("memory.dram.writes"), 1.0);
  EXPECT_DOUBLE_EQ(write.stat("memory.dram.energy"), 4176.0 + 2352.0);
}

// Every preset, refresh off (the latencies are the timings alone): a miss on a precharged bank
// and a hit on the open row. burst * channels * bank groups apart is the next column of the same
// row of bank group 0, bank 0 in every preset's map.
TEST(DramLatency, EveryPresetHitAndMissTakeTheirTimings) {
  for (const Preset& p : kPresets) {
    const unsigned long long stride = static_cast<unsigned long long>(p.burst_bytes * p.channels * 4);
    const auto run = run_memory(one_dram(preset(p) + "refresh = \"none\"\n", strided(stride, 5)));
    const double miss = 2 + p.tRCD + p.tCL + p.tBL;
    const double hit = 2 + p.tCL + p.tBL;
    EXPECT_DOUBLE_EQ(ns(run.stat("workload.mem_traffic.latency")), miss + 4 * hit) << p.name;
    EXPECT_EQ(run.stat("memory.dram.row_misses"), 1.0) << p.name;
    EXPECT_EQ(run.stat("memory.dram.row_hits"), 4.0) << p.name;
    EXPECT_DOUBLE_EQ(run.stat("memory.dram.energy"), p.act_energy + 5 * p.read_energy) << p.name;
  }
}

// FR-FCFS: a younger hit goes before an older request that needs another row of the bank.
// Two reads at time 0 (0.5 ns links): R0 row 0 and R1 row 1 of one bank; R2 (row 0) is sent when
// R0 answers and R3 (row 1) when R2 answers.
//   R0: ACT 0.5, RD 14.25, data to 30.5, answer 31                                  latency 31
//   R2: arrives 31.5 while the bank still holds row 0 (R1's PRE can go at 32.5 only): a hit,
//       RD 31.5, answer 48.25                                                        latency 17.25
//   R1: PRE at max(ACT + tRAS, R2's RD + tRTP) = 39, ACT 52.75, RD 66.5, answer 83.25  latency 83.25
//   R3: arrives 48.75, hits R1's row: RD at R1's RD + tCCD_L = 71.5, answer 88.25     latency 40
// First come first served would have answered R1 before R2.
TEST(DramScheduler, FrFcfsServesAYoungerHitFirst) {
  const auto run = run_memory(one_dram(preset(kDdr4),
                                       "pattern = \"strided\"\nstride = \"128 KiB\"\nrange = \"256 KiB\"\n"
                                       "request_size = \"64 B\"\noutstanding = 2\ntotal_requests = 4\n",
                                       "0.5 ns"));
  EXPECT_DOUBLE_EQ(ns(run.stat("workload.mem_traffic.latency")), 31 + 17.25 + 83.25 + 40);
  EXPECT_DOUBLE_EQ(ns(run.stat("workload.mem_traffic.completion_time")), 88.25);
  EXPECT_EQ(run.stat("memory.dram.row_misses"), 1.0);
  EXPECT_EQ(run.stat("memory.dram.row_conflicts"), 1.0);
  EXPECT_EQ(run.stat("memory.dram.row_hits"), 2.0);
  EXPECT_EQ(run.stat("memory.dram.activates"), 2.0);
}

// All-bank refresh: the first is due at tREFI = 7.8 us. A read sent at 7801 ns (arriving 7802)
// finds the rank precharging (PRE 7800, + tRP) and refreshing (+ tRFC 350 ns until 8163.75),
// then misses: ACT 8163.75, answer at 8163.75 + 30 + 1 = 8194.75 ns.
TEST(DramRefresh, AllBankRefreshDelaysTheNextAccessByTrfc) {
  const auto run = run_memory(one_dram(preset(kDdr4), "pattern = \"strided\"\nstride = \"0 B\"\n"
                                                      "request_size = \"64 B\"\noutstanding = 1\n"
                                                      "total_requests = 2\ninterval = \"7801 ns\"\n"));
  EXPECT_DOUBLE_EQ(ns(run.stat("workload.mem_traffic.completion_time")), 8194.75);
  EXPECT_DOUBLE_EQ(ns(run.stat("workload.mem_traffic.latency")), 32 + (8194.75 - 7801));
  EXPECT_EQ(run.stat("memory.dram.refreshes"), 1.0);
  EXPECT_EQ(run.stat("memory.dram.row_misses"), 2.0);
  EXPECT_DOUBLE_EQ(run.stat("memory.dram.energy"), 2 * 4176.0 + 2 * 2784.0 + 665280.0);
}

// Sequential streaming reaches at least 90% of the peak, channels * bus width * data rate
// (= channels * burst bytes / tBL), over many refresh intervals. 1 KiB reads, 100 in flight.
TEST(DramBandwidth, SequentialStreamingReachesNinetyPercentOfPeak) {
  for (const Preset& p : kPresets) {
    const unsigned requests = p.channels == 16 ? 20000 : 10000;
    const auto run = run_memory(one_dram(preset(p), "pattern = \"sequential\"\nrequest_size = \"1 KiB\"\n"
                                                    "outstanding = 100\ntotal_requests = " +
                                                        std::to_string(requests) + "\n"));
    const double peak = p.channels * p.burst_bytes / p.tBL; // bytes per ns
    const double bytes = run.stat("workload.mem_traffic.bytes");
    const double achieved = bytes / ns(run.stat("workload.mem_traffic.completion_time"));
    EXPECT_EQ(bytes, requests * 1024.0) << p.name;
    EXPECT_GE(achieved / peak, 0.90) << p.name << ": " << achieved << " of " << peak << " GB/s";
    EXPECT_GT(run.stat("memory.dram.refreshes"), 0.0) << p.name;
    EXPECT_GT(run.stat("memory.dram.row_hits"), 0.9 * requests * 1024 / p.burst_bytes) << p.name;
    std::printf("[ %-9s ] sequential %.1f GB/s of %.1f GB/s peak (%.1f%%)\n", p.name, achieved, peak,
                100 * achieved / peak);
  }
}

// Random single-burst reads over 1 GiB: almost every read opens a row, so the read rate is bounded
// by the ACT rate the bank timings allow. Over a run of T, per rank:
//   ACTs <= 4 * (T / tFAW + 1)             (four-activate window)
//   ACTs <= T / tRRD_S + 1                 (ACT to ACT)
//   ACTs <= banks * (T / tRC + 1)          (a bank opens one row per tRC = tRAS + tRP)
// and reads that were not row hits <= ACTs. The test checks these and that the scheduler gets
// within 60% of the tightest bound (32 reads in flight per channel keep the banks busy).
TEST(DramBandwidth, RandomSingleBurstAccessesAreBoundedByBankTimings) {
  for (const Preset& p : kPresets) {
    const unsigned requests = 20000;
    const auto run = run_memory(one_dram(
        preset(p),
        "pattern = \"random\"\nrequest_size = " + quoted(std::to_string(static_cast<int>(p.burst_bytes)) + " B") +
            "\nrange = \"1 GiB\"\noutstanding = " + std::to_string(static_cast<int>(32 * p.channels)) +
            "\ntotal_requests = " + std::to_string(requests) + "\n"));
    const double t = ns(run.stat("workload.mem_traffic.completion_time"));
    const double ranks = p.channels * p.ranks;
    const double activates = run.stat("memory.dram.activates");
    const double opened = run.stat("memory.dram.row_misses") + run.stat("memory.dram.row_conflicts");
    const double faw_bound = ranks * 4 * (t / p.tFAW + 1);
    const double rrd_bound = ranks * (t / p.tRRD_S + 1);
    const double trc_bound = ranks * p.banks_per_rank * (t / (p.tRAS + p.tRP) + 1);
    const double bound = std::min({faw_bound, rrd_bound, trc_bound});
    EXPECT_EQ(run.stat("workload.mem_traffic.completed"), requests) << p.name;
    EXPECT_LE(opened, activates) << p.name;
    EXPECT_LE(activates, bound) << p.name;
    EXPECT_GE(opened, 0.95 * requests) << p.name; // random rows: hardly any hits
    EXPECT_GE(activates, 0.6 * bound) << p.name;
    std::printf("[ %-9s ] random %.0f ACTs in %.0f ns: %.1f%% of the tFAW/tRRD/tRC bound %.0f; %.1f GB/s\n", p.name,
                activates, t, 100 * activates / bound, bound, run.stat("workload.mem_traffic.bytes") / t);
  }
}

// One bank, a new row every time, 8 in flight: ACTs exactly tRC = tRAS + tRP = 45.75 ns apart
// (PRE waits for tRAS after the ACT; tRCD + tRTP is shorter). The first answer comes at 32 ns,
// the 150th 149 tRC later (before the first refresh at 7.8 us).
TEST(DramBandwidth, OneBankOpensOneRowPerTrc) {
  const auto run = run_memory(one_dram(preset(kDdr4), "pattern = \"strided\"\nstride = \"128 KiB\"\n"
                                                      "request_size = \"64 B\"\noutstanding = 8\n"
                                                      "total_requests = 150\n"));
  EXPECT_DOUBLE_EQ(ns(run.stat("workload.mem_traffic.completion_time")), 32 + 149 * 45.75);
  EXPECT_EQ(run.stat("memory.dram.activates"), 150.0);
  EXPECT_EQ(run.stat("memory.dram.refreshes"), 0.0);
}

TEST(DramRequests, LargeRequestsSpanChannelsAndBadOnesAreCounted) {
  // 4 KiB over 16 HBM3 channels: 128 bursts, one answer.
  const auto big = run_memory(one_dram(preset(kHbm3), "request_size = \"4 KiB\"\noutstanding = 4\n"
                                                      "total_requests = 64\n"));
  EXPECT_EQ(big.stat("workload.mem_traffic.completed"), 64.0);
  EXPECT_EQ(big.stat("memory.dram.bytes"), 64 * 4096.0);
  EXPECT_EQ(big.stat("memory.dram.row_hits") + big.stat("memory.dram.row_misses") +
                big.stat("memory.dram.row_conflicts"),
            64 * 128.0);
  EXPECT_EQ(big.stat("memory.dram.busy_time"), 64 * 128 * 1250.0);

  // Capacity of a custom part: 1 channel x 1 rank x 2 x 2 banks x 4 rows x 256 B = 4 KiB.
  const std::string small = "preset = \"custom\"\nchannels = 1\nranks = 1\nbank_groups = 2\nbanks_per_group = 2\n"
                            "rows = 4\nrow_size = \"256 B\"\nbus_width = 64\nburst_length = 8\ntCK = \"1 ns\"\n"
                            "tBL = \"4 ns\"\ntCCD_S = \"4 ns\"\ntRCD = \"10 ns\"\ntCL = \"10 ns\"\n";
  const auto beyond = run_memory(one_dram(small, "request_size = \"64 B\"\nrange = \"8 KiB\"\noutstanding = 1\n"
                                                 "total_requests = 100\n"));
  EXPECT_EQ(beyond.stat("memory.dram.errors"), 1.0); // the 65th request, at 4 KiB, gets no answer
  EXPECT_EQ(beyond.stat("workload.mem_traffic.completed"), 64.0);
  // custom refreshes nothing; a miss is tRCD + tCL + tBL
  EXPECT_EQ(beyond.stat("memory.dram.refreshes"), 0.0);

  // More requests in flight than the request table holds: the rest are dropped.
  const auto flood = run_memory(one_dram(preset(kDdr4), "request_size = \"64 B\"\noutstanding = 600\n"
                                                        "total_requests = 600\n"));
  EXPECT_EQ(flood.stat("memory.dram.dropped"), 88.0);
  EXPECT_EQ(flood.stat("workload.mem_traffic.completed"), 512.0);
}

TEST(DramRequests, AreaIsTheParameter) {
  const auto run = run_memory(one_dram(preset(kDdr4) + "area_mm2 = 12.5\n", strided(256, 1)));
  EXPECT_EQ(run.stat("memory.dram.area"), 12.5);
}

TEST(DramConfig, BadParametersAreConfigurationErrors) {
  const auto expect_config_error = [](const std::string& dram, const std::string& expected) {
    archlab::testing::expect_config_error(one_dram(dram, strided(256, 1)), expected);
  };
  expect_config_error("ranks = 5\n", "parameter 'ranks' is out of range");
  expect_config_error("bank_groups = 8\nbanks_per_group = 16\n", "at most 64 banks per channel");
  expect_config_error("preset = \"custom\"\n", "channels, ranks, bank_groups, banks_per_group and rows");
  expect_config_error("preset = \"ddr5\"\n", "preset");
  expect_config_error("queue_depth = 33\n", "parameter 'queue_depth' is out of range");
  expect_config_error("row_size = \"100 B\"\n", "row_size must be a positive multiple of the burst");
}

// Through an interconnect (protocol.hpp): the generators put the memory's endpoint in the route,
// the memories answer with the route the request came with. interconnect.link's endpoints are its
// `out` receivers in link order: gen 0, mem 1, spm 2, gen2 3.
TEST(DramRequests, AnswersFindTheirWayBackThroughAnInterconnect) {
  std::string text = "engine = \"sequential\"\n"
                     "[system.components.wire]\ntype = \"interconnect.link\"\nlatency = \"10 ns\"\n"
                     "[system.components.mem]\ntype = \"memory.dram\"\nvia_interconnect = true\n"
                     "[system.components.spm]\ntype = \"memory.sram\"\nvia_interconnect = true\n"
                     "[workloads.gen]\ntype = \"workload.mem_traffic\"\nvia_interconnect = true\nroute = 1\n"
                     "total_requests = 10\noutstanding = 2\n"
                     "[workloads.gen2]\ntype = \"workload.mem_traffic\"\nvia_interconnect = true\nroute = 2\n"
                     "total_requests = 7\noutstanding = 1\n";
  for (const char* from : {"gen.out", "mem.resp", "gen2.out", "spm.resp"})
    text += "[[links]]\nfrom = " + quoted(from) + "\nto = \"wire.in\"\nlatency = \"1 ns\"\n";
  for (const char* to : {"gen.in", "mem.req", "spm.req", "gen2.in"})
    text += "[[links]]\nfrom = \"wire.out\"\nto = " + quoted(to) + "\nlatency = \"1 ns\"\n";
  const auto run = run_memory(text);
  EXPECT_EQ(run.result.status, "completed");
  EXPECT_EQ(run.stat("memory.dram.reads"), 10.0);
  EXPECT_EQ(run.stat("memory.sram.reads"), 7.0);
  EXPECT_EQ(run.stat("workload.mem_traffic.completed", 0), 10.0);
  EXPECT_EQ(run.stat("workload.mem_traffic.completed", 1), 7.0);
  EXPECT_EQ(run.stat("workload.mem_traffic.rejected", 0) + run.stat("workload.mem_traffic.rejected", 1), 0.0);
}

// Lazy wake-ups: the wake-ups that answer nothing get no event, so a request costs about three
// events in all (its arrival, the wake-up that answers it, the answer), whatever its size. The
// eager model took 4.04 (DDR4 64 B), 12.06 (HBM3 1 KiB random) and 5.01 (HBM3 1 KiB sequential).
// Its decisions are kept exactly; the other tests pin them, and every engine must agree
// (equivalence.toml), planning and undoing included.
TEST(DramEvents, ARequestCostsAboutThreeEvents) {
  struct Case {
    const char* name;
    const char* dram;
    const char* traffic;
    double requests;
  };
  const Case cases[] = {
      {"ddr4_3200 random 64 B", "preset = \"ddr4_3200\"\n",
       "pattern = \"random\"\nrange = \"4 GiB\"\nrequest_size = \"64 B\"\noutstanding = 64\ntotal_requests = 20000\n",
       20000},
      {"hbm3 random 1 KiB", "preset = \"hbm3\"\n",
       "pattern = \"random\"\nrange = \"1 GiB\"\nrequest_size = \"1 KiB\"\noutstanding = 64\ntotal_requests = 4000\n",
       4000},
      {"hbm3 sequential 1 KiB", "preset = \"hbm3\"\n",
       "pattern = \"sequential\"\nrequest_size = \"1 KiB\"\noutstanding = 100\ntotal_requests = 4000\n", 4000},
  };
  for (const Case& c : cases) {
    const auto run = run_memory(one_dram(c.dram, c.traffic));
    ASSERT_EQ(run.stat("workload.mem_traffic.completed"), c.requests) << c.name;
    const double per_request = static_cast<double>(run.result.events) / c.requests;
    EXPECT_LE(per_request, 3.15) << c.name;
    EXPECT_GE(per_request, 2.0) << c.name; // an arrival and an answer at least
    std::printf("[ %-21s ] %.3f events per request\n", c.name, per_request);
  }
}

// A request that arrives while wake-ups are planned undoes them; the answers stay those of the
// eager model on every engine (the engines hand a component its events in different batches).
TEST(DramEvents, PlannedWakeUpsAreUndoneTheSameOnEveryEngine) {
  const std::string text =
      one_dram("preset = \"hbm2e\"\nqueue_depth = 8\n",
               "pattern = \"random\"\nrange = \"64 MiB\"\nrequest_size = \"256 B\"\nread_fraction = 0.7\n"
               "outstanding = 48\ntotal_requests = 3000\n");
  const auto sequential = run_memory(text);
  for (const char* engine : {"windowed", "gpu-emulated"}) {
    const auto other = run_memory(text, engine);
    EXPECT_EQ(other.result.events, sequential.result.events) << engine;
    for (const auto& [name, values] : sequential.stats)
      EXPECT_EQ(other.values(name), values) << engine << " " << name;
  }
}

// The lazy model (wake-ups planned without events, undone when a request comes earlier from the
// first one where it could have entered a queue, none while it waits for a full queue) decides exactly
// as the eager one (lazy_wakeups = false: one event per wake-up): every statistic of the DRAM and
// of the requester, latency sums and histograms included, on one channel and on many, with queues
// that overflow into the waiting list (large requests, many in flight), writes, posted writes,
// short queues and a bank timing longer than a search key holds.
TEST(DramEvents, LazyWakeUpsDecideExactlyAsTheEagerModel) {
  struct Case {
    const char* name;
    std::string dram;
    std::string traffic;
  };
  const Case cases[] = {
      {"hbm3 8 channels, 4 KiB random, 256 in flight", "preset = \"hbm3\"\nchannels = 8\n",
       "pattern = \"random\"\nrange = \"256 MiB\"\nrequest_size = \"4 KiB\"\nread_fraction = 0.8\n"
       "outstanding = 256\ntotal_requests = 1500\n"},
      {"hbm3 16 channels, 4 KiB sequential, 128 in flight", "preset = \"hbm3\"\n",
       "pattern = \"sequential\"\nrequest_size = \"4 KiB\"\noutstanding = 128\ntotal_requests = 1000\n"},
      {"hbm3 1 KiB random, 64 in flight", "preset = \"hbm3\"\n",
       "pattern = \"random\"\nrange = \"1 GiB\"\nrequest_size = \"1 KiB\"\nread_fraction = 0.7\n"
       "outstanding = 64\ntotal_requests = 2000\n"},
      {"ddr4 64 B random, 64 in flight", "preset = \"ddr4_3200\"\n",
       "pattern = \"random\"\nrange = \"4 GiB\"\nrequest_size = \"64 B\"\nread_fraction = 0.8\n"
       "outstanding = 64\ntotal_requests = 5000\n"},
      {"lpddr5 2 KiB random, posted writes", "preset = \"lpddr5\"\nposted_writes = true\nwrite_buffer = 8\n",
       "pattern = \"random\"\nrange = \"512 MiB\"\nrequest_size = \"2 KiB\"\nread_fraction = 0.5\n"
       "outstanding = 32\ntotal_requests = 800\n"},
      {"hbm2e queue depth 8, 256 B random", "preset = \"hbm2e\"\nqueue_depth = 8\n",
       "pattern = \"random\"\nrange = \"64 MiB\"\nrequest_size = \"256 B\"\nread_fraction = 0.7\n"
       "outstanding = 48\ntotal_requests = 3000\n"},
      // A bank's own time up to 3 ms ahead: beyond what a search key holds (2^41 ps after its
      // epoch), so the searches fall back to the exact comparison (and the self-check build checks
      // every answer).
      {"ddr4 tRAS 3 ms, 64 B random (keys too wide)", "preset = \"ddr4_3200\"\ntRAS = \"3 ms\"\n",
       "pattern = \"random\"\nrange = \"4 GiB\"\nrequest_size = \"64 B\"\nread_fraction = 0.8\n"
       "outstanding = 16\ntotal_requests = 400\n"},
  };
  for (const Case& c : cases) {
    const auto lazy = run_memory(one_dram(c.dram, c.traffic));
    const auto eager = run_memory(one_dram(c.dram + "lazy_wakeups = false\n", c.traffic));
    ASSERT_GT(lazy.stat("workload.mem_traffic.completed"), 0.0) << c.name;
    for (const auto& [name, values] : eager.stats) {
      const std::vector<double>& mine = lazy.values(name);
      ASSERT_EQ(mine.size(), values.size()) << c.name << ": " << name;
      for (std::size_t i = 0; i < values.size(); ++i) // a mean of nothing is NaN on both sides
        EXPECT_TRUE(mine[i] == values[i] || (std::isnan(mine[i]) && std::isnan(values[i])))
            << c.name << ": " << name << " lazy " << mine[i] << " eager " << values[i];
    }
    EXPECT_EQ(lazy.result.final_time, eager.result.final_time) << c.name;
    EXPECT_LT(lazy.result.events, eager.result.events) << c.name; // the point of planning ahead
    std::printf("[ %-48s ] events lazy %llu, eager %llu\n", c.name,
                static_cast<unsigned long long>(lazy.result.events),
                static_cast<unsigned long long>(eager.result.events));
  }
}

// ---------------------------------------------------------------------------------------------
// Address maps written as other simulators write them, posted writes, read and write latency
// ---------------------------------------------------------------------------------------------

// A map spelled as Ramulator (RoRaBaCoBgCh) or DRAMsim3 (rorabacobgch) writes it is the named map
// with the same field order: every statistic of a random mix on 16 HBM2E channels is the same.
TEST(DramMapping, SpelledMapsAreTheNamedMaps) {
  const std::string traffic = "pattern = \"random\"\nrange = \"1 GiB\"\nrequest_size = \"128 B\"\n"
                              "read_fraction = 0.7\noutstanding = 32\ntotal_requests = 3000\n";
  const struct {
    const char* named;
    const char* spelled[2];
  } maps[] = {{"row_bank_column", {"RoRaBaCoBgCh", "rorabacobgch"}},
              {"row_column_bank", {"RoCoRaBaBgCh", "rocorababgch"}}};
  for (const auto& m : maps) {
    const auto named = run_memory(one_dram("preset = \"hbm2e\"\nmapping = " + quoted(m.named) + "\n", traffic));
    ASSERT_EQ(named.stat("memory.dram.reads") + named.stat("memory.dram.writes"), 3000.0) << m.named;
    for (const char* spelled : m.spelled) {
      const auto run = run_memory(one_dram("preset = \"hbm2e\"\nmapping = " + quoted(spelled) + "\n", traffic));
      EXPECT_EQ(run.result.events, named.result.events) << spelled;
      for (const auto& [name, values] : named.stats)
        EXPECT_EQ(run.values(name), values) << spelled << " " << name;
    }
  }
  // The default is row_bank_column.
  const auto by_default = run_memory(one_dram("preset = \"hbm2e\"\n", traffic));
  const auto named = run_memory(one_dram("preset = \"hbm2e\"\nmapping = \"RoRaBaCoBgCh\"\n", traffic));
  EXPECT_EQ(by_default.stats, named.stats);
}

// DDR4-3200 (one channel), ten 64 B reads one at a time, 64 B apart: the field order decides which
// bank and row each burst finds. Miss 32 ns, hit 18.25 ns, conflict 45.75 ns (DramLatency above).
TEST(DramMapping, FieldOrderDecidesWhereConsecutiveBurstsGo) {
  const double miss = 32, hit = 18.25, conflict = 45.75;
  const struct {
    const char* map;
    double misses, hits, conflicts;
  } cases[] = {
      {"RoRaBaCoBgCh", 4, 6, 0}, // bank group lowest: four groups open a row each, then hits
      {"RoRaBgBaCoCh", 1, 9, 0}, // column lowest: one row of one bank
      {"rorabgbacoch", 1, 9, 0},  {"ChRaBgBaCoRo", 1, 0, 9}, // row lowest: the next row of the same bank every time
      {"CoRoRaBgChBa", 10, 0, 0},                            // bank, then bank group lowest: ten different banks
      {"CoBgRaChRoBa", 4, 0, 6}, // bank, then row lowest: banks 0-3 open row 0, then rows 1 and 2
  };
  for (const auto& c : cases) {
    const auto run = run_memory(one_dram(preset(kDdr4) + "mapping = " + quoted(c.map) + "\n", strided(64, 10)));
    EXPECT_EQ(run.stat("memory.dram.row_misses"), c.misses) << c.map;
    EXPECT_EQ(run.stat("memory.dram.row_hits"), c.hits) << c.map;
    EXPECT_EQ(run.stat("memory.dram.row_conflicts"), c.conflicts) << c.map;
    EXPECT_DOUBLE_EQ(ns(run.stat("workload.mem_traffic.latency")),
                     c.misses * miss + c.hits * hit + c.conflicts * conflict)
        << c.map;
  }
  // Counts that are not powers of two (three ranks) are taken by division: with the rank lowest,
  // bursts 0-2 open a row in ranks 0, 1, 2 and bursts 3-5 hit them; with the default map they
  // walk the bank groups.
  const std::string three_ranks = preset(kDdr4) + "ranks = 3\nrefresh = \"none\"\n";
  const auto by_rank = run_memory(one_dram(three_ranks + "mapping = \"RoBgBaCoRaCh\"\n", strided(64, 6)));
  EXPECT_EQ(by_rank.stat("memory.dram.row_misses"), 3.0);
  EXPECT_EQ(by_rank.stat("memory.dram.row_hits"), 3.0);
  EXPECT_DOUBLE_EQ(ns(by_rank.stat("workload.mem_traffic.latency")), 3 * miss + 3 * hit);
  const auto by_group = run_memory(one_dram(three_ranks, strided(64, 6)));
  EXPECT_EQ(by_group.stat("memory.dram.row_misses"), 4.0);
  EXPECT_EQ(by_group.stat("memory.dram.row_hits"), 2.0);
  // The last MiB of the 24 GiB of three ranks: the row, highest, takes what the others leave.
  const auto last = run_memory(one_dram(three_ranks + "mapping = \"RoBgBaCoRaCh\"\n",
                                        "pattern = \"strided\"\nstride = \"0 B\"\nbase = \"24575 MiB\"\n"
                                        "request_size = \"64 B\"\nrange = \"1 MiB\"\ntotal_requests = 2\n"
                                        "outstanding = 1\n"));
  EXPECT_EQ(last.stat("memory.dram.errors"), 0.0);
  EXPECT_EQ(last.stat("memory.dram.row_misses"), 1.0);
  EXPECT_EQ(last.stat("memory.dram.row_hits"), 1.0);
}

TEST(DramMapping, MapsThatAreNotAnOrderOfTheSixFieldsAreConfigurationErrors) {
  for (const char* bad : {"RoBaRaCoCh",      // no bank group (Ramulator's DDR3-era map): Bg is needed
                          "RoRaBaCoBgBg",    // Bg twice, no Ch
                          "RoRaBaCoBgXy",    // not a field
                          "RoRaBaCoBgChCh",  // seven fields
                          "RoRaBaCoBgch"}) { // one spelling per map
    archlab::testing::expect_config_error(one_dram("mapping = " + quoted(bad) + "\n", strided(256, 1)),
                                          "parameter 'mapping' is '" + std::string(bad) + "' (did you mean '");
  }
  // The message names the nearest valid map in the spelling given and counts the valid ones (both
  // spellings of the 720 orders and the two names) instead of listing 1,442 of them.
  archlab::testing::expect_config_error(one_dram("mapping = \"RoBaRaCoCh\"\n", strided(256, 1)),
                                        "(did you mean 'RoBgBaRaCoCh'?); valid: row_bank_column, row_column_bank, ");
  archlab::testing::expect_config_error(one_dram("mapping = \"rorabacobgcx\"\n", strided(256, 1)),
                                        "(did you mean 'rorabacobgch'?)");
  archlab::testing::expect_config_error(one_dram("mapping = \"RoBaRaCoCh\"\n", strided(256, 1)), "(1442 in all)");
}

// read_latency / write_latency: from the request's arrival at the DRAM to the end of its data
// (the generator sees 2 ns more, the links); their means are derived statistics.
TEST(DramLatency, ReadAndWriteLatencyAreReportedApart) {
  const auto run = run_memory(one_dram(preset(kDdr4) + "refresh = \"none\"\n",
                                       "pattern = \"strided\"\nstride = \"128 KiB\"\nrequest_size = \"64 B\"\n"
                                       "outstanding = 1\ntotal_requests = 40\nread_fraction = 0.5\n"));
  const double reads = run.stat("memory.dram.reads");
  const double writes = run.stat("memory.dram.writes");
  ASSERT_EQ(reads + writes, 40.0);
  ASSERT_GT(reads, 0.0);
  ASSERT_GT(writes, 0.0);
  EXPECT_EQ(run.stat("workload.mem_traffic.reads_completed"), reads);
  EXPECT_EQ(run.stat("workload.mem_traffic.writes_completed"), writes);
  // One at a time, so the generator's latency is the DRAM's plus the two links.
  EXPECT_DOUBLE_EQ(run.stat("workload.mem_traffic.read_latency"), run.stat("memory.dram.read_latency") + reads * 2000);
  EXPECT_DOUBLE_EQ(run.stat("workload.mem_traffic.write_latency"),
                   run.stat("memory.dram.write_latency") + writes * 2000);
  EXPECT_DOUBLE_EQ(run.stat("memory.dram.read_latency") + run.stat("memory.dram.write_latency") + 40 * 2000,
                   run.stat("workload.mem_traffic.latency"));
  EXPECT_DOUBLE_EQ(run.stat("memory.dram.mean_read_latency"), run.stat("memory.dram.read_latency") / reads);
  EXPECT_DOUBLE_EQ(run.stat("memory.dram.mean_write_latency"), run.stat("memory.dram.write_latency") / writes);
  EXPECT_DOUBLE_EQ(run.stat("workload.mem_traffic.mean_write_latency"),
                   run.stat("workload.mem_traffic.write_latency") / writes);

  // A lone read miss: tRCD + tCL + tBL = 30 ns; a lone write miss: tRCD + tCWL + tBL = 26.25 ns.
  const auto read = run_memory(one_dram(preset(kDdr4), strided(256, 1)));
  EXPECT_DOUBLE_EQ(ns(read.stat("memory.dram.read_latency")), 30.0);
  EXPECT_EQ(read.stat("memory.dram.write_latency"), 0.0);
  const auto write = run_memory(one_dram(preset(kDdr4), strided(256, 1, "read_fraction = 0.0\n")));
  EXPECT_DOUBLE_EQ(ns(write.stat("memory.dram.write_latency")), 26.25);
  EXPECT_DOUBLE_EQ(ns(write.stat("memory.dram.mean_write_latency")), 26.25);
}

// Posted writes are acknowledged on arrival. With the same arrivals (open loop, never held back
// by `outstanding`) the DRAM decides exactly as without them: bytes, row statistics, bus time,
// energy and reads are the same; only the writes' answers come earlier.
TEST(DramPostedWrites, AcknowledgeWritesOnArrivalWithTheSameDecisions) {
  const std::string traffic = "pattern = \"random\"\nrange = \"4 GiB\"\nrequest_size = \"64 B\"\n"
                              "read_fraction = 0.5\noutstanding = 64\ntotal_requests = 2000\ninterval = \"20 ns\"\n";
  const auto normal = run_memory(one_dram(preset(kDdr4), traffic));
  const auto posted = run_memory(one_dram(preset(kDdr4) + "posted_writes = true\n", traffic));
  const double writes = normal.stat("memory.dram.writes");
  ASSERT_GT(writes, 800.0);
  ASSERT_EQ(normal.stat("workload.mem_traffic.completed"), 2000.0);
  ASSERT_EQ(posted.stat("workload.mem_traffic.completed"), 2000.0);
  for (const char* same : {"reads", "writes", "bytes", "row_hits", "row_misses", "row_conflicts", "activates",
                           "refreshes", "queue_delay", "busy_time", "energy", "read_latency", "dropped"}) {
    EXPECT_EQ(posted.stat(std::string("memory.dram.") + same), normal.stat(std::string("memory.dram.") + same)) << same;
  }
  EXPECT_EQ(posted.stat("workload.mem_traffic.read_latency"), normal.stat("workload.mem_traffic.read_latency"));
  // Every write fits the 32-entry buffer at this rate: each is acknowledged at once (2 ns of links).
  EXPECT_EQ(posted.stat("memory.dram.posted_writes"), writes);
  EXPECT_EQ(normal.stat("memory.dram.posted_writes"), 0.0);
  EXPECT_EQ(posted.stat("memory.dram.write_latency"), 0.0);
  EXPECT_DOUBLE_EQ(ns(posted.stat("workload.mem_traffic.write_latency")), 2.0 * writes);
  EXPECT_GT(ns(normal.stat("workload.mem_traffic.mean_write_latency")), 26.25 + 2);
  std::printf("[ posted writes ] mean write latency %.2f ns -> %.2f ns\n",
              ns(normal.stat("workload.mem_traffic.mean_write_latency")),
              ns(posted.stat("workload.mem_traffic.mean_write_latency")));
}

// A write that finds write_buffer acknowledged writes still waiting is answered when written. A
// closed loop of writes to one bank (a new row each: ~46 ns per write) with 8 in flight keeps the
// one-entry buffer full: a write is posted whenever the previous posted one has been written.
TEST(DramPostedWrites, AFullWriteBufferAnswersWritesWhenTheyAreWritten) {
  const std::string traffic = "pattern = \"strided\"\nstride = \"128 KiB\"\nrange = \"1 GiB\"\n"
                              "request_size = \"64 B\"\nread_fraction = 0.0\noutstanding = 8\n"
                              "total_requests = 200\n";
  const auto normal = run_memory(one_dram(preset(kDdr4), traffic));
  const auto posted = run_memory(one_dram(preset(kDdr4) + "posted_writes = true\nwrite_buffer = 1\n", traffic));
  ASSERT_EQ(posted.stat("workload.mem_traffic.completed"), 200.0);
  EXPECT_EQ(posted.stat("memory.dram.writes"), 200.0);
  EXPECT_EQ(posted.stat("memory.dram.dropped"), 0.0);
  const double early = posted.stat("memory.dram.posted_writes");
  EXPECT_GT(early, 0.0);
  EXPECT_LT(early, 200.0);
  EXPECT_EQ(posted.stat("memory.dram.bytes"), normal.stat("memory.dram.bytes"));
  EXPECT_EQ(posted.stat("memory.dram.row_conflicts"), normal.stat("memory.dram.row_conflicts"));
  EXPECT_GT(posted.stat("memory.dram.write_latency"), 0.0);
  EXPECT_LT(posted.stat("memory.dram.write_latency"), normal.stat("memory.dram.write_latency"));

  archlab::testing::expect_config_error(one_dram("posted_writes = true\nwrite_buffer = 0\n", strided(256, 1)),
                                        "parameter 'write_buffer' is out of range");
}
