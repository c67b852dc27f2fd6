// workload.gemm_driver: feeds `tiles` GEMM tiles of M x N x K to compute units and counts the
// answers, closed loop: up to `outstanding` in flight, round-robin over the receivers of `out`
// (workloads/common/closed_loop.hpp).
#include <archlab/component.hpp>
#include <archlab/protocol.hpp>

#include "../common/closed_loop.hpp"

namespace {

using archlab::Tick;
namespace protocol = archlab::protocol;

struct GemmDriver : archlab::workloads::ClosedLoopDriver<GemmDriver> {
  static constexpr const char* kName = "workload.gemm_driver";
  static constexpr std::uint16_t kCommand = protocol::kGemmTile;
  static constexpr std::uint16_t kAnswer = protocol::kGemmDone;

  struct Params {
    std::uint64_t m;
    std::uint64_t n;
    std::uint64_t k;
    std::uint64_t tiles;
    std::uint64_t outstanding;
  };

  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM_RANGE(Params, m, UInt, "64", "rows of A and C", 1.0, 1e12),
      ARCHLAB_PARAM_RANGE(Params, n, UInt, "64", "columns of B and C", 1.0, 1e12),
      ARCHLAB_PARAM_RANGE(Params, k, UInt, "64", "columns of A, rows of B (the reduction)", 1.0, 1e12),
      ARCHLAB_PARAM(Params, tiles, UInt, "1", "tiles to send in all"),
      ARCHLAB_PARAM_RANGE(Params, outstanding, UInt, "1", "tiles in flight at most", 1.0, 1e9),
  };
  static constexpr archlab::PortSpec ports[] = {
      {"in", archlab::PortDirection::In, "protocol::kGemmDone answers"},
      {"out", archlab::PortDirection::Out, "protocol::kGemmTile commands, round-robin over the link's receivers"},
  };
  static constexpr archlab::StatSpec stats[] = {
      {"sent", "tiles", "tiles sent"},
      {"done", "tiles", "answers received"},
      {"cycles", "cycles", "compute cycles reported by the answers"},
      {"macs", "MACs", "MACs reported by the answers"},
      {"latency", "ps", "sum over answers of the time from sending the tile to receiving the answer"},
      {"completion_time", "ps", "time of the last answer"},
      {"rejected", "events", "events on `in` that were not kGemmDone"},
  };

  ARCHLAB_HD static std::uint64_t count(const Params& p) { return p.tiles; }
  ARCHLAB_HD static archlab::Payload command(const Params& p, Tick now) {
    return archlab::Payload{{p.m, p.n, p.k, now}};
  }
};

} // namespace

ARCHLAB_REGISTER_COMPONENT(GemmDriver, workload, "1.0.0",
                           "sends GEMM tiles (M x N x K) to compute units and counts their answers")
