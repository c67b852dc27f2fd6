// interconnect.mesh's unbounded model runs its hops without events (README.md, "Hops without
// events"). Here it runs beside test.mesh_eager (eager_mesh.cpp: the same model with one event per
// hop, as the mesh was before) on the same traffic, and everything must match: every statistic
// of every component (the mesh's by name), and every event every endpoint receives, in order,
// with its time, sender, port and kind. The traffic covers loads from idle to far past
// saturation (where the state fills and hops go as events again), bursts of deliveries at one
// instant (the continuation), router and link delays that make wake-ups come through `hop` or
// as self events, two meshes, and a run cut by stop_time. Then the events it saves.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "archlab/config.hpp"
#include "archlab/engine.hpp"
#include "archlab/protocol.hpp"
#include "archlab/system.hpp"
#include "net_run.hpp"

using namespace archlab::testing;

namespace {

const std::string kLazy = "interconnect.mesh";
const std::string kEager = "test.mesh_eager";

/// What an endpoint receives, without the sender's sequence number (the lazy mesh sends fewer
/// events, so its counter differs; the order among its events to one endpoint is what counts).
struct Arrival {
  archlab::Tick time;
  std::uint32_t src;
  std::uint16_t port;
  std::uint16_t kind;
  bool operator==(const Arrival&) const = default;
};

struct TracedRun {
  archlab::RunResult result;
  std::map<std::string, std::vector<double>> stats;       ///< the mesh type's statistics as "mesh.<name>"
  std::map<std::uint32_t, std::vector<Arrival>> arrivals; ///< by receiving component, not a mesh
  std::uint64_t mesh_events = 0;                          ///< events the meshes handled
  std::uint64_t packet_hops = 0;                          ///< of those, hop events carrying a packet (private kinds)
  std::uint64_t packets = 0;                              ///< delivered by the meshes
  std::uint64_t continuations = 0;                        ///< of the mesh events, continuations (self events of kind 0)
};

class Collect : public archlab::RunObserver {
public:
  std::vector<archlab::TraceRecord> records;
  void on_sample(archlab::StatSample) override {}
  void on_trace(std::vector<archlab::TraceRecord> batch) override {
    records.insert(records.end(), batch.begin(), batch.end());
  }
};

/// Runs `text` with every "@MESH@" replaced by `mesh_type`, traced.
TracedRun run_traced(std::string text, const std::string& mesh_type, const std::string& engine = "sequential") {
  for (std::size_t at = text.find("@MESH@"); at != std::string::npos; at = text.find("@MESH@"))
    text.replace(at, 6, mesh_type);
  const archlab::ExperimentSpec spec = archlab::load_experiment_text(text, "test.toml", ".", {}, test_registry());
  archlab::SystemInstance system(spec.system, spec.seed);
  archlab::EngineOptions options;
  options.stop_time = spec.stop_time;
  options.threads = 2;
  options.trace = true;
  Collect collect;
  TracedRun run;
  run.result = archlab::make_engine(engine)->run(system, options, &collect);
  for (auto& [name, values] : stats_by_name(system)) {
    if (name.rfind(mesh_type + ".", 0) == 0) {
      run.stats["mesh." + name.substr(mesh_type.size() + 1)] = values;
    } else {
      run.stats[name] = values;
    }
  }
  std::uint32_t first = 0, last = 0;
  for (const auto& type : system.types()) {
    if (type->name == mesh_type) {
      first = type->rt.base;
      last = type->rt.base + type->rt.count;
    }
  }
  for (const archlab::TraceRecord& r : collect.records) {
    if (r.target >= first && r.target < last) {
      ++run.mesh_events;
      if (r.port == 3 && r.kind >= archlab::protocol::kFirstPrivateKind) ++run.packet_hops; // hop_in
      if (r.port == archlab::kSelfPort && r.kind == 0) ++run.continuations;
    } else {
      run.arrivals[r.target].push_back({r.time, r.src, r.port, r.kind});
    }
  }
  for (const double packets : run.stats["mesh.packets"])
    run.packets += static_cast<std::uint64_t>(packets);
  return run;
}

/// Both meshes on `text`; every statistic (the eager mesh's names; `mesh_stats` = false: none of
/// the mesh's) and every arrival must match. Returns the lazy run.
TracedRun expect_same(const std::string& what, const std::string& text, bool mesh_stats = true) {
  const TracedRun eager = run_traced(text, kEager);
  TracedRun lazy = run_traced(text, kLazy);
  EXPECT_EQ(lazy.result.status, eager.result.status) << what;
  EXPECT_EQ(lazy.result.final_time, eager.result.final_time) << what;
  EXPECT_GT(eager.packets, 0u) << what;
  for (const auto& [name, values] : eager.stats) {
    if (!mesh_stats && name.rfind("mesh.", 0) == 0) continue;
    const auto found = lazy.stats.find(name);
    if (found == lazy.stats.end()) {
      ADD_FAILURE() << what << ": no statistic " << name;
      continue;
    }
    EXPECT_EQ(found->second, values) << what << ": statistic " << name;
  }
  EXPECT_EQ(lazy.arrivals.size(), eager.arrivals.size()) << what;
  for (const auto& [target, arrivals] : eager.arrivals) {
    const std::vector<Arrival>& mine = lazy.arrivals[target];
    EXPECT_EQ(mine.size(), arrivals.size()) << what << ": events at component " << target;
    for (std::size_t i = 0; i < arrivals.size() && i < mine.size(); ++i) {
      if (mine[i] == arrivals[i]) continue;
      ADD_FAILURE() << what << ": component " << target << "'s event " << i << ": lazy (" << mine[i].time << ", "
                    << mine[i].src << ", " << mine[i].port << ", " << mine[i].kind << "), eager (" << arrivals[i].time
                    << ", " << arrivals[i].src << ", " << arrivals[i].port << ", " << arrivals[i].kind << ")";
      break;
    }
  }
  std::printf("%-58s %7llu packets: mesh events per packet %.2f eager, %.2f lazy (%llu hop events)\n", what.c_str(),
              static_cast<unsigned long long>(lazy.packets),
              static_cast<double>(eager.mesh_events) / static_cast<double>(eager.packets),
              static_cast<double>(lazy.mesh_events) / static_cast<double>(lazy.packets),
              static_cast<unsigned long long>(lazy.packet_hops));
  std::fflush(stdout);
  return lazy;
}

/// workload.noc_traffic on a k x k mesh; `mesh`, `workload`: more of their parameters;
/// `in_out`, `hop`: link latencies.
std::string traffic(unsigned k, const std::string& workload, const std::string& mesh = "",
                    const std::string& in_out = "1 ns", const std::string& hop = "1 ns", const std::string& run = "") {
  const std::string side = std::to_string(k);
  return "engine = \"sequential\"\nseed = 3\n" + run + "[system.components.noc]\ntype = \"@MESH@\"\nx = " + side +
         "\ny = " + side + "\n" + mesh +
         "[workloads.node]\ntype = \"workload.noc_traffic\"\ncount = " + std::to_string(k * k) + "\nx = " + side +
         "\ny = " + side + "\n" + workload + link_entry("noc.hop", "noc.hop_in", hop) +
         link_entry("node[*].out", "noc.in", in_out) + link_entry("noc.out", "node[*].in", in_out);
}

std::string load(const char* pattern, double rate, unsigned flits, const char* duration = "1500 ns") {
  char text[256];
  std::snprintf(text, sizeof text, "pattern = \"%s\"\nrate = %.3f\npacket_flits = %u\nduration = \"%s\"\n", pattern,
                rate, flits, duration);
  return text;
}

} // namespace

