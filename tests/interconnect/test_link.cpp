// interconnect.link through the real loader and the sequential engine, driven by test.noc_probe.
// Probes a and b are endpoints 0 and 1; every archlab link is 1 ns. The link: 10 ns latency,
// 1 GB/s (a byte per ns), 8-byte headers.
#include <gtest/gtest.h>

#include "archlab/errors.hpp"
#include "archlab/protocol.hpp"
#include "net_run.hpp"

using namespace archlab::testing;

namespace {

std::string wire(const std::string& extra = "") {
  return "engine = \"sequential\"\n[system.components.wire]\ntype = \"interconnect.link\"\nlatency = \"10 ns\"\n"
         "bandwidth = \"1 GB/s\"\n" +
         extra;
}

std::string two_probes(const std::string& a, const std::string& b, const std::string& wire_extra = "") {
  return wire(wire_extra) + a + b + link_entry("a.out", "wire.in") + link_entry("b.out", "wire.in") +
         link_entry("wire.out", "a.in") + link_entry("wire.out", "b.in");
}

} // namespace

TEST(Link, ZeroLoadLatencyIsSerializationPlusLatency) {
  const auto run = run_net(two_probes(probe("a", 1, 1, 64), probe("b", 0, 0)));
  EXPECT_EQ(run.result.status, "completed");
  // 1 ns in + 64 ns serialization + 10 ns + 1 ns out
  EXPECT_EQ(run.stat("test.noc_probe.latency", 1), 76000.0);
  EXPECT_EQ(run.stat("test.noc_probe.received", 0), 0.0);
  EXPECT_EQ(run.stat("interconnect.link.packets"), 1.0);
  EXPECT_EQ(run.stat("interconnect.link.bytes"), 64.0);
  EXPECT_EQ(run.stat("interconnect.link.busy_time"), 64000.0);
  EXPECT_EQ(run.stat("interconnect.link.queue_delay"), 0.0);
  EXPECT_DOUBLE_EQ(run.stat("interconnect.link.energy"), 64 * 8 * 0.04);
}

TEST(Link, DeliveredRouteIsTheSourceEndpoint) {
  const auto run = run_net(two_probes(probe("a", 1, 1, 32), probe("b", 0, 0, 32, "echo = true\n")));
  EXPECT_EQ(arrival_order(run.stat("test.noc_probe.order", 1)), (std::vector<int>{0})); // b hears from a
  EXPECT_EQ(arrival_order(run.stat("test.noc_probe.order", 0)), (std::vector<int>{1})); // a hears b's answer
  EXPECT_EQ(run.stat("test.noc_probe.latency", 0), 44000.0);                            // 1 + 32 + 10 + 1
}

TEST(Link, ProtocolKindsCarryTheirDataOrAHeader) {
  const auto bytes_of = [](unsigned kind) {
    const auto run =
        run_net(two_probes(probe("a", 1, 1, 100, "kind = " + std::to_string(kind) + "\n"), probe("b", 0, 0)));
    return run.stat("interconnect.link.bytes");
  };
  EXPECT_EQ(bytes_of(archlab::protocol::kMemWrite), 108.0);    // header + data
  EXPECT_EQ(bytes_of(archlab::protocol::kMemReadDone), 108.0); // header + data
  EXPECT_EQ(bytes_of(archlab::protocol::kMemRead), 8.0);       // a request: header only
  EXPECT_EQ(bytes_of(archlab::protocol::kMemWriteDone), 8.0);
  EXPECT_EQ(bytes_of(archlab::protocol::kGemmTile), 8.0);
  const auto run = run_net(two_probes(probe("a", 1, 1, 100, "kind = 5\n"), probe("b", 0, 0), "header = \"16 B\"\n"));
  EXPECT_EQ(run.stat("interconnect.link.bytes"), 16.0);
}

TEST(Link, PacketsQueueBehindABusyChannel) {
  const auto run = run_net(two_probes(probe("a", 1, 4, 64), probe("b", 0, 0)));
  // arrivals 76, 140, 204, 268 ns
  EXPECT_EQ(run.stat("test.noc_probe.received", 1), 4.0);
  EXPECT_EQ(run.stat("test.noc_probe.last_arrival", 1), 268000.0);
  EXPECT_EQ(run.stat("test.noc_probe.latency", 1), (76 + 140 + 204 + 268) * 1000.0);
  EXPECT_EQ(run.stat("interconnect.link.queue_delay"), 64000.0 * (0 + 1 + 2 + 3));
  EXPECT_EQ(run.stat("interconnect.link.busy_time"), 4 * 64000.0);
}

TEST(Link, FullDuplexDirectionsDoNotShareAChannelHalfDuplexDoes) {
  const std::string a = probe("a", 1, 4, 64), b = probe("b", 0, 4, 64);
  const auto full = run_net(two_probes(a, b));
  EXPECT_EQ(full.stat("test.noc_probe.last_arrival", 0), 268000.0);
  EXPECT_EQ(full.stat("test.noc_probe.last_arrival", 1), 268000.0);
  const auto half = run_net(two_probes(a, b, "duplex = \"half\"\n"));
  // eight packets one after the other on one channel: the last leaves at 1 + 8 * 64 ns
  EXPECT_EQ(std::max(half.stat("test.noc_probe.last_arrival", 0), half.stat("test.noc_probe.last_arrival", 1)),
            (1 + 8 * 64 + 10 + 1) * 1000.0);
  EXPECT_EQ(half.stat("interconnect.link.queue_delay"), 64000.0 * (0 + 1 + 2 + 3 + 4 + 5 + 6 + 7));
}

TEST(Link, SendersThatReceiveNothingAreNumberedBySources) {
  // c only sends: it is endpoint 0 of `sources`; b, the only receiver, is endpoint 0 of `out`
  const std::string text = wire() + probe("b", 0, 0) + probe("c", 0, 2, 16) + link_entry("c.out", "wire.in") +
                           link_entry("wire.out", "b.in") + link_entry("wire.sources", "c.in");
  const auto run = run_net(text);
  EXPECT_EQ(run.stat("test.noc_probe.received", 0), 2.0);
  EXPECT_EQ(arrival_order(run.stat("test.noc_probe.order", 0)), (std::vector<int>{0, 0}));
}

TEST(Link, AnUnknownSenderOrDestinationStopsTheRun) {
  const std::string unknown =
      wire() + probe("b", 0, 0) + probe("c", 0, 1) + link_entry("c.out", "wire.in") + link_entry("wire.out", "b.in");
  try {
    run_net(unknown);
    FAIL() << "expected a RunError";
  } catch (const archlab::RunError& e) {
    EXPECT_TRUE(contains(e.what(), "sources")) << e.what();
  }
  try {
    run_net(two_probes(probe("a", 5, 1), probe("b", 0, 0)));
    FAIL() << "expected a RunError";
  } catch (const archlab::RunError& e) {
    EXPECT_TRUE(contains(e.what(), "'out'")) << e.what();
  }
}

TEST(Link, BadParametersAreConfigurationErrors) {
  EXPECT_THROW(run_net(two_probes(probe("a", 1, 1), probe("b", 0, 0), "duplex = \"simplex\"\n")), archlab::ConfigError);
  EXPECT_THROW(run_net(two_probes(probe("a", 1, 1), probe("b", 0, 0), "header = \"0 B\"\n")), archlab::ConfigError);
}
