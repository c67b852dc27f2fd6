// interconnect.crossbar through the real loader and the sequential engine. Probes a, b, c, d are
// endpoints (input and output ports) 0..3; every archlab link is 1 ns; the switch: 1 GHz, 32-byte
// ports, 1 cycle of latency. A packet arriving at time t takes part in arbitration from the first
// edge after t, holds its ports ceil(bytes / 32) cycles and arrives one cycle, plus the 1 ns out
// link, after that.
#include <gtest/gtest.h>

#include <iomanip>
#include <iostream>

#include "archlab/errors.hpp"
#include "net_run.hpp"

using namespace archlab::testing;

namespace {

std::string four_ports(const std::string& probes, const std::string& extra = "") {
  std::string text = "engine = \"sequential\"\n[system.components.xbar]\ntype = \"interconnect.crossbar\"\ninputs = 4\n"
                     "outputs = 4\n" +
                     extra + probes;
  for (const char* name : {"a", "b", "c", "d"}) {
    text += link_entry(std::string(name) + ".out", "xbar.in") + link_entry("xbar.out", std::string(name) + ".in");
  }
  return text;
}

} // namespace

TEST(Crossbar, ZeroLoadLatency) {
  const auto run = run_net(four_ports(probe("a", 3, 1, 64) + probe("b", 0, 0) + probe("c", 0, 0) + probe("d", 0, 0)));
  EXPECT_EQ(run.result.status, "completed");
  // in at 1 ns (an edge: arbitrated at 2 ns), 2 cycles across, 1 cycle latency, 1 ns out
  EXPECT_EQ(run.stat("test.noc_probe.latency", 3), 6000.0);
  EXPECT_EQ(arrival_order(run.stat("test.noc_probe.order", 3)), (std::vector<int>{0}));
  EXPECT_EQ(run.stat("interconnect.crossbar.packets"), 1.0);
  EXPECT_EQ(run.stat("interconnect.crossbar.busy_time"), 2000.0);
  EXPECT_EQ(run.stat("interconnect.crossbar.queue_delay"), 1000.0);
  // mid-cycle arrival: arbitrated at the next edge
  const auto late = run_net(four_ports(probe("a", 3, 1, 64, "start = \"0.4 ns\"\n") + probe("b", 0, 0) +
                                       probe("c", 0, 0) + probe("d", 0, 0)));
  EXPECT_EQ(late.stat("test.noc_probe.latency", 3), 5600.0);
}

TEST(Crossbar, DifferentOutputsSwitchInParallel) {
  const auto run =
      run_net(four_ports(probe("a", 3, 1, 64) + probe("b", 2, 1, 64) + probe("c", 0, 0) + probe("d", 0, 0)));
  EXPECT_EQ(run.stat("test.noc_probe.latency", 2), 6000.0);
  EXPECT_EQ(run.stat("test.noc_probe.latency", 3), 6000.0);
  EXPECT_EQ(run.stat("interconnect.crossbar.arbitration_losses"), 0.0);
}

TEST(Crossbar, ContendingInputsAreGrantedRoundRobin) {
  // a, b, c each send four one-cycle packets to d at the same time
  const auto run =
      run_net(four_ports(probe("a", 3, 4, 32) + probe("b", 3, 4, 32) + probe("c", 3, 4, 32) + probe("d", 0, 0)));
  EXPECT_EQ(arrival_order(run.stat("test.noc_probe.order", 3)), (std::vector<int>{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2}));
  // grants at edges 2..13 ns, delivered 2 cycles later plus the 1 ns link
  EXPECT_EQ(run.stat("test.noc_probe.last_arrival", 3), 16000.0);
  // three requests at edges 2..11 (two lose each time), two at 12, one at 13
  EXPECT_EQ(run.stat("interconnect.crossbar.arbitration_losses"), 10 * 2 + 1);
  EXPECT_EQ(run.stat("interconnect.crossbar.busy_time"), 12 * 1000.0);
}