TEST(MeshLazy, SameAsOneEventPerHopFromIdleToPastSaturation) {
  for (const char* pattern : {"uniform", "transpose", "hotspot"}) {
    for (const double rate : {0.02, 0.3, 0.55, 0.9}) {
      for (const unsigned flits : {1u, 3u}) {
        char what[96];
        std::snprintf(what, sizeof what, "8 x 8 %s %.2f, %u-flit packets", pattern, rate, flits);
        expect_same(what, traffic(8, load(pattern, rate, flits)));
      }
    }
  }
}

TEST(MeshLazy, SameWithOtherRouterAndLinkDelays) {
  const std::string uniform = load("uniform", 0.4, 2);
  expect_same("4 x 4, 0-cycle routers", traffic(4, uniform, "router_cycles = 0\n"));
  expect_same("4 x 4, 3-cycle routers, eject_pipeline",
              traffic(4, uniform, "router_cycles = 3\neject_pipeline = true\n"));
  // A hop link shorter than the links in and out, and one longer (the engines' lookahead is the
  // shortest link: wake-ups less than a hop link ahead are self events).
  expect_same("4 x 4, 0.25 ns hop link", traffic(4, uniform, "", "1 ns", "0.25 ns"));
  expect_same("4 x 4, 3 ns hop link, 0.5 ns in and out", traffic(4, uniform, "", "0.5 ns", "3 ns"));
  expect_same("4 x 4, 64 GB/s links at 1.5 GHz, 32 B header",
              traffic(4, uniform, "link_bandwidth = \"64 GB/s\"\nclock = \"1.5 GHz\"\nheader = \"32 B\"\n"));
  expect_same("5 x 3 endpoints on a 5 x 3 mesh, transpose",
              "engine = \"sequential\"\nseed = 5\n[system.components.noc]\ntype = \"@MESH@\"\nx = 5\ny = 3\n"
              "router_cycles = 2\n[workloads.node]\ntype = \"workload.noc_traffic\"\ncount = 15\nx = 5\ny = 3\n" +
                  load("uniform", 0.5, 4) + link_entry("noc.hop", "noc.hop_in", "0.7 ns") +
                  link_entry("node[*].out", "noc.in") + link_entry("noc.out", "node[*].in"));
}

