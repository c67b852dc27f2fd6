// interconnect.mesh through the real loader and the sequential engine: exact single-packet
// latencies and contention on a 4 x 4 mesh driven by test.noc_probe, then workload.noc_traffic on
// an 8 x 8 mesh: the zero-load latency formula, and the latency-vs-load curve with its saturation
// near the bisection bound (the table printed here is the one in plugins/interconnect/mesh/README.md).
// Then the options: the router pipeline at the destination, finite buffers with credits and
// virtual channels (exact small cases, the zero-load formula, flat throughput past saturation,
// head-of-line blocking, transpose).
//
// Everywhere: 1 GHz, 1-cycle routers, 1 ns hop link (the link delay), 16-byte flits, one flit per
// cycle per link, 1 ns links into and out of the mesh.
#include <gtest/gtest.h>

#include <cstdio>
#include <iostream>

#include "archlab/errors.hpp"
#include "net_run.hpp"

using namespace archlab::testing;

namespace {

const std::string kMesh = "[system.components.noc]\ntype = \"interconnect.mesh\"\n";
const std::string kHopLink = link_entry("noc.hop", "noc.hop_in");

/// A 4 x 4 mesh with probes a, b, c, d at endpoints 0..3 and `rest` (12 idle probes) at 4..15,
/// then `extra_endpoints` more.
std::string small_mesh(const std::string& probes, const std::string& extra_endpoints = "",
                       const std::string& mesh = "") {
  std::string text = "engine = \"sequential\"\n" + kMesh + "x = 4\ny = 4\n" + mesh + probes +
                     "[workloads.rest]\ntype = \"test.noc_probe\"\ncount = 12\n" + kHopLink;
  for (const char* name : {"a", "b", "c", "d"}) {
    text += link_entry(std::string(name) + ".out", "noc.in") + link_entry("noc.out", std::string(name) + ".in");
  }
  return text + link_entry("noc.out", "rest[*].in") + extra_endpoints;
}

std::string idle(const std::string& name) { return probe(name, 0, 0); }

/// workload.noc_traffic on an 8 x 8 mesh (`mesh`: more of the mesh's parameters).
std::string traffic(const std::string& run, const std::string& workload, const std::string& mesh = "") {
  return "engine = \"sequential\"\n" + run + kMesh + "x = 8\ny = 8\n" + mesh +
         "[workloads.node]\ntype = \"workload.noc_traffic\"\ncount = 64\nx = 8\ny = 8\n" + workload + kHopLink +
         link_entry("node[*].out", "noc.in") + link_entry("noc.out", "node[*].in");
}

struct LoadPoint {
  double offered;
  double accepted;
  double latency_ns;
  double delivered; ///< measured packets received / measured packets sent
  double hops;
};

/// One-flit packets at `rate`: 1,000 cycles of warm-up, 5,000 measured, 2,000 more for the
/// measured packets to arrive (those still in flight at the stop are not in the latency).
LoadPoint load_point(double rate, const std::string& pattern = "uniform", const std::string& extra = "",
                     const std::string& mesh = "") {
  char workload[256];
  std::snprintf(workload, sizeof workload,
                "pattern = \"%s\"\nrate = %.4f\nwarmup = \"1000 ns\"\nmeasure = \"5000 ns\"\n", pattern.c_str(), rate);
  const auto run = run_net(traffic("stop_time = \"8000 ns\"\n", workload + extra, mesh));
  EXPECT_EQ(run.sum("workload.noc_traffic.misdelivered"), 0.0);
  const double nodes_cycles = 64 * 5000.0;
  const double received = run.sum("workload.noc_traffic.measured_received");
  return {run.sum("workload.noc_traffic.measured_sent") / nodes_cycles,
          run.sum("workload.noc_traffic.window_flits") / nodes_cycles,
          run.sum("workload.noc_traffic.latency") / received / 1000.0,
          received / run.sum("workload.noc_traffic.measured_sent"),
          run.sum("workload.noc_traffic.distance") / received};
}

/// Print a curve as the README's table and return it.
std::vector<LoadPoint> print_curve(const char* title, const std::vector<double>& rates, const std::string& pattern,
                                   const std::string& extra = "", const std::string& mesh = "") {
  std::vector<LoadPoint> curve;
  std::printf("%s\n| offered (flits/node/cycle) | accepted | average latency (cycles) | measured packets delivered |\n"
              "|---|---|---|---|\n",
              title);
  for (const double rate : rates) {
    curve.push_back(load_point(rate, pattern, extra, mesh));
    const LoadPoint& p = curve.back();
    std::printf("| %.3f | %.3f | %.1f | %.3f |\n", p.offered, p.accepted, p.latency_ns, p.delivered);
  }
  std::fflush(stdout);
  return curve;
}

} // namespace

