// compute.systolic: a rows x cols array of multiply-accumulate PEs that runs GEMM tiles
// C[M x N] += A[M x K] * B[K x N] in output-, weight- or input-stationary dataflow.
//
// Tiles arrive as protocol::kGemmTile on `cmd` and run one at a time, first come first served;
// when a tile is done the array answers protocol::kGemmDone on `done`, to the receiver of the
// `done` link that sent the tile. A tile's compute cycles are SCALE-Sim's for the same array
// and dataflow with no memory stalls; with `double_buffer` (ws, is) the folds are pipelined and
// a tile takes fewer (README.md derives both formulas; the validation against SCALE-Sim is
// benchmarks/validation/systolic_vs_scalesim.py). The closed forms live in systolic_model.hpp,
// shared with the analytical estimate.
#include <archlab/component.hpp>
#include <archlab/protocol.hpp>

#include "systolic_model.hpp"

namespace {

using archlab::Tick;
namespace protocol = archlab::protocol;

using archlab::systolic::cycles_to_ticks;
using archlab::systolic::mac_energy;

struct Systolic {
  static constexpr const char* kName = "compute.systolic";
  static constexpr std::uint32_t kMaxSendsPerEvent = 1;

  using Params = archlab::systolic::Params;
  struct State {
    Tick busy_until; ///< when the last accepted tile finishes
  };

  enum Port : archlab::PortId { kCmd, kDone };
  enum Stat : std::uint32_t { kTiles, kMacs, kCycles, kBusyTime, kQueueDelay, kEnergy, kArea, kRejected };
  /// A tile finishing: w[0] cycles, w[1] MACs, w[2] requester's index on `done`, w[3] tag.
  static constexpr std::uint16_t kTileFinished = protocol::kFirstPrivateKind;

  static constexpr double kMaxDimension = 1 << 20;
  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM_RANGE(Params, rows, UInt, "32", "PE rows (the reduction side in ws and is)", 1.0, kMaxDimension),
      ARCHLAB_PARAM_RANGE(Params, cols, UInt, "32", "PE columns", 1.0, kMaxDimension),
      ARCHLAB_PARAM_CHOICE(Params, dataflow, "os|ws|is", "os",
                           "what stays in the PEs: outputs (os), weights (ws) or inputs (is)"),
      ARCHLAB_PARAM_RANGE(Params, clock, Frequency, "1 GHz", "PE clock", 1e3, 1e13),
      ARCHLAB_PARAM_RANGE(Params, mac_energy_pj, Float, "0.23",
                          "energy of one MAC in pJ; default: 8-bit integer multiply 0.2 pJ + add 0.03 pJ at "
                          "45 nm (Horowitz, ISSCC 2014); 16-bit float would be 1.5 pJ, 32-bit float 4.6 pJ",
                          0.0, 1e6),
      ARCHLAB_PARAM_RANGE(Params, pe_area_mm2, Float, "0.000318",
                          "area of one PE in mm^2; default: 8-bit multiplier 282 um^2 + adder 36 um^2 at 45 nm "
                          "(Horowitz, ISSCC 2014), registers and wiring not included",
                          0.0, 1e6),
      ARCHLAB_PARAM(Params, double_buffer, Bool, "false",
                    "ws and is: a second stationary register per PE, so the next fold's stationary data "
                    "shifts in while the current fold streams and folds overlap (README.md); false: "
                    "SCALE-Sim's folds back to back; os is unaffected; the register's area is not charged"),
  };
  static constexpr archlab::PortSpec ports[] = {
      {"cmd", archlab::PortDirection::In, "protocol::kGemmTile commands (M, N, K, tag)"},
      {"done", archlab::PortDirection::Out,
       "protocol::kGemmDone replies (cycles, MACs, tag), to the sender: link it back to the requesters, "
       "for example to = \"ctrl[*].in\""},
  };
  static constexpr archlab::StatSpec stats[] = {
      {"tiles", "tiles", "tiles finished"},
      {"macs", "MACs", "multiply-accumulates of the tiles finished (M * N * K each)"},
      {"cycles", "cycles", "compute cycles of the tiles finished"},
      {"busy_time", "ps", "time spent computing the tiles finished"},
      {"queue_delay", "ps", "time tiles waited behind earlier tiles; counted when a tile arrives"},
      {"energy", "pJ", "MAC energy of the tiles finished (macs * mac_energy_pj)"},
      {"area", "mm^2", "PE array area (rows * cols * pe_area_mm2)"},
      {"rejected", "events", "events on `cmd` that were not kGemmTile; dropped without a reply"},
  };

  ARCHLAB_HD static void init(State& s, const Params& p, archlab::Context& ctx) {
    s.busy_until = 0;
    ctx.stat_add(kArea, archlab::systolic::array_area(p));
  }

  ARCHLAB_HD static void handle(State& s, const Params& p, const archlab::Event& e, archlab::Context& ctx) {
    if (e.port == archlab::kSelfPort) {
      finish(p, e.payload, ctx);
    } else if (e.kind == protocol::kGemmTile) {
      accept(s, p, e, ctx);
    } else {
      ctx.stat_add(kRejected, 1.0);
    }
  }

  // The tile starts when the array is free; its end time is known at once, so the queue needs
  // no storage: a self event at the end time sends the reply.
  ARCHLAB_HD static void accept(State& s, const Params& p, const archlab::Event& e, archlab::Context& ctx) {
    const std::uint64_t m = e.payload.w[0];
    const std::uint64_t n = e.payload.w[1];
    const std::uint64_t k = e.payload.w[2];
    const std::uint64_t cycles = archlab::systolic::tile_cycles(p, m, n, k);
    const Tick now = ctx.now();
    const Tick start = s.busy_until > now ? s.busy_until : now;
    s.busy_until = start + cycles_to_ticks(cycles, p.clock);
    ctx.stat_add(kQueueDelay, static_cast<double>(start - now));
    // kNoIndex when the sender is not a receiver of `done`: the reply's send then stops the run
    // with a message naming this component and the port.
    const std::uint32_t requester = ctx.index_of(kDone, e.src);
    ctx.schedule_self(s.busy_until - now, kTileFinished,
                      archlab::Payload{{cycles, m * n * k, requester, e.payload.w[3]}});
  }

  ARCHLAB_HD static void finish(const Params& p, const archlab::Payload& tile, archlab::Context& ctx) {
    const std::uint64_t cycles = tile.w[0];
    const std::uint64_t macs = tile.w[1];
    ctx.stat_add(kTiles, 1.0);
    ctx.stat_add(kMacs, static_cast<double>(macs));
    ctx.stat_add(kCycles, static_cast<double>(cycles));
    ctx.stat_add(kBusyTime, static_cast<double>(cycles_to_ticks(cycles, p.clock)));
    ctx.stat_add(kEnergy, mac_energy(p, macs));
    ctx.send(kDone, 0, protocol::kGemmDone,
             archlab::Payload{{cycles, macs, protocol::unit_report(p.rows * p.cols, mac_energy(p, macs)), tile.w[3]}},
             static_cast<std::uint32_t>(tile.w[2]));
  }
};

} // namespace

ARCHLAB_REGISTER_COMPONENT(Systolic, compute, "1.0.0",
                           "R x C systolic array (os/ws/is) running GEMM tiles with SCALE-Sim's compute cycles")
