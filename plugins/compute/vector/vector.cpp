// compute.vector: a SIMD vector unit of `lanes` lanes running element-wise operations,
// reductions, softmax, layer norm and activations.
//
// Operations arrive as protocol::kVectorOp on `cmd` and run one at a time, first come first
// served; when one is done the unit answers protocol::kVectorDone on `done`, to the receiver of
// the `done` link that sent it. Timing (README.md says why):
//
//   cycles = vectors * passes(op class) + pipeline_latency
//   vectors = ceil(elements / lanes)                            without a row length
//           = full_rows * ceil(row / lanes) + ceil(rest / lanes) with rows of `row` elements
//
// A row never shares a vector with the next one: softmax and layer norm normalise each row on
// its own, so a row shorter than the lanes leaves lanes idle. The closed forms live in
// vector_model.hpp, shared with the analytical estimate.
#include <archlab/component.hpp>
#include <archlab/protocol.hpp>

#include "vector_model.hpp"

namespace {

using archlab::Tick;
namespace protocol = archlab::protocol;

namespace model = archlab::vector_unit;
using model::cycles_to_ticks;
using model::kOpClasses;

struct Vector {
  static constexpr const char* kName = "compute.vector";
  static constexpr std::uint32_t kMaxSendsPerEvent = 1;

  using Params = model::Params;
  struct State {
    Tick busy_until; ///< when the last accepted operation finishes
  };

  enum Port : archlab::PortId { kCmd, kDone };
  enum Stat : std::uint32_t { kOps, kElements, kLaneOps, kCycles, kBusyTime, kQueueDelay, kEnergy, kArea, kRejected };
  /// An operation finishing: w[0] cycles, w[1] elements, w[2] passes << 32 | requester's index on
  /// `done`, w[3] tag.
  static constexpr std::uint16_t kOpFinished = protocol::kFirstPrivateKind;

  static constexpr double kMaxPasses = 1e6; // fits the 32 bits the finishing event carries it in
  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM_RANGE(Params, lanes, UInt, "128", "SIMD lanes: elements handled per cycle and pass", 1.0, 1 << 24),
      ARCHLAB_PARAM_RANGE(Params, clock, Frequency, "1 GHz", "vector unit clock", 1e3, 1e13),
      ARCHLAB_PARAM_RANGE(Params, pipeline_latency, UInt, "8",
                          "pipeline depth in cycles, added once per operation; for reductions it should cover "
                          "the cross-lane adder tree too (log2(lanes) stages: 7 for 128 lanes)",
                          0.0, 1e9),
      ARCHLAB_PARAM_RANGE(Params, elementwise_passes, UInt, "1", "passes of an element-wise op (add, multiply, scale)",
                          1.0, kMaxPasses),
      ARCHLAB_PARAM_RANGE(Params, reduction_passes, UInt, "1", "passes of a reduction (sum, max) per row", 1.0,
                          kMaxPasses),
      ARCHLAB_PARAM_RANGE(Params, softmax_passes, UInt, "3",
                          "passes of a softmax: max, exp and sum, normalise (the safe three-pass softmax; "
                          "Milakov & Gimelshein 2018 fuse the first two, giving 2)",
                          1.0, kMaxPasses),
      ARCHLAB_PARAM_RANGE(Params, layernorm_passes, UInt, "2",
                          "passes of a layer norm: mean and variance together (sum and sum of squares), "
                          "then normalise, scale and shift",
                          1.0, kMaxPasses),
      ARCHLAB_PARAM_RANGE(Params, activation_passes, UInt, "1",
                          "passes of an activation (ReLU, or GELU through a table or piecewise polynomial)", 1.0,
                          kMaxPasses),
      ARCHLAB_PARAM_RANGE(Params, lane_op_energy_pj, Float, "1.5",
                          "energy of one lane doing one pass over one element, in pJ; default: 16-bit float "
                          "multiply 1.1 pJ + add 0.4 pJ at 45 nm (Horowitz, ISSCC 2014)",
                          0.0, 1e6),
      ARCHLAB_PARAM_RANGE(Params, lane_area_mm2, Float, "0.003",
                          "area of one lane in mm^2; default: 16-bit float multiplier 1640 um^2 + adder 1360 um^2 "
                          "at 45 nm (Horowitz, ISSCC 2014), registers and wiring not included",
                          0.0, 1e6),
  };
  static constexpr archlab::PortSpec ports[] = {
      {"cmd", archlab::PortDirection::In, "protocol::kVectorOp commands (op class, elements, row length, tag)"},
      {"done", archlab::PortDirection::Out,
       "protocol::kVectorDone replies (cycles, elements, tag), to the sender: link it back to the requesters"},
  };
  static constexpr archlab::StatSpec stats[] = {
      {"ops", "ops", "operations finished"},
      {"elements", "elements", "elements of the operations finished"},
      {"lane_ops", "lane-ops", "elements * passes of the operations finished (lanes left idle not counted)"},
      {"cycles", "cycles", "cycles of the operations finished, pipeline latency included"},
      {"busy_time", "ps", "time spent on the operations finished"},
      {"queue_delay", "ps", "time operations waited behind earlier ones; counted when an operation arrives"},
      {"energy", "pJ", "lane_ops * lane_op_energy_pj"},
      {"area", "mm^2", "lanes * lane_area_mm2"},
      {"rejected", "events", "events on `cmd` that were not kVectorOp of a known class; dropped without a reply"},
  };

