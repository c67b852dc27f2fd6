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
#include <memory>

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

/// The pending events: buckets 2^shift ticks wide in a ring of 2^ring_bits, events beyond the
/// ring's span in a heap. A bucket's events live in fixed-size chunks drawn from a pool, so
/// filling and emptying buckets never reallocates or copies.
class CalendarQueue {
 public:
  CalendarQueue(unsigned shift, unsigned ring_bits, std::uint32_t components)
      : shift_(shift), ring_(std::size_t{1} << ring_bits), mask_((std::size_t{1} << ring_bits) - 1) {
    while ((std::uint64_t{1} << src_bits_) < components) ++src_bits_;
  }

  void push(const Event& event) {
    const Tick bucket = event.time >> shift_;
    if (bucket < current_ + ring_.size()) {
      place(ring_[bucket & mask_], event);
    } else {
      far_.push_back(event);
      std::push_heap(far_.begin(), far_.end(), LaterTimeFirst{});
    }
  }

  /// The next non-empty bucket, in the total order, into `out`; false when nothing is left.
  bool pop_sorted_bucket(std::vector<Event>& out, Tick& bucket_start) {
    if (ring_count_ == 0) {
      if (far_.empty()) return false;
      current_ = far_.front().time >> shift_;  // nothing near: jump ahead
      migrate();
    }
    while (ring_[current_ & mask_].size == 0) advance();
    Slot& slot = ring_[current_ & mask_];
    bucket_start = current_ << shift_;
    sort_into(slot, bucket_start, out);
    ring_count_ -= slot.size;
    release(slot);
    advance();
    return true;
  }

  std::size_t size() const { return ring_count_ + far_.size(); }
  Tick width() const { return Tick{1} << shift_; }

 private:
  static constexpr std::uint32_t kChunkEvents = 256;
  struct Chunk {
    Event events[kChunkEvents];
    Chunk* next;
    std::uint32_t count;
  };
  struct Slot {
    Chunk* head = nullptr;
    Chunk* tail = nullptr;
    std::size_t size = 0;
  };
  struct Key {
    std::uint64_t key;  // (time - bucket start) << src_bits | src
    std::uint32_t index;
  };

  void advance() {
    ++current_;
    migrate();
  }
  void migrate() {
    const Tick horizon = current_ + ring_.size();
    while (!far_.empty() && (far_.front().time >> shift_) < horizon) {
      std::pop_heap(far_.begin(), far_.end(), LaterTimeFirst{});
      place(ring_[(far_.back().time >> shift_) & mask_], far_.back());
      far_.pop_back();
    }
  }

  void place(Slot& slot, const Event& event) {
    if (slot.tail == nullptr || slot.tail->count == kChunkEvents) {
      Chunk* chunk = take_chunk();
      if (slot.tail == nullptr) {
        slot.head = chunk;
      } else {
        slot.tail->next = chunk;
      }
      slot.tail = chunk;
    }
    slot.tail->events[slot.tail->count++] = event;
    ++slot.size;
    ++ring_count_;
  }

  Chunk* take_chunk() {
    if (free_.empty()) {
      owned_.push_back(std::make_unique<Chunk>());
      free_.push_back(owned_.back().get());
    }
    Chunk* chunk = free_.back();
    free_.pop_back();
    chunk->next = nullptr;
    chunk->count = 0;
    return chunk;
  }

  void release(Slot& slot) {
    for (Chunk* chunk = slot.head; chunk != nullptr;) {
      Chunk* next = chunk->next;
      free_.push_back(chunk);
      chunk = next;
    }
    slot = Slot{};
  }

  /// Sort 16-byte (key, index) pairs, then gather the 64-byte events once. Equal keys (same
  /// time and sender) are rare; they are settled by seq afterwards.
  void sort_into(const Slot& slot, Tick bucket_start, std::vector<Event>& out) {
    chunks_.clear();
    keys_.clear();
    for (const Chunk* chunk = slot.head; chunk != nullptr; chunk = chunk->next) {
      const auto base = static_cast<std::uint32_t>(chunks_.size() * kChunkEvents);
      chunks_.push_back(chunk);
      for (std::uint32_t i = 0; i < chunk->count; ++i) {
        const Event& e = chunk->events[i];
        keys_.push_back({((e.time - bucket_start) << src_bits_) | e.src, base + i});
      }
    }
    sort_keys(shift_ + src_bits_);
    out.resize(keys_.size());
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      out[i] = chunks_[keys_[i].index / kChunkEvents]->events[keys_[i].index % kChunkEvents];
    }
    for (std::size_t first = 0; first < out.size();) {
      std::size_t last = first + 1;
      while (last < out.size() && keys_[last].key == keys_[first].key) ++last;
      if (last - first > 1) {
        std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.begin() + static_cast<std::ptrdiff_t>(last),
                  [](const Event& a, const Event& b) { return a.seq < b.seq; });
      }
      first = last;
    }
  }

  /// LSD radix sort on the low `bits` bits of the keys (std::sort for small buckets).
  void sort_keys(unsigned bits) {
    constexpr unsigned kDigitBits = 11;
    constexpr std::size_t kRadixThreshold = 512;
    if (keys_.size() < kRadixThreshold) {
      std::sort(keys_.begin(), keys_.end(), [](const Key& a, const Key& b) { return a.key < b.key; });
      return;
    }
    scratch_.resize(keys_.size());
    for (unsigned low = 0; low < bits; low += kDigitBits) {
      std::uint32_t count[1u << kDigitBits] = {};
      for (const Key& k : keys_) ++count[(k.key >> low) & ((1u << kDigitBits) - 1)];
      std::uint32_t position = 0;
      for (std::uint32_t& c : count) {
        const std::uint32_t n = c;
        c = position;
        position += n;
      }
      for (const Key& k : keys_) scratch_[count[(k.key >> low) & ((1u << kDigitBits) - 1)]++] = k;
      keys_.swap(scratch_);
    }
  }

  unsigned shift_;
  unsigned src_bits_ = 0;
  Tick current_ = 0;  // absolute number of the first bucket not yet handed out
  std::vector<Slot> ring_;
  std::size_t mask_;
  std::size_t ring_count_ = 0;
  std::vector<Event> far_;  // min-heap by time: events beyond the ring's span
  std::vector<std::unique_ptr<Chunk>> owned_;
  std::vector<Chunk*> free_;
  std::vector<const Chunk*> chunks_;
  std::vector<Key> keys_;
  std::vector<Key> scratch_;
};

/// Bucket width: the largest power of two not above lookahead / 8 (narrow buckets sort fast;
/// any width up to the lookahead keeps events to other components out of the current bucket).
unsigned bucket_shift(Tick lookahead) {
  const Tick target = lookahead == kTickMax ? Tick{1024} : std::max<Tick>(1, lookahead / 8);
  unsigned shift = 0;
  while ((Tick{2} << shift) <= target && shift < 30) ++shift;
  return shift;
}

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
  CalendarQueue queue(bucket_shift(system.lookahead()), 12, system.component_count());
  const Tick width = queue.width();

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
  std::vector<Event> out(std::size_t{1} << 10);  // small enough to stay in cache
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
  while (!stopped && queue.pop_sorted_bucket(bucket, bucket_start)) {
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