TEST(Mesh, OnePacketTakesHopsTimesRouterAndLinkDelayPlusSerialization) {
  // endpoint 0 (router 0, corner) to endpoint 15 (router 15, far corner): 6 hops, 4 flits
  const auto run = run_net(small_mesh(probe("a", 15, 1, 64) + idle("b") + idle("c") + idle("d")));
  EXPECT_EQ(run.result.status, "completed");
  EXPECT_EQ(run.stat("test.noc_probe.latency", 15), (1 + 6 * (1 + 1) + 4 + 1) * 1000.0);
  EXPECT_EQ(run.stat("interconnect.mesh.packets"), 1.0);
  EXPECT_EQ(run.stat("interconnect.mesh.flits"), 4.0);
  EXPECT_EQ(run.stat("interconnect.mesh.bytes"), 64.0);
  EXPECT_EQ(run.stat("interconnect.mesh.hops"), 6.0);
  EXPECT_EQ(run.stat("interconnect.mesh.flit_hops"), 4.0 * 7);
  EXPECT_EQ(run.stat("interconnect.mesh.busy_time"), 7 * 4000.0);
  EXPECT_EQ(run.stat("interconnect.mesh.queue_delay"), 0.0);
  EXPECT_DOUBLE_EQ(run.stat("interconnect.mesh.energy"), 4.0 * 7 * 22.0);
  EXPECT_DOUBLE_EQ(run.stat("interconnect.mesh.area"), 16 * 0.34);
  // a packet for the sender's own router only crosses the ejection port
  const auto self = run_net(small_mesh(probe("a", 0, 1, 64) + idle("b") + idle("c") + idle("d")));
  EXPECT_EQ(self.stat("test.noc_probe.latency", 0), (1 + 4 + 1) * 1000.0);
  EXPECT_EQ(self.stat("interconnect.mesh.hops"), 0.0);
}

TEST(Mesh, RoutesAlongXThenY) {
  // from endpoint 3 (column 3, row 0) to 12 (column 0, row 3): west 3 links, then south 3. Both
  // packets, a's 0 -> 15 and d's 3 -> 12, cross the mesh without sharing a link.
  const auto run = run_net(small_mesh(probe("a", 15, 1, 64) + idle("b") + idle("c") + probe("d", 12, 1, 64)));
  EXPECT_EQ(run.stat("test.noc_probe.latency", 12), 18000.0);
  EXPECT_EQ(run.stat("test.noc_probe.latency", 15), 18000.0);
  EXPECT_EQ(run.stat("interconnect.mesh.queue_delay"), 0.0);
}

TEST(Mesh, PacketsContendForLinksAndEjectionPorts) {
  // a (router 0) and b (router 1) send 4-flit packets to d (router 3) at the same time. b's packet
  // takes links 1->2 at 2 ns and 2->3 at 4 ns; a's head reaches router 1 at 3 ns, ready at 4 ns,
  // and waits for link 1->2 until 6 ns: 2 ns of queueing, then no more.
  const auto run = run_net(small_mesh(probe("a", 3, 1, 64) + probe("b", 3, 1, 64) + idle("c") + idle("d")));
  EXPECT_EQ(arrival_order(run.stat("test.noc_probe.order", 3)), (std::vector<int>{1, 0}));
  EXPECT_EQ(run.stat("test.noc_probe.latency", 3), (10 + 14) * 1000.0);
  EXPECT_EQ(run.stat("test.noc_probe.last_arrival", 3), 14000.0);
  EXPECT_EQ(run.stat("interconnect.mesh.queue_delay"), 2000.0);
  // two packets for one endpoint from its own router: the ejection port takes them in turn
  const auto eject = run_net(small_mesh(probe("a", 0, 2, 64) + idle("b") + idle("c") + idle("d")));
  EXPECT_EQ(eject.stat("test.noc_probe.last_arrival", 0), (1 + 8 + 1) * 1000.0);
  EXPECT_EQ(eject.stat("interconnect.mesh.queue_delay"), 4000.0);
}

