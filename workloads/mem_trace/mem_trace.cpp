// workload.mem_trace at run time: sends the records prepare() read, in file order, each at its
// time or as soon after it as `outstanding` allows; every answer gives its round-trip latency
// (the tag of a request is its send time).
#include "mem_trace.hpp"

namespace archlab::mem_trace {
namespace {

using Self = MemTrace;

ARCHLAB_HD void issue(MemTrace::State& s, const MemTrace::Params& p, const TraceRecord& r, Context& ctx) {
  const std::uint32_t receivers = ctx.fanout(Self::kOut);
  const std::uint32_t target = p.target_interleave == 0 || receivers <= 1 || p.via_interconnect
                                   ? 0
                                   : static_cast<std::uint32_t>((r.address / p.target_interleave) % receivers);
  ++s.next;
  ++s.in_flight;
  ctx.stat_add(Self::kRequests, 1.0);
  ctx.stat_add(r.write != 0 ? Self::kWrites : Self::kReads, 1.0);
  ctx.stat_add(Self::kHeldTime, static_cast<double>(ctx.now() - r.time));
  ctx.send(Self::kOut, 0, r.write != 0 ? protocol::kMemWrite : protocol::kMemRead,
           Payload{{r.address, r.bytes, 0, ctx.now()}}, target,
           p.via_interconnect ? static_cast<std::uint32_t>(p.route) : 0);
}

/// Send the records that are due while there is room, at most kIssuesPerEvent; then make sure an
/// event comes when the next one can go (its time, or now when the budget ran out first). With
/// `outstanding` in flight, the next answer comes first.
ARCHLAB_HD void pump(MemTrace::State& s, const MemTrace::Params& p, Context& ctx) {
  const TraceRecord* records = ctx.data<TraceRecord>(p.records);
  const Tick now = ctx.now();
  std::uint32_t sent = 0;
  while (s.next < p.count && s.in_flight < p.outstanding && records[s.next].time <= now &&
         sent < MemTrace::kIssuesPerEvent) {
    issue(s, p, records[s.next], ctx);
    ++sent;
  }
  if (s.next >= p.count || s.in_flight >= p.outstanding) return;
  const Tick due = records[s.next].time > now ? records[s.next].time : now;
  if (s.tick_at != kTickMax && s.tick_at <= due) return; // one is coming in time
  s.tick_at = due;
  ctx.schedule_self(due - now, MemTrace::kTick, Payload{});
}

} // namespace

ARCHLAB_HD void MemTrace::init(State& s, const Params& p, Context& ctx) {
  s = State{};
  s.tick_at = kTickMax;
  if (p.count == 0) return;
  s.tick_at = ctx.data<TraceRecord>(p.records)[0].time;
  ctx.schedule_self(s.tick_at, kTick, Payload{});
}

ARCHLAB_HD void MemTrace::handle(State& s, const Params& p, const Event& e, Context& ctx) {
  const Tick now = ctx.now();
  if (e.port == kSelfPort) {
    if (s.tick_at == now) s.tick_at = kTickMax;
    pump(s, p, ctx);
    return;
  }
  if (e.kind != protocol::kMemReadDone && e.kind != protocol::kMemWriteDone) {
    ctx.stat_add(kRejected, 1.0);
    return;
  }
  const bool read = e.kind == protocol::kMemReadDone;
  const double latency = static_cast<double>(now - e.payload.w[3]);
  ctx.stat_add(kCompleted, 1.0);
  ctx.stat_add(read ? kReadsCompleted : kWritesCompleted, 1.0);
  ctx.stat_add(kLatency, latency);
  ctx.stat_add(read ? kReadLatency : kWriteLatency, latency);
  histogram_add<MemTrace, kLatencyHistogram>(ctx, latency);
  ctx.stat_add(kBytes, static_cast<double>(e.payload.w[1]));
  ctx.stat_add(kCompletionTime, static_cast<double>(now - s.last_done)); // the sum is the last time
  s.last_done = now;
  if (s.in_flight > 0) --s.in_flight;
  pump(s, p, ctx);
}

} // namespace archlab::mem_trace

ARCHLAB_REGISTER_COMPONENT(archlab::mem_trace::MemTrace, workload, "1.0.0",
                           "replays a memory trace file (time, R/W, address, size) with at most `outstanding` "
                           "requests in flight")