  ARCHLAB_HD static void init(State& s, const Params& p, archlab::Context& ctx) {
    s.busy_until = 0;
    ctx.stat_add(kArea, model::unit_area(p));
  }

  ARCHLAB_HD static void handle(State& s, const Params& p, const archlab::Event& e, archlab::Context& ctx) {
    if (e.port == archlab::kSelfPort) {
      finish(p, e.payload, ctx);
    } else if (e.kind == protocol::kVectorOp && e.payload.w[0] < kOpClasses) {
      accept(s, p, e, ctx);
    } else {
      ctx.stat_add(kRejected, 1.0);
    }
  }

  // As in compute.systolic: the end time is known on arrival, so a self event at that time
  // replies and no queue is stored.
  ARCHLAB_HD static void accept(State& s, const Params& p, const archlab::Event& e, archlab::Context& ctx) {
    const std::uint64_t elements = e.payload.w[1];
    const std::uint64_t pass_count = model::passes(p, e.payload.w[0]);
    const std::uint64_t cycles = model::op_cycles(p, pass_count, elements, e.payload.w[2]);
    const Tick now = ctx.now();
    const Tick start = s.busy_until > now ? s.busy_until : now;
    s.busy_until = start + cycles_to_ticks(cycles, p.clock);
    ctx.stat_add(kQueueDelay, static_cast<double>(start - now));
    const std::uint64_t requester = ctx.index_of(kDone, e.src); // kNoIndex: the reply stops the run
    ctx.schedule_self(s.busy_until - now, kOpFinished,
                      archlab::Payload{{cycles, elements, (pass_count << 32) | requester, e.payload.w[3]}});
  }

  ARCHLAB_HD static void finish(const Params& p, const archlab::Payload& op, archlab::Context& ctx) {
    const std::uint64_t cycles = op.w[0];
    const std::uint64_t elements = op.w[1];
    const std::uint64_t lane_ops = elements * (op.w[2] >> 32);
    ctx.stat_add(kOps, 1.0);
    ctx.stat_add(kElements, static_cast<double>(elements));
    ctx.stat_add(kLaneOps, static_cast<double>(lane_ops));
    ctx.stat_add(kEnergy, model::lane_energy(p, lane_ops));
    ctx.stat_add(kCycles, static_cast<double>(cycles));
    ctx.stat_add(kBusyTime, static_cast<double>(cycles_to_ticks(cycles, p.clock)));
    ctx.send(
        kDone, 0, protocol::kVectorDone,
        archlab::Payload{{cycles, elements, protocol::unit_report(p.lanes, model::lane_energy(p, lane_ops)), op.w[3]}},
        static_cast<std::uint32_t>(op.w[2] & 0xffffffffu));
  }
};

} // namespace

ARCHLAB_REGISTER_COMPONENT(Vector, compute, "1.0.0",
                           "SIMD vector unit: element-wise, reduction, softmax, layer norm, activation")