TEST(Mesh, RepliesGoBackThroughTheRoute) {
  const auto run =
      run_net(small_mesh(probe("a", 3, 1, 16) + idle("b") + idle("c") + probe("d", 0, 0, 16, "echo = true\n")));
  EXPECT_EQ(arrival_order(run.stat("test.noc_probe.order", 3)), (std::vector<int>{0}));
  EXPECT_EQ(arrival_order(run.stat("test.noc_probe.order", 0)), (std::vector<int>{3}));
  EXPECT_EQ(run.stat("test.noc_probe.latency", 0), (1 + 3 * 2 + 1 + 1) * 1000.0);
}

TEST(Mesh, EndpointsBeyondTheRoutersWrapAround) {
  // a second array after the first 16 endpoints: endpoint 16 sits at router 0, with a
  const std::string more = "[workloads.mem]\ntype = \"test.noc_probe\"\ncount = 4\npackets = 1\nbytes = 16\n" +
                           link_entry("mem[*].out", "noc.in") + link_entry("noc.out", "mem[*].in");
  const auto run = run_net(small_mesh(idle("a") + idle("b") + idle("c") + idle("d"), more));
  // mem[0..3] at routers 0..3 send to endpoint 0 (router 0): 0, 1, 2, 3 hops, one flit each
  EXPECT_EQ(run.stat("test.noc_probe.received", 0), 4.0);
  EXPECT_EQ(run.stat("interconnect.mesh.hops"), 0.0 + 1 + 2 + 3);
  EXPECT_EQ(run.stat("test.noc_probe.latency", 0), (3 + 5 + 7 + 9) * 1000.0);
}

TEST(Mesh, MisconfigurationIsReported) {
  EXPECT_THROW(run_net(small_mesh(idle("a") + idle("b") + idle("c") + idle("d")) +
                       "[system.components.big]\n"
                       "type = \"interconnect.mesh\"\nx = 17\n"),
               archlab::ConfigError);
  // no hop link: the first packet that must leave its router stops the run, naming `hop`
  std::string no_hop = small_mesh(probe("a", 5, 1) + idle("b") + idle("c") + idle("d"));
  no_hop.replace(no_hop.find(kHopLink), kHopLink.size(), "");
  try {
    run_net(no_hop);
    FAIL() << "expected a RunError";
  } catch (const archlab::RunError& e) {
    EXPECT_TRUE(contains(e.what(), "'hop'")) << e.what();
  }
}

// Every packet's latency is H * (router + link delay) + F flit times, plus the 1 ns links in and
// out, plus what it waited (in its source queue and in the mesh): summed over a run, exactly. At
// this load the waiting is a small part, so the average latency is the zero-load latency.
TEST(Mesh, ZeroLoadLatencyFollowsTheFormula) {
  const auto run = run_net(traffic("", "rate = 0.002\npacket_flits = 4\nduration = \"40 us\"\n"));
  EXPECT_EQ(run.result.status, "completed");
  const double packets = run.sum("workload.noc_traffic.measured_received");
  ASSERT_EQ(packets, run.sum("workload.noc_traffic.measured_sent"));
  ASSERT_GT(packets, 1000.0);
  const double hops = run.sum("workload.noc_traffic.distance");
  EXPECT_EQ(hops, run.stat("interconnect.mesh.hops"));
  const double latency = run.sum("workload.noc_traffic.latency");
  const double waited = run.sum("workload.noc_traffic.source_delay") + run.stat("interconnect.mesh.queue_delay");
  const double router_ns = 1, link_ns = 1, flits = 4, flit_ns = 1, in_out_ns = 2;
  const double zero_load = (hops * (router_ns + link_ns) + packets * (flits * flit_ns + in_out_ns)) * 1000.0;
  EXPECT_EQ(latency - waited, zero_load);
  EXPECT_LT(waited, 0.005 * latency);
  // uniform random over 64 nodes (itself included): 2 (k^2 - 1) / 3k = 5.25 hops on average
  std::printf("zero load: %.0f packets, %.3f hops on average, latency %.3f ns, zero-load formula %.3f ns\n", packets,
              hops / packets, latency / packets / 1000.0, zero_load / packets / 1000.0);
  EXPECT_NEAR(hops / packets, 5.25, 0.25);
}