TEST(Crossbar, AllOutputsCanBeGrantedAtOneEdge) {
  // 20 inputs, each to its own output (i -> i + 1 mod 20): all granted at 2 ns, more than one
  // tick event grants, with the same outcome.
  const std::string text =
      "engine = \"sequential\"\n[system.components.xbar]\ntype = \"interconnect.crossbar\"\ninputs = 20\n"
      "outputs = 20\ninput_buffer = 4\n[workloads.p]\ntype = \"test.noc_probe\"\ncount = 20\npackets = 1\nbytes = 32\n"
      "destination = 1\nindex_stride = 1\nmodulo = 20\n" +
      link_entry("p[*].out", "xbar.in") + link_entry("xbar.out", "p[*].in");
  const auto run = run_net(text);
  EXPECT_EQ(run.sum("test.noc_probe.received"), 20.0);
  EXPECT_EQ(run.sum("test.noc_probe.latency"), 20 * 5000.0);
  EXPECT_EQ(run.stat("interconnect.crossbar.arbitration_losses"), 0.0);
}

TEST(Crossbar, HeadOfLineBlocking) {
  // a's 10-cycle packet wins output 2 at 2 ns (round robin starts at input 0). b's first packet,
  // also for output 2, waits until 12 ns, and b's second packet, for idle output 3, waits behind
  // it until 13 ns: it arrives at 16 ns instead of 5 ns.
  const auto run = run_net(
      four_ports(probe("a", 2, 1, 320) + probe("b", 2, 2, 32, "stride = 1\n") + probe("c", 0, 0) + probe("d", 0, 0)));
  EXPECT_EQ(arrival_order(run.stat("test.noc_probe.order", 2)), (std::vector<int>{0, 1}));
  EXPECT_EQ(run.stat("test.noc_probe.last_arrival", 2), 15000.0);
  EXPECT_EQ(run.stat("test.noc_probe.last_arrival", 3), 16000.0);
  EXPECT_EQ(run.stat("interconnect.crossbar.arbitration_losses"), 1.0);
}

TEST(Crossbar, AFullInputBufferDropsAndCounts) {
  const auto run = run_net(
      four_ports(probe("a", 3, 5, 32) + probe("b", 0, 0) + probe("c", 0, 0) + probe("d", 0, 0), "input_buffer = 2\n"));
  EXPECT_EQ(run.stat("interconnect.crossbar.dropped"), 3.0);
  EXPECT_EQ(run.stat("test.noc_probe.received", 3), 2.0);
}

TEST(Crossbar, BadParametersAreConfigurationErrors) {
  const std::string probes = probe("a", 3, 1) + probe("b", 0, 0) + probe("c", 0, 0) + probe("d", 0, 0);
  EXPECT_THROW(run_net(four_ports(probes, "input_buffer = 128\n")), archlab::ConfigError); // 4 * 128 > 256
  EXPECT_THROW(run_net(four_ports(probes, "outputs = 65\n")), archlab::ConfigError);
}

// Karol, Hluchyj and Morgan, "Input versus output queueing on a space-division packet switch"
// (IEEE Trans. Communications, 1987): with FIFO input queues, saturated inputs and uniform
// destinations, head-of-line blocking limits a 16 x 16 switch to 0.600 of its capacity (0.586 as
// N grows). Here every input offers a one-cycle packet every cycle.
TEST(Crossbar, SaturatesAtTheHeadOfLineBlockingLimit) {
  const std::string text =
      "engine = \"sequential\"\nstop_time = \"6 us\"\n"
      "[system.components.xbar]\ntype = \"interconnect.crossbar\"\ninputs = 16\noutputs = 16\n"
      "[workloads.node]\ntype = \"workload.noc_traffic\"\ncount = 16\nx = 16\ny = 1\nrate = 1.0\nflit_size = \"32 B\"\n"
      "warmup = \"1 us\"\nmeasure = \"5 us\"\n" +
      link_entry("node[*].out", "xbar.in") + link_entry("xbar.out", "node[*].in");
  const auto run = run_net(text);
  const double accepted = run.sum("workload.noc_traffic.window_flits") / (16 * 5000.0);
  std::cout << "16 x 16 crossbar, saturated uniform traffic: accepted " << std::fixed << std::setprecision(4)
            << accepted << " packets per port per cycle (Karol et al.: 0.600)\n";
  EXPECT_GT(accepted, 0.57);
  EXPECT_LT(accepted, 0.63);
  EXPECT_EQ(run.sum("workload.noc_traffic.misdelivered"), 0.0);
}
