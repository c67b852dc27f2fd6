// The CPU engines' calendar queue (framework/kernel/src/calendar_queue.hpp): buckets come out in
// time order with every event, whatever the gaps between them (the queue skips empty buckets
// through a bit per ring slot) and however far ahead events lie (beyond the ring: the heap).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "calendar_queue.hpp"

namespace {

using archlab::Event;
using archlab::event_before;
using archlab::Tick;
using archlab::detail::CalendarQueue;

Event event_at(Tick time, std::uint32_t src, std::uint64_t seq) {
  Event e{};
  e.time = time;
  e.src = src;
  e.seq = seq;
  return e;
}

/// Pops every bucket, pushing new events (never before the bucket just handed out) as a run
/// would, and checks the order against a sorted copy of everything pushed.
void drain_and_check(CalendarQueue& queue, std::vector<Event> pushed, std::mt19937_64& rng, Tick spread, int refills) {
  std::vector<Event> popped;
  std::vector<Event> bucket;
  Tick bucket_start = 0;
  std::uint64_t seq = pushed.size();
  while (true) {
    const std::size_t left = queue.size();
    const Tick earliest = queue.earliest();
    if (left == 0) {
      EXPECT_EQ(earliest, archlab::kTickMax);
      break;
    }
    if (!queue.pop_sorted_bucket(bucket, bucket_start)) break;
    ASSERT_FALSE(bucket.empty());
    EXPECT_LE(earliest, bucket.front().time) << "earliest() is a lower bound";
    EXPECT_TRUE(std::is_sorted(bucket.begin(), bucket.end(), event_before));
    EXPECT_GE(bucket.front().time, bucket_start);
    EXPECT_LT(bucket.back().time, bucket_start + queue.width());
    popped.insert(popped.end(), bucket.begin(), bucket.end());
    // Events sent while handling this bucket land after it (a component's lookahead).
    for (int i = 0; i < refills && seq < 200000; ++i) {
      const Event e =
          event_at(bucket_start + queue.width() + rng() % spread, static_cast<std::uint32_t>(rng() % 7), seq++);
      pushed.push_back(e);
      queue.push(e);
    }
  }
  std::sort(pushed.begin(), pushed.end(), event_before);
  ASSERT_EQ(popped.size(), pushed.size());
  for (std::size_t i = 0; i < popped.size(); ++i) {
    ASSERT_EQ(popped[i].time, pushed[i].time) << "event " << i;
    ASSERT_EQ(popped[i].src, pushed[i].src) << "event " << i;
    ASSERT_EQ(popped[i].seq, pushed[i].seq) << "event " << i;
  }
}

TEST(CalendarQueue, SparseEventsComeOutInOrderAcrossEmptyBucketsAndTheFarHeap) {
  // Buckets 16 ticks wide in a ring of 4096: times up to 10^7 leave most buckets empty and put
  // most events beyond the ring at first.
  for (const unsigned ring_bits : {6u, 12u}) {
    std::mt19937_64 rng(ring_bits);
    CalendarQueue queue(4, ring_bits, 7);
    std::vector<Event> pushed;
    for (std::uint64_t i = 0; i < 3000; ++i) {
      const Tick time = rng() % 10'000'000;
      pushed.push_back(event_at(time, static_cast<std::uint32_t>(rng() % 7), i));
      queue.push(pushed.back());
    }
    drain_and_check(queue, pushed, rng, 50'000, 2);
  }
}

TEST(CalendarQueue, DenseAndSparseStretchesAlternate) {
  std::mt19937_64 rng(7);
  CalendarQueue queue(2, 12, 7);
  std::vector<Event> pushed;
  std::uint64_t seq = 0;
  for (Tick base : {Tick{0}, Tick{100}, Tick{1} << 20, (Tick{1} << 20) + 64, Tick{1} << 34}) {
    for (int i = 0; i < 500; ++i) {
      pushed.push_back(event_at(base + rng() % 256, static_cast<std::uint32_t>(rng() % 7), seq++));
      queue.push(pushed.back());
    }
  }
  drain_and_check(queue, pushed, rng, 1 << 16, 1);
}

TEST(CalendarQueue, EarliestIsTheFirstOccupiedBucketAndLeavesTheQueueAsItWas) {
  CalendarQueue queue(3, 12, 1); // buckets of 8 ticks
  EXPECT_EQ(queue.earliest(), archlab::kTickMax);
  queue.push(event_at(8 * 700 + 5, 0, 0));
  queue.push(event_at(8 * 70 + 1, 0, 1));
  EXPECT_EQ(queue.earliest(), Tick{8 * 70});
  queue.push(event_at(8 * 3, 0, 2)); // an earlier one after earliest() looked past bucket 3
  EXPECT_EQ(queue.earliest(), Tick{8 * 3});
  std::vector<Event> bucket;
  Tick start = 0;
  ASSERT_TRUE(queue.pop_sorted_bucket(bucket, start));
  EXPECT_EQ(start, Tick{8 * 3});
  ASSERT_EQ(bucket.size(), 1u);
  EXPECT_EQ(queue.earliest(), Tick{8 * 70});
  ASSERT_TRUE(queue.pop_sorted_bucket(bucket, start));
  EXPECT_EQ(bucket.front().seq, 1u);
  ASSERT_TRUE(queue.pop_sorted_bucket(bucket, start));
  EXPECT_EQ(bucket.front().seq, 0u);
  EXPECT_FALSE(queue.pop_sorted_bucket(bucket, start));
}

} // namespace