TEST(Mesh, LatencyGrowsWithLoadAndThroughputSaturatesNearTheBisectionBound) {
  const std::vector<double> rates = {0.02, 0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.8};
  const auto curve = print_curve("8x8 mesh, uniform random, 1-flit packets", rates, "uniform");
  // below saturation the network carries what is offered, and latency grows with load
  for (std::size_t i = 0; i < 7; ++i) {
    EXPECT_NEAR(curve[i].accepted, curve[i].offered, 0.03 * curve[i].offered + 0.002) << "rate " << rates[i];
    EXPECT_EQ(curve[i].delivered, 1.0) << "rate " << rates[i];
    if (i > 0) EXPECT_GT(curve[i].latency_ns, curve[i - 1].latency_ns) << "rate " << rates[i];
  }
  // zero load: 5.25 hops * 2 cycles + 1 flit + 2 cycles in and out
  EXPECT_NEAR(curve[0].latency_ns, 5.25 * 2 + 1 + 2, 0.5);
  // saturation near the bisection bound, 4 / k = 0.5 flits/node/cycle for k = 8
  EXPECT_GT(curve[7].accepted, 0.45);
  EXPECT_GT(curve[9].accepted, 0.35);
  EXPECT_LT(curve[9].accepted, 0.55);
  EXPECT_LT(curve[9].delivered, 0.9);
}

// Transpose with XY routing: in row r, the eastward link into column r carries the packets of the r
// nodes to its west, so the most loaded links (r = k - 1) saturate at 1 / (k - 1) = 0.143.
TEST(Mesh, TransposeSaturatesAtItsMostLoadedLink) {
  const auto curve = print_curve("8x8 mesh, transpose, 1-flit packets", {0.05, 0.1, 0.13, 0.2, 0.3}, "transpose");
  EXPECT_EQ(curve[1].delivered, 1.0);
  EXPECT_NEAR(curve[1].accepted, curve[1].offered, 0.005);
  EXPECT_GT(curve[3].latency_ns, 10 * curve[0].latency_ns);
  // beyond saturation only part of the offered load gets through
  EXPECT_LT(curve[4].accepted, 0.8 * curve[4].offered);
}

// Hotspot: a fifth of all packets go to one node, whose ejection port takes one flit per cycle:
// 64 * rate * (0.2 + 0.8 / 64) <= 1, so rate <= 0.0735.
TEST(Mesh, HotspotIsLimitedByTheHotspotsEjectionPort) {
  const auto curve = print_curve("8x8 mesh, hotspot (node 27, 20 %), 1-flit packets", {0.02, 0.05, 0.07, 0.1, 0.2},
                                 "hotspot", "hotspot = 27\nhotspot_fraction = 0.2\n");
  EXPECT_EQ(curve[1].delivered, 1.0);
  EXPECT_NEAR(curve[1].accepted, curve[1].offered, 0.003);
  EXPECT_LT(curve[3].delivered, 1.0);
  const auto run = run_net(traffic("stop_time = \"3000 ns\"\n", "pattern = \"hotspot\"\nrate = 0.01\nhotspot = 27\n"
                                                                "hotspot_fraction = 0.5\n"));
  const double received = run.sum("workload.noc_traffic.received");
  EXPECT_NEAR(run.stat("workload.noc_traffic.received", 27) / received, 0.5 + 0.5 / 64, 0.05);
  EXPECT_EQ(run.sum("workload.noc_traffic.misdelivered"), 0.0);
}

// ---- the router pipeline at the destination, finite buffers, virtual channels and credits ------

