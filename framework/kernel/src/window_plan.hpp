// What every engine decides between two windows (internal to framework/): where the next window
// ends, which samples are complete, and when to stop. All engines share it, so all of them cut
// the same windows and stop at the same point.
#pragma once

#include <algorithm>
#include <cstdint>

#include "archlab/engine.hpp"
#include "archlab/errors.hpp"
#include "calendar_queue.hpp"

namespace archlab::detail {

/// The calendar shape for an initial population (count, earliest time, sum of times).
inline CalendarShape shape_for_population(Tick lookahead, std::uint64_t events, Tick earliest, long double time_sum) {
  const Tick mean_offset = events == 0 ? 0 : static_cast<Tick>(time_sum / static_cast<long double>(events)) - earliest;
  return calendar_shape(lookahead, events, mean_offset);
}

class WindowPlanner {
 public:
  explicit WindowPlanner(const EngineOptions& options)
      : options_(options), next_sample_(options.stats_interval > 0 ? options.stats_interval : kTickMax) {}

  /// Windows span at most the lookahead and at most the calendar's ring (so that a window's
  /// buckets are all in the ring, for every engine alike).
  void set_shape(CalendarShape shape, Tick lookahead) {
    width_ = Tick{1} << shape.shift;
    const Tick ring = Tick{1} << shape.ring_bits;
    window_buckets_ = lookahead == kTickMax ? ring : std::clamp<Tick>(lookahead / width_, 1, ring);
  }

  /// Given the earliest pending time (a lower bound that is exact once buckets are open) and
  /// the events handled so far: call sample(time) for every sample now complete, then return
  /// the status to stop with, or nullptr and set window_end().
  template <class Sample>
  const char* next(Tick earliest, std::uint64_t handled, Sample&& sample) {
    if (earliest != kTickMax) {
      while (next_sample_ <= std::min(earliest, options_.stop_time)) {
        sample(next_sample_);
        next_sample_ += options_.stats_interval;
      }
    }
    if (earliest == kTickMax) return "completed";
    if (earliest >= options_.stop_time) return "stop_time";
    if (options_.max_events > 0 && handled >= options_.max_events) return "event_limit";
    const Tick start = earliest / width_ * width_;
    const Tick end = start + std::min(window_buckets_ * width_, kTickMax - start);
    window_end_ = std::min({end, next_sample_, options_.stop_time});
    return nullptr;
  }

  Tick window_end() const { return window_end_; }
  Tick width() const { return width_; }

 private:
  const EngineOptions& options_;
  Tick next_sample_;
  Tick width_ = 1;
  Tick window_buckets_ = 1;
  Tick window_end_ = 0;
};

/// A handler failed (handlers cannot throw; the sink says how): stop the run with a RunError
/// naming the component and port.
[[noreturn]] inline void report_handler_error(const SystemInstance& system, const EventSink& sink) {
  std::string what;
  switch (sink.error) {
    case HandlerError::UnconnectedPort: what = "sent on port '%p', which no link connects"; break;
    case HandlerError::IndexOutOfRange: what = "sent to an index beyond the receivers of port '%p'"; break;
    case HandlerError::OutputOverflow: what = "sent more events from one event than it declared (kMaxSendsPerEvent)"; break;
    case HandlerError::Stopped: {
      const ComponentDescriptor& type = *system.types()[system.type_index(sink.error_component)]->descriptor;
      what = sink.error_port < type.nstop_reasons
                 ? std::string("stopped the run: ") + type.stop_reasons[sink.error_port]
                 : "stopped the run (reason " + std::to_string(sink.error_port) + ", which its type does not declare)";
      throw RunError(system.describe(sink.error_component) + " " + what);
    }
    case HandlerError::None: what = "failed"; break;
  }
  if (const auto at = what.find("%p"); at != std::string::npos) {
    what.replace(at, 2, system.port_name(sink.error_component, sink.error_port));
  }
  throw RunError(system.describe(sink.error_component) + " " + what);
}

/// Trace records of one window in the canonical order: by time, then receiver, then the order
/// the receiver handled them in (stable: records arrive in each receiver's handling order).
inline void sort_trace_window(TraceRecord* first, TraceRecord* last) {
  std::stable_sort(first, last, [](const TraceRecord& a, const TraceRecord& b) {
    return a.time != b.time ? a.time < b.time : a.target < b.target;
  });
}

}  // namespace archlab::detail