TEST(MeshLazy, SameWithTwoMeshesAndEndpointsThatWrapAround) {
  // The mesh equivalence file's pair: a 4 x 4 mesh near saturation, a 3 x 3 mesh whose
  // endpoints are two arrays (the second wraps around the routers); ends by itself.
  const std::string text =
      "engine = \"sequential\"\nseed = 7\n"
      "[system.components.noc]\ntype = \"@MESH@\"\nx = 4\ny = 4\nrouter_cycles = 2\n"
      "[system.components.tri]\ntype = \"@MESH@\"\nx = 3\ny = 3\nflit_size = \"8 B\"\nlink_bandwidth = \"8 GB/s\"\n"
      "[workloads.node]\ntype = \"workload.noc_traffic\"\ncount = 16\nx = 4\ny = 4\nrate = 0.45\npacket_flits = 3\n"
      "duration = \"1200 ns\"\n"
      "[workloads.tile]\ntype = \"workload.noc_traffic\"\ncount = 9\nx = 3\ny = 3\npattern = \"transpose\"\n"
      "rate = 0.3\nflit_size = \"8 B\"\npacket_flits = 2\nduration = \"1200 ns\"\n"
      "[workloads.extra]\ntype = \"workload.noc_traffic\"\ncount = 3\nx = 12\ny = 1\nfirst_endpoint = 9\n"
      "pattern = \"hotspot\"\nhotspot = 0\nrate = 0.2\nflit_size = \"8 B\"\nduration = \"1200 ns\"\n" +
      link_entry("node[*].out", "noc.in") + link_entry("noc.out", "node[*].in") + link_entry("noc.hop", "noc.hop_in") +
      link_entry("tile[*].out", "tri.in") + link_entry("extra[*].out", "tri.in") + link_entry("tri.out", "tile[*].in") +
      link_entry("tri.out", "extra[*].in") + link_entry("tri.hop", "tri.hop_in", "0.75 ns");
  expect_same("two meshes", text);
}

