// The sequential engine: one priority queue over all pending events, handled one after the
// other in the global order (time, src, seq). It is the reference every other engine is
// compared against.
//
// The priority queue is a calendar queue of buckets one lookahead wide. An event handled in
// bucket k can only reach another component in a later bucket (links take at least one
// lookahead), so a bucket is sorted once when it becomes current; only the events a component
// schedules for itself inside the current bucket need merging, through a small heap. Runs of
// consecutive events of one component type go to that plugin's batch entry in one call.
#include <algorithm>
#include <chrono>

#include "archlab/engine.hpp"
#include "archlab/errors.hpp"
#include "archlab/text.hpp"

namespace archlab {
namespace {

using Clock = std::chrono::steady_clock;

struct LaterFirst {
  bool operator()(const Event& a, const Event& b) const { return event_before(b, a); }
};
struct LaterTimeFirst {
  bool operator()(const Event& a, const Event& b) const { return a.time > b.time; }
};

class CalendarQueue {
 public:
  CalendarQueue(Tick width, std::size_t buckets) : width_(width), ring_(buckets) {}

  void push(const Event& event) {
    const Tick bucket = event.time / width_;
    if (bucket < current_ + ring_.size()) {
      ring_[bucket % ring_.size()].push_back(event);
      ++ring_count_;
    } else {
      far_.push_back(event);
      std::push_heap(far_.begin(), far_.end(), LaterTimeFirst{});
    }
  }

  /// Moves the next non-empty bucket into `out` (unsorted); returns false when nothing is left.
  bool pop_bucket(std::vector<Event>& out, Tick& bucket_start) {
    if (ring_count_ == 0) {
      if (far_.empty()) return false;
      current_ = far_.front().time / width_;  // nothing near: jump ahead
      migrate();
    }
    while (ring_[current_ % ring_.size()].empty()) advance();
    out.clear();
    out.swap(ring_[current_ % ring_.size()]);
    ring_count_ -= out.size();
    bucket_start = current_ * width_;
    advance();
    return true;
  }

  std::size_t size() const { return ring_count_ + far_.size(); }

 private:
  void advance() {
    ++current_;
    migrate();
  }
  void migrate() {
    const Tick horizon = current_ + ring_.size();
    while (!far_.empty() && far_.front().time / width_ < horizon) {
      std::pop_heap(far_.begin(), far_.end(), LaterTimeFirst{});
      const Event event = far_.back();
      far_.pop_back();
      ring_[(event.time / width_) % ring_.size()].push_back(event);
      ++ring_count_;
    }
  }

  Tick width_;
  Tick current_ = 0;  // absolute number of the first bucket not yet handed out
  std::vector<std::vector<Event>> ring_;
  std::size_t ring_count_ = 0;
  std::vector<Event> far_;  // min-heap by time: events beyond the ring's span
};

class SequentialEngine final : public Engine {
 public:
  std::string_view name() const override { return "sequential"; }

