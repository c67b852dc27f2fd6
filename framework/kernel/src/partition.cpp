#include "partition.hpp"

#include <algorithm>

namespace archlab::detail {
namespace {

struct LaterFirst {
  bool operator()(const Event& a, const Event& b) const { return event_before(b, a); }
};

// Small enough to stay in cache; a batch entry returns when it is nearly full.
constexpr std::size_t kSinkEvents = 1024;

}  // namespace

Partition::Partition(SystemInstance& system, std::uint32_t index, const std::vector<ComponentId>& bounds, bool trace)
    : system_(system),
      index_(index),
      bounds_(bounds),
      first_(bounds[index]),
      last_(index + 1 < bounds.size() ? bounds[index + 1] : system.component_count()),
      trace_enabled_(trace),
      outboxes_(bounds.size()),
      out_(kSinkEvents) {
  sink_.out = out_.data();
  sink_.capacity = static_cast<std::uint32_t>(out_.size());
}

std::uint32_t Partition::owner(ComponentId id) const {
  if (id >= first_ && id < last_) return index_;
  return static_cast<std::uint32_t>(std::upper_bound(bounds_.begin(), bounds_.end(), id) - bounds_.begin() - 1);
}

void Partition::route(const Event& event) {
  if (event.target < first_ || event.target >= last_) {
    outboxes_[owner(event.target)].push_back(event);
  } else if (!queue_) {
    staged_.push_back(event);
  } else if (event.time < bucket_end_) {
    late_.push_back(event);  // lands in the bucket being handled: merge it in order
    std::push_heap(late_.begin(), late_.end(), LaterFirst{});
  } else {
    queue_->push(event);
  }
}

void Partition::population(std::uint64_t& events, Tick& earliest, long double& time_sum) const {
  for (const Event& event : staged_) {
    earliest = std::min(earliest, event.time);
    time_sum += static_cast<long double>(event.time);
  }
  events += staged_.size();
}

void Partition::start(CalendarShape shape) {
  queue_.emplace(shape.shift, shape.ring_bits, system_.component_count());
  for (const Event& event : staged_) queue_->push(event);
  staged_.clear();
  staged_.shrink_to_fit();
}

void Partition::init() {
  EventSink sink{};
  sink.emit = [](void* self, const Event& event) { static_cast<Partition*>(self)->route(event); };
  sink.user = this;
  for (auto& type : system_.types()) {
    const ComponentId begin = std::max(first_, type->rt.base);
    const ComponentId end = std::min(last_, type->rt.base + type->rt.count);
    if (begin >= end) continue;
    InitArgs args{&type->rt, begin - type->rt.base, end - type->rt.base, &sink};
    type->descriptor->init_cpu(&args);
    if (sink.error != HandlerError::None) {
      sink_.error = sink.error;
      sink_.error_component = sink.error_component;
      sink_.error_port = sink.error_port;
      return;
    }
  }
}

void Partition::receive(std::vector<Event>& inbox) {
  for (const Event& event : inbox) route(event);
  inbox.clear();
}

Tick Partition::earliest() {
  Tick earliest = queue_->earliest();
  if (next_ < bucket_.size()) earliest = std::min(earliest, bucket_[next_].time);
  if (!late_.empty()) earliest = std::min(earliest, late_.front().time);
  return earliest;
}

void Partition::run_window(Tick end) {
  auto& types = system_.types();
  while (true) {
    if (next_ == bucket_.size() && late_.empty()) {
      if (queue_->earliest() >= end) return;
      queue_->pop_sorted_bucket(bucket_, bucket_start_);
      bucket_end_ = bucket_start_ + queue_->width();
      next_ = 0;
    }
    const bool from_late = !late_.empty() && (next_ == bucket_.size() || event_before(late_.front(), bucket_[next_]));
    Event single;
    const Event* first;
    if (from_late) {
      single = late_.front();
      first = &single;
    } else {
      first = &bucket_[next_];
    }
    if (first->time >= end) return;

    if (first->target - types[type_hint_]->rt.base >= types[type_hint_]->rt.count) {
      type_hint_ = system_.type_index(first->target);
    }
    ComponentType& type = *types[type_hint_];
    // A run: consecutive events of one type, before the window end and before any late event.
    std::size_t run = 1;
    if (!from_late) {
      const Event* limit = late_.empty() ? nullptr : &late_.front();
      while (next_ + run < bucket_.size()) {
        const Event& candidate = bucket_[next_ + run];
        if (candidate.target - type.rt.base >= type.rt.count || candidate.time >= end) break;
        if (limit != nullptr && event_before(*limit, candidate)) break;
        ++run;
      }
    }
    if (trace_enabled_ && first_seq_.size() < run) first_seq_.resize(run);
    BatchArgs args{&type.rt, first,        static_cast<std::uint32_t>(run), 0, bucket_end_, &sink_,
                   trace_enabled_ ? first_seq_.data() : nullptr};
    sink_.count = 0;
    type.descriptor->batch_cpu(&args);
    if (trace_enabled_) {
      for (std::uint32_t i = 0; i < args.consumed; ++i) {
        const Event& e = first[i];
        trace_.push_back({e.time, e.seq, e.src, e.target, e.port, e.kind, first_seq_[i]});
      }
    }
    if (args.consumed > 0) last_time_ = std::max(last_time_, first[args.consumed - 1].time);
    events_ += args.consumed;
    if (from_late) {
      std::pop_heap(late_.begin(), late_.end(), LaterFirst{});
      late_.pop_back();
    } else {
      next_ += args.consumed;
    }
    for (std::uint32_t i = 0; i < sink_.count; ++i) route(out_[i]);
    if (sink_.error != HandlerError::None) return;
  }
}

}  // namespace archlab::detail