TEST(Mesh, EjectPipelineChargesTheDestinationRouterToo) {
  // corner to corner, 6 hops, 4 flits: one more router delay than without eject_pipeline (18 ns),
  // with unbounded and with finite buffers alike
  for (const std::string mesh : {"eject_pipeline = true\n", "eject_pipeline = true\nbuffer_flits = 4\nvcs = 2\n"}) {
    const auto run = run_net(small_mesh(probe("a", 15, 1, 64) + idle("b") + idle("c") + idle("d"), "", mesh));
    EXPECT_EQ(run.stat("test.noc_probe.latency", 15), (1 + 7 * 1 + 6 * 1 + 4 + 1) * 1000.0) << mesh;
    EXPECT_EQ(run.stat("interconnect.mesh.queue_delay"), 0.0) << mesh;
    const auto self = run_net(small_mesh(probe("a", 0, 1, 64) + idle("b") + idle("c") + idle("d"), "", mesh));
    EXPECT_EQ(self.stat("test.noc_probe.latency", 0), (1 + 1 + 4 + 1) * 1000.0) << mesh;
  }
}

TEST(Mesh, CreditsHoldAPacketUntilTheBufferAheadHasRoom) {
  // Two one-flit packets from endpoint 0 to endpoint 3 (3 hops east), in at 1 ns. Unbounded
  // buffers: the second follows the first one cycle behind, 9 ns and 10 ns.
  const std::string two = probe("a", 3, 2, 16) + idle("b") + idle("c") + idle("d");
  const auto unbounded = run_net(small_mesh(two));
  EXPECT_EQ(unbounded.stat("test.noc_probe.latency", 3), (9 + 10) * 1000.0);
  // One-flit buffers: every buffer ahead holds the first packet until its tail has left and the
  // credit has come back over a link, so the second trails by a credit round trip: link, router,
  // flit, link back = 4 cycles (9 ns and 13 ns). Four-flit buffers cover the round trip.
  const auto one_flit = run_net(small_mesh(two, "", "buffer_flits = 1\n"));
  EXPECT_EQ(one_flit.stat("test.noc_probe.latency", 3), (9 + 13) * 1000.0);
  EXPECT_EQ(one_flit.stat("test.noc_probe.last_arrival", 3), 13000.0);
  EXPECT_GT(one_flit.stat("interconnect.mesh.credit_waits"), 0.0);
  const auto four_flits = run_net(small_mesh(two, "", "buffer_flits = 4\n"));
  EXPECT_EQ(four_flits.stat("test.noc_probe.latency", 3), (9 + 10) * 1000.0);
  EXPECT_EQ(four_flits.stat("interconnect.mesh.credit_waits"), 0.0);
}

TEST(Mesh, SourceQueuesLongerThanTheStateDeliverEveryPacket) {
  // 40 one-flit packets from endpoint 0 to itself at once, one-flit injection buffer: one packet
  // per injection credit round trip (flit + link back, 2 ns). The source queue keeps 8 packets in
  // the state and sends the rest round `hop` until there is room, without leaving a gap.
  const auto run =
      run_net(small_mesh(probe("a", 0, 40, 16) + idle("b") + idle("c") + idle("d"), "", "buffer_flits = 1\n"));
  EXPECT_EQ(run.result.status, "completed");
  EXPECT_EQ(run.stat("test.noc_probe.received", 0), 40.0);
  EXPECT_GT(run.stat("interconnect.mesh.parks"), 31.0);
  EXPECT_EQ(run.stat("test.noc_probe.last_arrival", 0), (1 + 2 * 39 + 1 + 1) * 1000.0);
  // every packet but the first waited for the injection buffer: 2, 4, ..., 78 ns
  EXPECT_EQ(run.stat("interconnect.mesh.injection_delay"), 2.0 * (39 * 40 / 2) * 1000.0);
}

