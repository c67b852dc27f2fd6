// The windowed algorithm with its pending events in device memory (internal to framework/).
//
// It is written once against a small Backend (memory, copies, a parallel for-each, a scan, a
// sort, launching a plugin's segment batch) and instantiated twice: with the CUDA backend
// (engine_cuda.cu, the `cuda` engine) and with a host backend (engine_gpu_host.cpp), which runs
// the very same steps on the CPU so that machines without a GPU test the algorithm.
//
// Per window:
//   1. the host knows, per calendar slot, how many events wait there and the earliest of them,
//      so it plans the window exactly as the CPU engines do (WindowPlanner);
//   2. the window's buckets are copied into one array and sorted by (target, time, src, seq);
//   3. the array is cut into one segment per target; each type's segments go to the plugin's
//      segment batch (one thread per target);
//   4. what the handlers sent (all at or after the window end) is classified into calendar
//      slots on the device, the slot sizes come back to the host, and the events are scattered
//      into their slots.
// Nothing goes back to the host inside a window; between windows, a few counters do.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <vector>

#include "archlab/engine.hpp"
#include "archlab/errors.hpp"
#include "window_plan.hpp"

namespace archlab::detail {

ARCHLAB_HD inline void atomic_min_u64(unsigned long long* target, unsigned long long value) {
#if defined(__CUDA_ARCH__)
  atomicMin(target, value);
#else
  std::atomic_ref<unsigned long long> ref(*target);
  for (unsigned long long seen = ref.load(); value < seen && !ref.compare_exchange_weak(seen, value);) {
  }
#endif
}

/// Counts each event into its calendar slot (or the far slot, index `ring`) and keeps each
/// slot's earliest time.
struct ClassifyKernel {
  const Event* events;
  std::uint32_t* slot_of;
  std::uint32_t* slot_new;
  unsigned long long* slot_min;
  unsigned shift;
  Tick first_bucket;
  std::uint32_t ring;
  ARCHLAB_HD void operator()(std::uint32_t i) const {
    const Tick bucket = events[i].time >> shift;
    const std::uint32_t slot = bucket < first_bucket + ring ? static_cast<std::uint32_t>(bucket & (ring - 1)) : ring;
    slot_of[i] = slot;
    reserve_slots(&slot_new[slot], 1);
    atomic_min_u64(&slot_min[slot], events[i].time);
  }
};

/// Appends each event to its slot (the host has made room).
struct ScatterKernel {
  const Event* events;
  const std::uint32_t* slot_of;
  Event* const* slot_base;
  std::uint32_t* slot_count;
  ARCHLAB_HD void operator()(std::uint32_t i) const {
    const std::uint32_t slot = slot_of[i];
    slot_base[slot][reserve_slots(&slot_count[slot], 1)] = events[i];
  }
};

/// 1 where a new target starts in the sorted window.
struct HeadKernel {
  const Event* sorted;
  std::uint32_t* head;
  ARCHLAB_HD void operator()(std::uint32_t i) const {
    head[i] = (i == 0 || sorted[i].target != sorted[i - 1].target) ? 1u : 0u;
  }
};

/// From the inclusive scan of the heads: where each segment starts, and how many there are.
struct SegmentKernel {
  const std::uint32_t* head;
  const std::uint32_t* scan;
  std::uint32_t* segment_first;
  std::uint32_t* segment_count;
  std::uint32_t n;
  ARCHLAB_HD void operator()(std::uint32_t i) const {
    if (head[i] != 0) segment_first[scan[i] - 1] = i;
    if (i == n - 1) {
      segment_first[scan[i]] = n;
      *segment_count = scan[i];
    }
  }
};

/// For each type: the range of segments whose targets are its instances (binary search).
struct TypeRangeKernel {
  const Event* sorted;
  const std::uint32_t* segment_first;
  const std::uint32_t* segment_count;
  const ComponentId* type_base;
  const std::uint32_t* type_count;
  std::uint32_t* type_segments;
  ARCHLAB_HD std::uint32_t lower_bound(ComponentId id) const {
    std::uint32_t lo = 0, hi = *segment_count;
    while (lo < hi) {
      const std::uint32_t mid = lo + (hi - lo) / 2;
      if (sorted[segment_first[mid]].target < id) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
  ARCHLAB_HD void operator()(std::uint32_t t) const {
    type_segments[2 * t] = lower_bound(type_base[t]);
    type_segments[2 * t + 1] = lower_bound(type_base[t] + type_count[t]);
  }
};

/// What comes back to the host after a window.
struct WindowTotals {
  std::uint32_t out_count;
  std::uint32_t trace_count;
  unsigned long long handled;
  unsigned long long last_time;
  SegmentStatus status;
};

[[noreturn]] inline void report_segment_error(const SystemInstance& system, const SegmentStatus& status) {
  const auto error = static_cast<SegmentError>(status.error);
  if (error == SegmentError::Handler) {
    EventSink sink{};
    sink.error = static_cast<HandlerError>(status.handler_error);
    sink.error_component = status.component;
    sink.error_port = static_cast<PortId>(status.port);
    report_handler_error(system, sink);
  }
  if (error == SegmentError::SelfOverflow) {
    throw RunError(system.describe(status.component) + " had more than " + std::to_string(kSegmentSelfEvents) +
                   " events for itself pending inside one window, the most the GPU engine keeps per component");
  }
  throw RunError("GPU engine: an internal buffer overflowed (" + std::to_string(status.error) + ") near " +
                 system.describe(status.component));
}

template <class Backend>
class GpuWindowedRun {
 public:
  GpuWindowedRun(Backend& backend, SystemInstance& system, const EngineOptions& options, RunObserver* observer)
      : gpu_(backend), system_(system), options_(options), observer_(observer), planner_(options) {}

  ~GpuWindowedRun() {
    for (void* buffer : owned_) gpu_.release(buffer);
  }
  GpuWindowedRun(const GpuWindowedRun&) = delete;
  GpuWindowedRun& operator=(const GpuWindowedRun&) = delete;

  RunResult run() {
    const auto started = std::chrono::steady_clock::now();
    std::vector<Event> initial = initialize();
    upload_system();
    place_initial(initial);

    RunResult result;
    while (true) {
      const Tick earliest = earliest_pending();
      const char* status = planner_.next(earliest, handled_, [&](Tick time) { sample(time); });
      if (status != nullptr) {
        result.status = status;
        break;
      }
      run_window(earliest, planner_.window_end());
      if (options_.progress) progress(earliest, started);
    }
    download_system();
    flush_trace(true);
    result.events = handled_;
    result.pending = pending();
    result.final_time = last_time_;
    result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
  }

 private:
  template <class T>
  T* device(std::size_t n) {
    T* buffer = gpu_.template alloc<T>(std::max<std::size_t>(n, 1));
    owned_.push_back(buffer);
    return buffer;
  }
  template <class T>
  T* device_copy(const std::vector<T>& host) {
    T* buffer = device<T>(host.size());
    if (!host.empty()) gpu_.upload(buffer, host.data(), host.size() * sizeof(T));
    return buffer;
  }
  template <class T>
  void grow(T*& buffer, std::size_t& capacity, std::size_t needed) {
    if (needed <= capacity) return;
    capacity = std::max<std::size_t>(needed, capacity * 2);
    if (buffer != nullptr) {
      owned_.erase(std::find(owned_.begin(), owned_.end(), static_cast<void*>(buffer)));
      gpu_.release(buffer);
    }
    buffer = device<T>(capacity);
  }

  /// init() runs on the host, as in every engine; its events are returned.
  std::vector<Event> initialize() {
    std::vector<Event> events;
    EventSink sink{};
    sink.emit = [](void* user, const Event& event) { static_cast<std::vector<Event>*>(user)->push_back(event); };
    sink.user = &events;
    for (auto& type : system_.types()) {
      if (type->descriptor->batch_segments == nullptr) {
        throw RunError("plugin '" + type->name + "' has no GPU batch entry; rebuild it against this archlab");
      }
      InitArgs args{&type->rt, 0, type->rt.count, &sink};
      type->descriptor->init_cpu(&args);
      if (sink.error != HandlerError::None) report_handler_error(system_, sink);
    }
    std::uint64_t count = events.size();
    Tick earliest = kTickMax;
    long double time_sum = 0;
    for (const Event& event : events) {
      earliest = std::min(earliest, event.time);
      time_sum += static_cast<long double>(event.time);
    }
    shape_ = shape_for_population(system_.lookahead(), count, earliest, time_sum);
    planner_.set_shape(shape_, system_.lookahead());
    ring_ = std::uint32_t{1} << shape_.ring_bits;
    return events;
  }

  void upload_system() {
    auto& types = system_.types();
    const LinkEntry* device_links = device_copy(system_.links());
    const PortRoute* device_routes = device_copy(system_.routes());
    const std::uint32_t* device_route_links = device_copy(system_.route_links());
    std::vector<ComponentId> bases;
    std::vector<std::uint32_t> counts;
    for (auto& type : types) {
      TypeRuntime rt = type->rt;
      rt.states = device_copy(type->states);
      rt.params = device_copy(type->params);
      rt.data = device_copy(type->data);
      rt.group_data = device_copy(type->group_data);
      rt.group_of = device_copy(type->group_of);
      rt.group_first = device_copy(type->group_first);
      rt.group_stream = device_copy(type->group_stream);
      rt.port_routes = device_copy(type->port_routes);
      rt.routes = device_routes;
      rt.route_links = device_route_links;
      rt.links = device_links;
      rt.counters = device_copy(type->counters);
      rt.stats = device_copy(type->stats);
      device_rt_.push_back(rt);
      bases.push_back(type->rt.base);
      counts.push_back(type->rt.count);
      max_sends_ = std::max(max_sends_, type->descriptor->max_sends_per_event);
    }
    type_base_ = device_copy(bases);
    type_count_ = device_copy(counts);
    type_segments_ = device<std::uint32_t>(2 * types.size());
    args_ = device<SegmentBatchArgs>(types.size());
    totals_ = device<WindowTotals>(1);
    segment_count_ = device<std::uint32_t>(1);

    slot_count_host_.assign(ring_ + 1, 0);
    slot_min_host_.assign(ring_ + 1, kTickMax);
    slot_capacity_.assign(ring_ + 1, 0);
    slot_base_host_.assign(ring_ + 1, nullptr);
    slot_base_ = device<Event*>(ring_ + 1);
    slot_count_ = device<std::uint32_t>(ring_ + 1);
    slot_new_ = device<std::uint32_t>(ring_ + 1);
    slot_min_ = device<unsigned long long>(ring_ + 1);
    reset_slot_min();
  }

  void download_system() {
    for (std::size_t t = 0; t < system_.types().size(); ++t) {
      ComponentType& type = *system_.types()[t];
      gpu_.download(type.states.data(), device_rt_[t].states, type.states.size());
      gpu_.download(type.counters.data(), device_rt_[t].counters, type.counters.size() * sizeof(InstanceCounters));
      gpu_.download(type.stats.data(), device_rt_[t].stats, type.stats.size() * sizeof(double));
    }
  }

  void reset_slot_min() {
    const std::vector<unsigned long long> none(ring_ + 1, kTickMax);
    gpu_.upload(slot_min_, none.data(), none.size() * sizeof(unsigned long long));
  }

  std::size_t pending() const {
    std::size_t total = 0;
    for (std::uint32_t count : slot_count_host_) total += count;
    return total;
  }

  void place_initial(const std::vector<Event>& events) {
    grow(out_, out_capacity_, events.size());
    if (!events.empty()) gpu_.upload(out_, events.data(), events.size() * sizeof(Event));
    first_bucket_ = events.empty() ? 0 : std::min_element(events.begin(), events.end(), [](const Event& a, const Event& b) {
                                           return a.time < b.time;
                                         })->time >> shape_.shift;
    scatter(out_, static_cast<std::uint32_t>(events.size()));
  }

  /// Move `n` events at `events` (device) into their calendar slots.
  void scatter(const Event* events, std::uint32_t n) {
    if (n == 0) return;
    grow(slot_of_, slot_of_capacity_, n);
    gpu_.fill(slot_new_, 0, (ring_ + 1) * sizeof(std::uint32_t));
    gpu_.for_each(n, ClassifyKernel{events, slot_of_, slot_new_, slot_min_, shape_.shift, first_bucket_, ring_});
    std::vector<std::uint32_t> fresh(ring_ + 1);
    std::vector<unsigned long long> mins(ring_ + 1);
    gpu_.download(fresh.data(), slot_new_, fresh.size() * sizeof(std::uint32_t));
    gpu_.download(mins.data(), slot_min_, mins.size() * sizeof(unsigned long long));
    bool moved = false;
    for (std::uint32_t slot = 0; slot <= ring_; ++slot) {
      slot_min_host_[slot] = mins[slot];
      if (fresh[slot] == 0) continue;
      const std::size_t needed = slot_count_host_[slot] + fresh[slot];
      if (needed > slot_capacity_[slot]) {  // grow the slot, keeping what it holds
        const std::size_t capacity = std::max<std::size_t>({needed, slot_capacity_[slot] * 2, 256});
        Event* bigger = device<Event>(capacity);
        if (slot_count_host_[slot] > 0) gpu_.copy(bigger, slot_base_host_[slot], slot_count_host_[slot] * sizeof(Event));
        if (slot_base_host_[slot] != nullptr) {
          owned_.erase(std::find(owned_.begin(), owned_.end(), static_cast<void*>(slot_base_host_[slot])));
          gpu_.release(slot_base_host_[slot]);
        }
        slot_base_host_[slot] = bigger;
        slot_capacity_[slot] = capacity;
        moved = true;
      }
      slot_count_host_[slot] = static_cast<std::uint32_t>(needed);
    }
    if (moved) gpu_.upload(slot_base_, slot_base_host_.data(), slot_base_host_.size() * sizeof(Event*));
    gpu_.for_each(n, ScatterKernel{events, slot_of_, slot_base_, slot_count_});
  }

  /// Empty slot `slot` into `dst` (device) and forget it.
  std::uint32_t take_slot(std::uint32_t slot, Event* dst) {
    const std::uint32_t count = slot_count_host_[slot];
    if (count > 0) gpu_.copy(dst, slot_base_host_[slot], count * sizeof(Event));
    slot_count_host_[slot] = 0;
    slot_min_host_[slot] = kTickMax;
    const std::uint32_t zero = 0;
    const unsigned long long none = kTickMax;
    gpu_.upload(slot_count_ + slot, &zero, sizeof zero);
    gpu_.upload(slot_min_ + slot, &none, sizeof none);
    return count;
  }

  /// The exact earliest pending time. Moves the ring forward to that bucket, and brings far
  /// events into the ring when it now reaches them.
  Tick earliest_pending() {
    Tick earliest = kTickMax;
    std::uint32_t ring_events = 0;
    for (std::uint32_t slot = 0; slot < ring_; ++slot) ring_events += slot_count_host_[slot] > 0 ? 1 : 0;
    if (ring_events > 0) {
      // Buckets are time-ordered from first_bucket_: the first non-empty one holds the minimum.
      for (std::uint32_t step = 0; step < ring_; ++step) {
        const std::uint32_t slot = static_cast<std::uint32_t>((first_bucket_ + step) & (ring_ - 1));
        if (slot_count_host_[slot] > 0) {
          earliest = slot_min_host_[slot];
          break;
        }
      }
    }
    if (slot_count_host_[ring_] > 0) earliest = std::min(earliest, slot_min_host_[ring_]);
    if (earliest == kTickMax) return earliest;
    first_bucket_ = earliest >> shape_.shift;
    const Tick horizon = (first_bucket_ + ring_) << shape_.shift;
    if (slot_count_host_[ring_] > 0 && slot_min_host_[ring_] < horizon) {
      const std::uint32_t far = slot_count_host_[ring_];
      grow(out_, out_capacity_, far);
      take_slot(ring_, out_);
      scatter(out_, far);
    }
    return earliest;
  }

  void run_window(Tick earliest, Tick end) {
    // 1. gather the window's buckets
    const Tick first = earliest >> shape_.shift;
    const Tick last = (end - 1) >> shape_.shift;
    std::uint32_t n = 0;
    for (Tick bucket = first; bucket <= last && bucket < first + ring_; ++bucket) {
      n += slot_count_host_[bucket & (ring_ - 1)];
    }
    if (n == 0) return;
    grow(window_, window_capacity_, n);
    grow(sorted_, sorted_capacity_, n);
    std::uint32_t at = 0;
    for (Tick bucket = first; bucket <= last && bucket < first + ring_; ++bucket) {
      at += take_slot(static_cast<std::uint32_t>(bucket & (ring_ - 1)), window_ + at);
    }
    // 2. sort into (target, time, src, seq)
    gpu_.sort_window(window_, sorted_, n);
    // 3. segments, one per target, and each type's range of them
    grow(head_, head_capacity_, n);
    grow(scan_, scan_capacity_, n);
    grow(segment_first_, segment_first_capacity_, std::size_t{n} + 1);
    gpu_.for_each(n, HeadKernel{sorted_, head_});
    gpu_.inclusive_scan(head_, scan_, n);
    gpu_.for_each(n, SegmentKernel{head_, scan_, segment_first_, segment_count_, n});
    const auto types = static_cast<std::uint32_t>(system_.types().size());
    gpu_.for_each(types, TypeRangeKernel{sorted_, segment_first_, segment_count_, type_base_, type_count_, type_segments_});
    // 4. the plugins' segment batches
    // Every handled event sends at most max_sends_; unhandled ones go back as they are. Events a
    // component schedules for itself inside the window are handled too: leave room for as many.
    const std::size_t out_needed = std::size_t{n} * (max_sends_ + 1) * 2 + 1024;
    grow(out_, out_capacity_, out_needed);
    if (options_.trace && observer_ != nullptr) grow(trace_, trace_capacity_, out_needed);
    const WindowTotals zero{};
    gpu_.upload(totals_, &zero, sizeof zero);
    std::vector<SegmentBatchArgs> args(types);
    for (std::uint32_t t = 0; t < types; ++t) {
      SegmentBatchArgs& a = args[t];
      a.rt = device_rt_[t];
      a.events = sorted_;
      a.segment_first = segment_first_;
      a.type_segments = type_segments_ + 2 * t;
      a.window_end = end;
      a.out = out_;
      a.out_count = &totals_->out_count;
      a.out_capacity = static_cast<std::uint32_t>(std::min<std::size_t>(out_capacity_, 0xffffffffu));
      const bool tracing = options_.trace && observer_ != nullptr;
      a.trace = tracing ? trace_ : nullptr;
      a.trace_count = &totals_->trace_count;
      a.trace_capacity = tracing ? static_cast<std::uint32_t>(std::min<std::size_t>(trace_capacity_, 0xffffffffu)) : 0;
      a.handled = &totals_->handled;
      a.last_time = &totals_->last_time;
      a.status = &totals_->status;
    }
    gpu_.upload(args_, args.data(), args.size() * sizeof(SegmentBatchArgs));
    for (std::uint32_t t = 0; t < types; ++t) {
      const ComponentType& type = *system_.types()[t];
      gpu_.run_segments(*type.descriptor, type.name, args_ + t, std::min(n, type.rt.count));
    }
    WindowTotals totals{};
    gpu_.download(&totals, totals_, sizeof totals);
    if (totals.status.error != 0) report_segment_error(system_, totals.status);
    handled_ += totals.handled;
    last_time_ = std::max<Tick>(last_time_, totals.last_time);
    if (totals.trace_count > 0) collect_trace(totals.trace_count);
    // 5. what was sent goes to its calendar slot
    scatter(out_, totals.out_count);
  }

  void collect_trace(std::uint32_t count) {
    std::vector<SegmentTrace> records(count);
    gpu_.download(records.data(), trace_, count * sizeof(SegmentTrace));
    std::sort(records.begin(), records.end(), [](const SegmentTrace& a, const SegmentTrace& b) {
      if (a.time != b.time) return a.time < b.time;
      if (a.target != b.target) return a.target < b.target;
      return a.order < b.order;
    });
    for (const SegmentTrace& r : records) trace_records_.push_back({r.time, r.seq, r.src, r.target, r.port, r.kind, r.first_seq});
    flush_trace(false);
  }

  void flush_trace(bool force) {
    if (observer_ == nullptr || trace_records_.empty()) return;
    if (force || trace_records_.size() >= (std::size_t{1} << 16)) {
      observer_->on_trace(std::move(trace_records_));
      trace_records_.clear();
    }
  }

  void sample(Tick time) {
    if (observer_ == nullptr) return;
    for (std::size_t t = 0; t < system_.types().size(); ++t) {
      ComponentType& type = *system_.types()[t];
      gpu_.download(type.stats.data(), device_rt_[t].stats, type.stats.size() * sizeof(double));
    }
    observer_->on_sample({time, system_.stat_values(), handled_, pending()});
  }

  void progress(Tick earliest, std::chrono::steady_clock::time_point started) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_progress_ < std::chrono::milliseconds(500)) return;
    last_progress_ = now;
    options_.progress({earliest, handled_, std::chrono::duration<double>(now - started).count()});
  }

