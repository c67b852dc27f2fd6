// Writes a run forever so that tests/output/test_crash.py can SIGKILL it mid-write.
//
// Usage: kill_writer FILE. Sample n (from 0) has time 1000 * (n + 1) and every statistic equal
// to n. After 30 samples it prints "ready"; from then on the killer may strike at any moment.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <thread>
#include <utility>

#include "archlab/output.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FILE\n", argv[0]);
    return 2;
  }
  using namespace archlab;
  try {
    OutputLayout layout;
    layout.metadata = {"kill_writer", "sequential", 1, "", "", ""};
    layout.components = {{0, "lp", 0, "workload.phold", 0}, {1, "lp", 1, "workload.phold", 0},
                         {2, "lp", 2, "workload.phold", 0}, {3, "lp", 3, "workload.phold", 0},
                         {4, "mem", 0, "memory.sram", 0},   {5, "mem", 1, "memory.sram", 0}};
    layout.stat_groups = {{"workload.phold", {"sent", "received"}, {"events", "events"}, 0, 4},
                          {"memory.sram", {"reads"}, {"accesses"}, 4, 2}};
    layout.trace = true;
    auto writer = RunWriter::create(argv[1], layout, OutputOptions{0.05});
    for (std::uint64_t n = 0;; ++n) {
      StatSample sample{1000 * (n + 1), {}, n, 0};
      for (const StatGroup& group : layout.stat_groups) {
        sample.values.emplace_back(group.instances * group.stat_names.size(), static_cast<double>(n));
      }
      writer->add_sample(std::move(sample));
      writer->add_trace({{1000 * (n + 1), n, 0, 1, 0, 0}});
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (n + 1 == 30) {
        std::puts("ready");
        std::fflush(stdout);
      }
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "kill_writer: %s\n", error.what());
    return 1;
  }
}