TEST(Mesh, BufferedMisconfigurationIsReported) {
  const std::string base = small_mesh(idle("a") + idle("b") + idle("c") + idle("d"));
  const auto refused = [&](const std::string& extra, const char* words) {
    try {
      run_net(base + "[system.components.other]\ntype = \"interconnect.mesh\"\n" + extra);
      ADD_FAILURE() << "accepted " << extra;
    } catch (const archlab::ConfigError& e) {
      EXPECT_TRUE(contains(e.what(), words)) << e.what();
    }
  };
  refused("vcs = 2\n", "vcs > 1 needs buffer_flits > 0");
  refused("x = 16\ny = 16\nbuffer_flits = 8\nvcs = 2\n", "x * y * 5 * vcs * buffer_flits must be at most 8192");
  refused("x = 16\ny = 16\nbuffer_flits = 1\nvcs = 8\n", "x * y * 5 * vcs must be at most 4096");
  refused("buffer_flits = 65\n", "buffer_flits");
}

// With the router pipeline charged at every router the packet passes, the destination's too,
// every packet's latency is (H + 1) tr + H tl + F t_f plus the links in and out plus what it
// waited: exactly, summed over the run. Finite buffers, 3-cycle routers (as in cycle-level
// router models), 4-flit packets in 4-flit, two-VC buffers.
TEST(Mesh, BufferedZeroLoadLatencyFollowsTheFormula) {
  const auto run = run_net(traffic("", "rate = 0.002\npacket_flits = 4\nduration = \"40 us\"\n",
                                   "router_cycles = 3\neject_pipeline = true\nbuffer_flits = 4\nvcs = 2\n"));
  EXPECT_EQ(run.result.status, "completed");
  const double packets = run.sum("workload.noc_traffic.measured_received");
  ASSERT_EQ(packets, run.sum("workload.noc_traffic.measured_sent"));
  ASSERT_GT(packets, 1000.0);
  const double hops = run.sum("workload.noc_traffic.distance");
  EXPECT_EQ(hops, run.stat("interconnect.mesh.hops"));
  const double latency = run.sum("workload.noc_traffic.latency");
  const double waited = run.sum("workload.noc_traffic.source_delay") + run.stat("interconnect.mesh.queue_delay") +
                        run.stat("interconnect.mesh.injection_delay");
  const double router_ns = 3, link_ns = 1, flits = 4, flit_ns = 1, in_out_ns = 2;
  const double zero_load =
      (hops * (router_ns + link_ns) + packets * (router_ns + flits * flit_ns + in_out_ns)) * 1000.0;
  EXPECT_EQ(latency - waited, zero_load);
  EXPECT_LT(waited, 0.005 * latency);
  std::printf("zero load, 3-cycle routers, eject_pipeline, 4-flit 2-VC buffers: %.0f packets, %.3f hops, latency "
              "%.3f ns, formula %.3f ns\n",
              packets, hops / packets, latency / packets / 1000.0, zero_load / packets / 1000.0);
}

// The issue this mode exists for: with unbounded buffers the accepted throughput on the 8 x 8
// uniform case keeps rising past saturation (0.498 at 0.5 offered, 0.545 at 0.8), because packets
// whose paths avoid the saturated central links are never held back. With finite buffers and
// credits, a source whose head packet waits for a full buffer waits, so every source is held to
// what the network drains: the accepted throughput stays at or below its value at saturation,
// below the bisection bound.
TEST(Mesh, BufferedThroughputStaysFlatPastSaturation) {
  const std::string mesh = "buffer_flits = 4\nvcs = 2\n";
  const std::vector<double> rates = {0.02, 0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.8, 1.0};
  const auto curve =
      print_curve("8x8 mesh, uniform random, 1-flit packets, 4-flit buffers, 2 VCs", rates, "uniform", "", mesh);
  for (std::size_t i = 0; i < 6; ++i) { // up to 0.4: what is offered is carried
    EXPECT_NEAR(curve[i].accepted, curve[i].offered, 0.03 * curve[i].offered + 0.002) << "rate " << rates[i];
    EXPECT_EQ(curve[i].delivered, 1.0) << "rate " << rates[i];
    if (i > 0) EXPECT_GT(curve[i].latency_ns, curve[i - 1].latency_ns) << "rate " << rates[i];
  }
  double peak = 0;
  std::size_t saturation = 0;
  for (std::size_t i = 0; i < curve.size(); ++i) {
    EXPECT_LE(curve[i].accepted, 0.5) << "rate " << rates[i]; // the bisection bound, 4 / k
    if (curve[i].accepted > peak) {
      peak = curve[i].accepted;
      saturation = i;
    }
  }
  EXPECT_GT(peak, 0.4);
  EXPECT_LT(curve[saturation].delivered, 1.0); // the peak is past saturation's knee, not below it
  for (std::size_t i = saturation; i < curve.size(); ++i) {
    EXPECT_LE(curve[i].accepted, peak) << "rate " << rates[i];
    EXPECT_GT(curve[i].accepted, 0.9 * peak) << "rate " << rates[i]; // flat, not collapsing
  }
  const LoadPoint unbounded = load_point(0.8);
  EXPECT_GT(unbounded.accepted, peak + 0.05);
}

