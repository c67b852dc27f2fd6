// A partition: the components with ids in [first, last), their pending events, and the code
// that handles those events window by window (internal to framework/). The sequential engine
// is one partition; the windowed engine runs one per thread.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "archlab/engine.hpp"
#include "calendar_queue.hpp"

namespace archlab::detail {

class Partition {
 public:
  /// `bounds` are the first ids of every partition, ascending, bounds[0] == 0.
  Partition(SystemInstance& system, std::uint32_t index, const std::vector<ComponentId>& bounds, bool trace);

  /// Run init() of the partition's components; their events are routed like any other, and
  /// the partition's own wait until start().
  void init();
  /// The initial population of this partition: count, earliest time, sum of times.
  void population(std::uint64_t& events, Tick& earliest, long double& time_sum) const;
  /// Lay out the calendar queue and move the initial events into it.
  void start(CalendarShape shape);
  /// Handle every event of this partition with time < end, in the total order. Events for
  /// components of other partitions go to outbox(partition).
  void run_window(Tick end);
  /// Take the events other partitions sent here.
  void receive(std::vector<Event>& inbox);

  /// A lower bound on the time of every pending event (kTickMax: none pending).
  Tick earliest();
  std::size_t pending() const {
    return (queue_ ? queue_->size() : staged_.size()) + late_.size() + (bucket_.size() - next_);
  }
  std::vector<Event>& outbox(std::uint32_t partition) { return outboxes_[partition]; }

  std::uint64_t events() const { return events_; }
  Tick last_time() const { return last_time_; }
  std::vector<TraceRecord>& trace() { return trace_; }
  /// A handler failed; sink().error says how.
  bool failed() const { return sink_.error != HandlerError::None; }
  const EventSink& sink() const { return sink_; }

 private:
  void route(const Event& event);
  std::uint32_t owner(ComponentId id) const;

  SystemInstance& system_;
  std::uint32_t index_;
  const std::vector<ComponentId>& bounds_;
  ComponentId first_;
  ComponentId last_;
  bool trace_enabled_;

  std::optional<CalendarQueue> queue_;
  std::vector<Event> staged_;  // own events before start()
  std::vector<Event> bucket_;  // the current bucket, sorted; next_ is its first unhandled event
  std::size_t next_ = 0;
  Tick bucket_start_ = 0;
  Tick bucket_end_ = 0;
  std::vector<Event> late_;  // min-heap: events that arrived inside the current bucket
  std::vector<std::vector<Event>> outboxes_;

  std::vector<Event> out_;
  EventSink sink_{};
  std::uint32_t type_hint_ = 0;
  std::uint64_t events_ = 0;
  Tick last_time_ = 0;
  std::vector<TraceRecord> trace_;
  std::vector<std::uint64_t> first_seq_;  ///< BatchArgs::first_seq of the current batch
};

}  // namespace archlab::detail
