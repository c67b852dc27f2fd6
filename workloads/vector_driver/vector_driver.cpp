// workload.vector_driver: feeds `ops` vector operations of one class to vector units and counts
// the answers, closed loop like workload.gemm_driver: up to `outstanding` in flight, round-robin
// over the receivers of `out` (workloads/common/closed_loop.hpp).
#include <archlab/component.hpp>
#include <archlab/protocol.hpp>

#include "../common/closed_loop.hpp"

namespace {

using archlab::Tick;
namespace protocol = archlab::protocol;

struct VectorDriver : archlab::workloads::ClosedLoopDriver<VectorDriver> {
  static constexpr const char* kName = "workload.vector_driver";
  static constexpr std::uint16_t kCommand = protocol::kVectorOp;
  static constexpr std::uint16_t kAnswer = protocol::kVectorDone;

  struct Params {
    std::uint32_t op; // protocol::VectorOp, in its order
    std::uint64_t elements;
    std::uint64_t row_length;
    std::uint64_t ops;
    std::uint64_t outstanding;
  };

  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM_CHOICE(Params, op, "elementwise|reduction|softmax|layernorm|activation", "elementwise",
                           "operation class (protocol::VectorOp)"),
      ARCHLAB_PARAM(Params, elements, UInt, "4096", "elements per operation"),
      ARCHLAB_PARAM(Params, row_length, UInt, "0",
                    "elements per row (softmax, layer norm, per-row reductions); 0: one row"),
      ARCHLAB_PARAM(Params, ops, UInt, "1", "operations to send in all"),
      ARCHLAB_PARAM_RANGE(Params, outstanding, UInt, "1", "operations in flight at most", 1.0, 1e9),
  };
  static constexpr archlab::PortSpec ports[] = {
      {"in", archlab::PortDirection::In, "protocol::kVectorDone answers"},
      {"out", archlab::PortDirection::Out, "protocol::kVectorOp commands, round-robin over the link's receivers"},
  };
  static constexpr archlab::StatSpec stats[] = {
      {"sent", "ops", "operations sent"},
      {"done", "ops", "answers received"},
      {"cycles", "cycles", "cycles reported by the answers"},
      {"elements", "elements", "elements reported by the answers"},
      {"latency", "ps", "sum over answers of the time from sending the operation to receiving the answer"},
      {"completion_time", "ps", "time of the last answer"},
      {"rejected", "events", "events on `in` that were not kVectorDone"},
  };

  ARCHLAB_HD static std::uint64_t count(const Params& p) { return p.ops; }
  ARCHLAB_HD static archlab::Payload command(const Params& p, Tick now) {
    return archlab::Payload{{p.op, p.elements, p.row_length, now}};
  }
};

} // namespace

ARCHLAB_REGISTER_COMPONENT(VectorDriver, workload, "1.0.0",
                           "sends vector operations to vector units and counts their answers")