  RunResult run(SystemInstance& system, const EngineOptions& options, RunObserver* observer) override;
};

[[noreturn]] void report_handler_error(const SystemInstance& system, const EventSink& sink) {
  std::string what;
  switch (sink.error) {
    case HandlerError::UnconnectedPort: what = "sent on port '%p', which no link connects"; break;
    case HandlerError::IndexOutOfRange: what = "sent to an index beyond the receivers of port '%p'"; break;
    case HandlerError::OutputOverflow: what = "sent more events from one event than it declared (kMaxSendsPerEvent)"; break;
    case HandlerError::None: what = "failed"; break;
  }
  if (const auto at = what.find("%p"); at != std::string::npos) {
    what.replace(at, 2, system.port_name(sink.error_component, sink.error_port));
  }
  throw RunError(system.describe(sink.error_component) + " " + what);
}

RunResult SequentialEngine::run(SystemInstance& system, const EngineOptions& options, RunObserver* observer) {
  const auto started = Clock::now();
  auto& types = system.types();
  const Tick width = system.lookahead() == kTickMax ? Tick{1000} : system.lookahead();
  CalendarQueue queue(width, 4096);

  // Time 0: every component's init().
  {
    EventSink sink{};
    sink.emit = [](void* user, const Event& event) { static_cast<CalendarQueue*>(user)->push(event); };
    sink.user = &queue;
    for (auto& type : types) {
      InitArgs args{&type->rt, 0, type->rt.count, &sink};
      type->descriptor->init_cpu(&args);
      if (sink.error != HandlerError::None) report_handler_error(system, sink);
    }
  }

  RunResult result;
  std::vector<Event> out(std::size_t{1} << 14);
  EventSink sink{};
  sink.out = out.data();
  sink.capacity = static_cast<std::uint32_t>(out.size());

  std::vector<Event> bucket;
  std::vector<Event> late;  // min-heap of events that landed inside the current bucket
  std::vector<TraceRecord> trace;
  std::size_t next = 0;  // first unhandled event of the current bucket
  Tick next_sample = options.stats_interval > 0 ? options.stats_interval : kTickMax;
  std::uint64_t next_progress_check = std::uint64_t{1} << 16;
  auto last_progress = started;

  auto take_samples_before = [&](Tick time) {
    while (next_sample <= time && next_sample <= options.stop_time) {
      if (observer != nullptr) {
        observer->on_sample({next_sample, system.stat_values(), result.events,
                             queue.size() + (bucket.size() - next) + late.size()});
      }
      next_sample += options.stats_interval;
    }
  };
  auto flush_trace = [&] {
    if (observer != nullptr && !trace.empty()) observer->on_trace(std::move(trace));
    trace.clear();
  };

  result.status = "completed";
  Tick bucket_start = 0;
  bool stopped = false;
  while (!stopped && queue.pop_bucket(bucket, bucket_start)) {
    std::sort(bucket.begin(), bucket.end(), [](const Event& a, const Event& b) { return event_before(a, b); });
    const Tick bucket_end = bucket_start + width;
    next = 0;
    std::uint32_t type_hint = 0;
    while (next < bucket.size() || !late.empty()) {
      const bool from_late = !late.empty() && (next == bucket.size() || event_before(late.front(), bucket[next]));
      Event single;
      const Event* first;
      std::size_t run = 1;
      if (from_late) {
        single = late.front();
        first = &single;
      } else {
        first = &bucket[next];
      }
      if (first->time >= options.stop_time) {
        stopped = true;
        result.status = "stop_time";
        break;
      }
      take_samples_before(first->time);
      const Tick run_limit = std::min(next_sample, options.stop_time);
      // type of this event: usually the same as the last one
      if (first->target - types[type_hint]->rt.base >= types[type_hint]->rt.count) {
        type_hint = system.type_index(first->target);
      }
      ComponentType& type = *types[type_hint];
      if (!from_late) {
        const Event* limit = late.empty() ? nullptr : &late.front();
        while (next + run < bucket.size()) {
          const Event& candidate = bucket[next + run];
          if (candidate.target - type.rt.base >= type.rt.count || candidate.time >= run_limit) break;
          if (limit != nullptr && event_before(*limit, candidate)) break;
          ++run;
        }
      }
      BatchArgs args{&type.rt, first, static_cast<std::uint32_t>(run), 0, bucket_end, &sink};
      sink.count = 0;
      type.descriptor->batch_cpu(&args);
      if (sink.error != HandlerError::None) report_handler_error(system, sink);
      if (options.trace) {
        for (std::uint32_t i = 0; i < args.consumed; ++i) {
          const Event& e = first[i];
          trace.push_back({e.time, e.seq, e.src, e.target, e.port, e.kind});
        }
        if (trace.size() >= (std::size_t{1} << 16)) flush_trace();
      }
      if (args.consumed > 0) result.final_time = first[args.consumed - 1].time;
      result.events += args.consumed;
      if (from_late) {
        std::pop_heap(late.begin(), late.end(), LaterFirst{});
        late.pop_back();
      } else {
        next += args.consumed;
      }
      for (std::uint32_t i = 0; i < sink.count; ++i) {
        if (out[i].time < bucket_end) {
          late.push_back(out[i]);
          std::push_heap(late.begin(), late.end(), LaterFirst{});
        } else {
          queue.push(out[i]);
        }
      }
      if (options.progress && result.events >= next_progress_check) {
        next_progress_check = result.events + (std::uint64_t{1} << 16);
        const auto now = Clock::now();
        if (now - last_progress > std::chrono::milliseconds(500)) {
          last_progress = now;
          options.progress({result.final_time, result.events, std::chrono::duration<double>(now - started).count()});
        }
      }
    }
    if (!stopped && options.max_events > 0 && result.events >= options.max_events) {
      stopped = true;
      result.status = "event_limit";
    }
  }
  // Events left unhandled in a bucket cut short stay pending.
  result.pending = queue.size() + late.size() + (bucket.size() - std::min(next, bucket.size()));
  if (result.status == "stop_time") take_samples_before(options.stop_time);
  flush_trace();
  result.wall_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return result;
}

}  // namespace

std::unique_ptr<Engine> make_sequential_engine() { return std::make_unique<SequentialEngine>(); }

std::vector<std::string> engine_names() { return {"auto", "sequential", "windowed", "cuda"}; }

std::unique_ptr<Engine> make_engine(std::string_view name) {
  if (name == "sequential" || name == "auto") return make_sequential_engine();
  const auto names = engine_names();
  if (std::find(names.begin(), names.end(), name) != names.end()) {
    throw ConfigError("engine '" + std::string(name) +
                      "' is not available in this archlab yet; available: auto, sequential");
  }
  throw ConfigError("unknown engine '" + std::string(name) + "'; valid: " + text::join(names, ", "));
}

}  // namespace archlab