  Backend& gpu_;
  SystemInstance& system_;
  const EngineOptions& options_;
  RunObserver* observer_;
  WindowPlanner planner_;
  CalendarShape shape_;
  std::uint32_t ring_ = 1;
  Tick first_bucket_ = 0;
  std::uint32_t max_sends_ = 1;
  std::uint64_t handled_ = 0;
  Tick last_time_ = 0;
  std::chrono::steady_clock::time_point last_progress_{};

  std::vector<void*> owned_;
  std::vector<TypeRuntime> device_rt_;
  ComponentId* type_base_ = nullptr;
  std::uint32_t* type_count_ = nullptr;
  std::uint32_t* type_segments_ = nullptr;
  SegmentBatchArgs* args_ = nullptr;
  WindowTotals* totals_ = nullptr;
  std::uint32_t* segment_count_ = nullptr;

  std::vector<std::uint32_t> slot_count_host_;
  std::vector<Tick> slot_min_host_;
  std::vector<std::size_t> slot_capacity_;
  std::vector<Event*> slot_base_host_;
  Event** slot_base_ = nullptr;
  std::uint32_t* slot_count_ = nullptr;
  std::uint32_t* slot_new_ = nullptr;
  unsigned long long* slot_min_ = nullptr;

  Event* window_ = nullptr;
  std::size_t window_capacity_ = 0;
  Event* sorted_ = nullptr;
  std::size_t sorted_capacity_ = 0;
  std::uint32_t* head_ = nullptr;
  std::size_t head_capacity_ = 0;
  std::uint32_t* scan_ = nullptr;
  std::size_t scan_capacity_ = 0;
  std::uint32_t* segment_first_ = nullptr;
  std::size_t segment_first_capacity_ = 0;
  Event* out_ = nullptr;
  std::size_t out_capacity_ = 0;
  std::uint32_t* slot_of_ = nullptr;
  std::size_t slot_of_capacity_ = 0;
  SegmentTrace* trace_ = nullptr;
  std::size_t trace_capacity_ = 0;
  std::vector<TraceRecord> trace_records_;
};

}  // namespace archlab::detail