TEST(MeshLazy, SameForBurstsOfDeliveriesAtOneInstant) {
  // Sixteen probes send 40 packets each at time 0, sixteen more 40 each 3 ns apart to one
  // endpoint: many packets queue for the same links and ejection ports, and many are delivered at
  // the same instant, more than one event may send (the continuation carries the rest).
  std::string text = "engine = \"sequential\"\n[system.components.noc]\ntype = \"@MESH@\"\nx = 4\ny = 4\n"
                     "router_cycles = 0\n[workloads.p]\ntype = \"test.noc_probe\"\ncount = 16\npackets = 40\n"
                     "stride = 1\nindex_stride = 5\nmodulo = 16\nbytes = 16\n"
                     "[workloads.q]\ntype = \"test.noc_probe\"\ncount = 16\npackets = 40\ninterval = \"3 ns\"\n"
                     "destination = 5\nbytes = 48\n" +
                     link_entry("noc.hop", "noc.hop_in", "2 ns") + link_entry("p[*].out", "noc.in", "0.5 ns") +
                     link_entry("q[*].out", "noc.in", "0.5 ns") + link_entry("noc.out", "p[*].in", "0.5 ns") +
                     link_entry("noc.out", "q[*].in", "0.5 ns");
  const TracedRun lazy = expect_same("4 x 4 bursts of 40 packets per endpoint", text);
  EXPECT_GT(lazy.continuations, 0u);
}

TEST(MeshLazy, SameWhenTheStateIsFullAndHopsGoAsEventsAgain) {
  // 16 x 16 at full load: the backlog inside the mesh passes the 6,144 packets whose hops the
  // state holds, and later packets move by hop events, interleaved with the others.
  const TracedRun lazy =
      expect_same("16 x 16 uniform 1.0, past the state", traffic(16, load("uniform", 1.0, 1, "120 ns")));
  EXPECT_GT(lazy.packet_hops, 10000u);
  EXPECT_LT(lazy.packet_hops, lazy.stats.at("mesh.hops").at(0));
}

TEST(MeshLazy, ARunCutByStopTimeDeliversTheSame) {
  // Cut while packets are in flight: every endpoint still receives the same, and so every
  // statistic but the mesh's own (which counts, at the cut, only the hops it has run: see README.md).
  expect_same("8 x 8 uniform 0.5 cut at 700 ns",
              traffic(8, load("uniform", 0.5, 2, "0 ns"), "", "1 ns", "1 ns", "stop_time = \"700 ns\"\n"), false);
}

TEST(MeshLazy, UncontendedPacketsCostTheirInjectionAndAShareOfOneWakeUp) {
  // 8 x 8 uniform at low load: 5.25 hops per packet on average; the eager mesh handles 1 + 5.25
  // events per packet, the lazy one its injection and at most one wake-up (fewer when packets
  // share one).
  const std::string text = traffic(8, load("uniform", 0.02, 1, "3000 ns"));
  const TracedRun eager = run_traced(text, kEager);
  const TracedRun lazy = run_traced(text, kLazy);
  const double eager_per_packet = static_cast<double>(eager.mesh_events) / static_cast<double>(eager.packets);
  const double lazy_per_packet = static_cast<double>(lazy.mesh_events) / static_cast<double>(lazy.packets);
  std::printf("8 x 8 uniform 0.02: %llu packets, mesh events per packet %.3f eager, %.3f lazy\n",
              static_cast<unsigned long long>(lazy.packets), eager_per_packet, lazy_per_packet);
  EXPECT_NEAR(eager_per_packet, 1.0 + 5.25, 0.3);
  EXPECT_LE(lazy_per_packet, 2.0);
  EXPECT_GT(lazy_per_packet, 1.0); // wake-ups are not free
  EXPECT_EQ(lazy.packet_hops, 0u);
}