// Head-of-line blocking: a packet waiting for a full buffer holds up the packets behind it in its
// FIFO even when their outputs are free. The same 8 flits per input port as four 2-flit VCs
// instead of one 8-flit FIFO let packets pass a blocked head (Dally & Towles, "Virtual-Channel
// Flow Control"), and the network carries more.
TEST(Mesh, VirtualChannelsRaiseTheSaturationThroughput) {
  const LoadPoint one = load_point(0.6, "uniform", "", "buffer_flits = 8\nvcs = 1\n");
  const LoadPoint four = load_point(0.6, "uniform", "", "buffer_flits = 2\nvcs = 4\n");
  std::printf("uniform at 0.6 offered: 1 VC x 8 flits accepts %.3f, 4 VCs x 2 flits %.3f\n", one.accepted,
              four.accepted);
  EXPECT_GT(four.accepted, one.accepted + 0.05);
}

// Transpose with finite buffers. In row 7 the seven nodes west of the diagonal all send east into
// column 7 and then north, so one link carries all seven flows: together they get at most one
// flit per cycle, offered 1/7 each or more. Backpressure holds back only the flows that use the
// saturated links: the diagonal nodes, which send to themselves, keep their whole offered load.
// (The accepted throughput over all nodes keeps rising past 1/7, with unbounded buffers and
// finite ones alike: each node sends to one destination, and the flows that avoid the hot links
// are not slowed down.)
TEST(Mesh, BufferedTransposeHoldsTheHotLinksFlowsToItsBandwidth) {
  const std::string mesh = "buffer_flits = 4\nvcs = 2\n";
  const auto curve = print_curve("8x8 mesh, transpose, 1-flit packets, 4-flit buffers, 2 VCs",
                                 {0.05, 0.1, 0.13, 0.2, 0.3, 0.6, 1.0}, "transpose", "", mesh);
  EXPECT_EQ(curve[2].delivered, 1.0);
  EXPECT_NEAR(curve[2].accepted, curve[2].offered, 0.005);
  EXPECT_LT(curve[4].accepted, 0.8 * curve[4].offered);
  for (const double rate : {0.3, 1.0}) {
    char workload[256];
    std::snprintf(workload, sizeof workload,
                  "pattern = \"transpose\"\nrate = %.3f\nwarmup = \"1000 ns\"\nmeasure = \"5000 ns\"\n", rate);
    const auto run = run_net(traffic("stop_time = \"8000 ns\"\n", workload, mesh));
    double hot = 0, diagonal = 0;
    for (std::size_t row = 0; row < 7; ++row)
      hot += run.stat("workload.noc_traffic.window_flits", row * 8 + 7);
    for (std::size_t k = 0; k < 8; ++k)
      diagonal += run.stat("workload.noc_traffic.window_flits", k * 9);
    std::printf(
        "transpose at %.1f: the 7 flows through the hot link %.3f flits/cycle, the 8 diagonal nodes %.3f each\n", rate,
        hot / 5000, diagonal / 8 / 5000);
    // one flit per cycle through the hot link; after it the flows take 1 to 7 more hops, so a few
    // flits that crossed before the window may arrive in it
    EXPECT_LE(hot, 5000.0 + 7) << "rate " << rate;
    EXPECT_GT(hot / 5000, 0.95) << "rate " << rate;
    EXPECT_NEAR(diagonal / 8 / 5000, rate, 0.03) << "rate " << rate;
  }
}
