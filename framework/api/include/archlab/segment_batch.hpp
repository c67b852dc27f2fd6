// The plugin side of the GPU engine's windows (included by component.hpp).
//
// A window's events of one component type arrive sorted by (target, time, src, seq) and cut
// into segments, one per target. One GPU thread handles one segment from start to end: the
// target's events in order, merged with the events the target schedules for itself inside the
// window (kept in a small local heap), exactly the order the CPU engines follow. Everything
// else a handler sends lands at or after the window end; it is appended to `out` (with
// warp-aggregated atomics on the device), together with the segment's events at or after the
// window end, which go back to the pending set untouched.
//
// The same per-segment code also runs on the host (segment_batch_host), which is how the GPU
// algorithm is tested on machines without a GPU.
#pragma once

#include <atomic>
#include <cstdint>

#if defined(__CUDACC__)
#include <cooperative_groups.h>
#endif

namespace archlab {

/// Why a segment stopped early (beyond HandlerError): the first failure of a window wins.
enum class SegmentError : std::uint32_t {
  None = 0,
  Handler = 1,       ///< a handler failed; handler_error says how
  SelfOverflow = 2,  ///< more same-window self events pending at once than kSegmentSelfEvents
  OutOverflow = 3,   ///< `out` was too small (the engine sizes it; this is a bug)
  TraceOverflow = 4,
};

struct SegmentStatus {
  std::uint32_t error;          ///< SegmentError
  std::uint32_t handler_error;  ///< HandlerError
  ComponentId component;
  std::uint32_t port;
};

/// At most this many events a target scheduled for itself may wait inside one window.
inline constexpr std::uint32_t kSegmentSelfEvents = 16;

/// What a trace records of a handled event (the same fields as the output file's records).
struct SegmentTrace {
  Tick time;
  std::uint64_t seq;
  ComponentId src;
  ComponentId target;
  PortId port;
  std::uint16_t kind;
  std::uint32_t order;  ///< position in the target's handling order within the window
  std::uint64_t first_seq;  ///< TraceRecord::first_seq
};

struct SegmentBatchArgs {
  TypeRuntime rt;                       ///< pointers valid where the batch runs
  const Event* events;                  ///< the window's events, all types, sorted
  const std::uint32_t* segment_first;   ///< [segments + 1]: segment s is events[first[s], first[s+1])
  const std::uint32_t* type_segments;   ///< [2]: this type's segments are [type_segments[0], type_segments[1])
  Tick window_end;
  Event* out;
  std::uint32_t* out_count;
  std::uint32_t out_capacity;
  SegmentTrace* trace;                  ///< nullptr: no trace
  std::uint32_t* trace_count;
  std::uint32_t trace_capacity;
  unsigned long long* handled;          ///< events handled, summed over the window
  unsigned long long* last_time;        ///< latest time of a handled event
  SegmentStatus* status;
};

namespace detail {

ARCHLAB_HD inline std::uint32_t reserve_slots(std::uint32_t* counter, std::uint32_t n) {
#if defined(__CUDA_ARCH__)
  return atomicAdd(counter, n);
#else
  return std::atomic_ref<std::uint32_t>(*counter).fetch_add(n, std::memory_order_relaxed);
#endif
}

/// Append one event; on the device, the lanes of a warp that append together share one atomic.
ARCHLAB_HD inline bool append_event(Event* out, std::uint32_t* count, std::uint32_t capacity, const Event& event) {
#if defined(__CUDA_ARCH__)
  namespace cg = cooperative_groups;
  const cg::coalesced_group group = cg::coalesced_threads();
  std::uint32_t base = 0;
  if (group.thread_rank() == 0) base = atomicAdd(count, group.size());
  base = group.shfl(base, 0) + group.thread_rank();
#else
  const std::uint32_t base = reserve_slots(count, 1);
#endif
  if (base >= capacity) return false;
  out[base] = event;
  return true;
}

ARCHLAB_HD inline void fail_segment(SegmentStatus* status, SegmentError error, std::uint32_t handler_error,
                                    ComponentId component, std::uint32_t port) {
#if defined(__CUDA_ARCH__)
  if (atomicCAS(&status->error, 0u, static_cast<std::uint32_t>(error)) != 0u) return;
#else
  std::uint32_t expected = 0;
  if (!std::atomic_ref<std::uint32_t>(status->error)
           .compare_exchange_strong(expected, static_cast<std::uint32_t>(error))) {
    return;
  }
#endif
  status->handler_error = handler_error;
  status->component = component;
  status->port = port;
}

ARCHLAB_HD inline void add_handled(unsigned long long* handled, unsigned long long n, unsigned long long* last_time,
                                   unsigned long long time) {
#if defined(__CUDA_ARCH__)
  atomicAdd(handled, n);
  atomicMax(last_time, time);
#else
  std::atomic_ref<unsigned long long>(*handled).fetch_add(n, std::memory_order_relaxed);
  std::atomic_ref<unsigned long long> last(*last_time);
  for (unsigned long long seen = last.load(); seen < time && !last.compare_exchange_weak(seen, time);) {
  }
#endif
}

/// Handle segment `s` (one target's events in this window).
template <class T>
ARCHLAB_HD void process_segment(const SegmentBatchArgs& a, std::uint32_t s) {
  constexpr std::uint32_t kSends = max_sends_per_event<T>();
  const std::uint32_t last = a.segment_first[s + 1];
  std::uint32_t next = a.segment_first[s];
  if (next == last) return;
  const std::uint32_t local = a.events[next].target - a.rt.base;
  typename T::State& state = state_of<T>(a.rt, local);
  const typename T::Params& params = static_cast<const typename T::Params*>(a.rt.params)[a.rt.group_of[local]];

  Event self_events[kSegmentSelfEvents];  // a binary min-heap in the total order
  std::uint32_t self_count = 0;
  Event sent[kSends];
  EventSink sink{sent, kSends, 0, nullptr, nullptr, HandlerError::None, 0, 0};
  Context ctx(a.rt, sink);
  std::uint32_t handled = 0;
  Tick last_time = 0;

  while (true) {
    const bool from_self = self_count > 0 && (next == last || event_before(self_events[0], a.events[next]));
    if (!from_self && next == last) break;
    const Event event = from_self ? self_events[0] : a.events[next];
    if (event.time >= a.window_end) break;
    if (from_self) {  // pop the heap's top
      self_events[0] = self_events[--self_count];
      for (std::uint32_t i = 0;;) {
        const std::uint32_t l = 2 * i + 1, r = l + 1;
        std::uint32_t m = i;
        if (l < self_count && event_before(self_events[l], self_events[m])) m = l;
        if (r < self_count && event_before(self_events[r], self_events[m])) m = r;
        if (m == i) break;
        const Event t = self_events[i];
        self_events[i] = self_events[m];
        self_events[m] = t;
        i = m;
      }
    } else {
      ++next;
    }

    sink.count = 0;
    const std::uint64_t first_seq = a.rt.counters[local].send_seq;
    ctx.bind(event.time, local);
    T::handle(state, params, event, ctx);
    last_time = event.time;
    if (a.trace != nullptr) {
      const std::uint32_t at = reserve_slots(a.trace_count, 1);
      if (at < a.trace_capacity) {
        a.trace[at] = {event.time, event.seq, event.src, event.target, event.port, event.kind, handled, first_seq};
      } else {
        fail_segment(a.status, SegmentError::TraceOverflow, 0, event.target, 0);
      }
    }
    ++handled;
    if (sink.error != HandlerError::None) {
      fail_segment(a.status, SegmentError::Handler, static_cast<std::uint32_t>(sink.error), sink.error_component,
                   sink.error_port);
      break;
    }
    for (std::uint32_t k = 0; k < sink.count; ++k) {
      const Event& out = sent[k];
      if (out.target == event.target && out.time < a.window_end) {
        if (self_count == kSegmentSelfEvents) {
          fail_segment(a.status, SegmentError::SelfOverflow, 0, event.target, 0);
          continue;
        }
        std::uint32_t i = self_count++;  // sift up
        self_events[i] = out;
        while (i > 0 && event_before(self_events[i], self_events[(i - 1) / 2])) {
          const Event t = self_events[i];
          self_events[i] = self_events[(i - 1) / 2];
          self_events[(i - 1) / 2] = t;
          i = (i - 1) / 2;
        }
      } else if (!append_event(a.out, a.out_count, a.out_capacity, out)) {
        fail_segment(a.status, SegmentError::OutOverflow, 0, event.target, 0);
      }
    }
  }
  // What the window did not reach goes back to the pending events as it is.
  for (; next < last; ++next) {
    if (!append_event(a.out, a.out_count, a.out_capacity, a.events[next])) {
      fail_segment(a.status, SegmentError::OutOverflow, 0, a.events[next].target, 0);
    }
  }
  for (std::uint32_t i = 0; i < self_count; ++i) {
    if (!append_event(a.out, a.out_count, a.out_capacity, self_events[i])) {
      fail_segment(a.status, SegmentError::OutOverflow, 0, self_events[i].target, 0);
    }
  }
  if (handled > 0) add_handled(a.handled, handled, a.last_time, last_time);
}

/// The host form of the segment batch: every segment of the type, one after the other.
template <class T>
void segment_batch_host(const SegmentBatchArgs* args) {
  for (std::uint32_t s = args->type_segments[0]; s < args->type_segments[1]; ++s) process_segment<T>(*args, s);
}

#if defined(__CUDACC__)
template <class T>
__global__ void segment_batch_kernel(const SegmentBatchArgs* args, std::uint32_t max_segments) {
  const std::uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= max_segments) return;
  const std::uint32_t s = args->type_segments[0] + i;
  if (s < args->type_segments[1]) process_segment<T>(*args, s);
}

/// Launch the device batch: `args` lives in device memory (the engine fills the segment range
/// there), `max_segments` bounds this type's segments, `stream` is a cudaStream_t.
template <class T>
void segment_batch_launch(const SegmentBatchArgs* args, std::uint32_t max_segments, void* stream) {
  if (max_segments == 0) return;
  constexpr std::uint32_t kBlock = 128;
  segment_batch_kernel<T><<<(max_segments + kBlock - 1) / kBlock, kBlock, 0, static_cast<cudaStream_t>(stream)>>>(
      args, max_segments);
}
#endif

}  // namespace detail
}  // namespace archlab
