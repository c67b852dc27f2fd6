// The calendar queue the CPU engines keep their pending events in (internal to framework/).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "archlab/event.hpp"

namespace archlab::detail {

struct LaterTimeFirst {
  bool operator()(const Event& a, const Event& b) const { return a.time > b.time; }
};

/// The pending events: buckets 2^shift ticks wide in a ring of 2^ring_bits (at least 64), events
/// beyond the ring's span in a heap. A bucket's events live in fixed-size chunks drawn from a
/// pool, so filling and emptying buckets never reallocates or copies. A bit per ring slot says
/// which hold events, so that finding the next bucket skips 64 empty ones at a time (sparse
/// events, such as components that plan far ahead, leave most buckets empty).
class CalendarQueue {
 public:
  CalendarQueue(unsigned shift, unsigned ring_bits, std::uint32_t components)
      : shift_(shift),
        ring_(std::size_t{1} << std::max(ring_bits, 6u)),
        mask_(ring_.size() - 1),
        occupied_(ring_.size() / 64) {
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
    if (ring_[current_ & mask_].size == 0) {
      // Events beyond the ring lie beyond every bucket in it: the next bucket is in the ring (the
      // advance() after the pop moves in those the jump brought within the ring's span).
      current_ = next_occupied(current_);
    }
    Slot& slot = ring_[current_ & mask_];
    bucket_start = current_ << shift_;
    sort_into(slot, bucket_start, out);
    ring_count_ -= slot.size;
    release(slot);
    advance();
    return true;
  }

  /// Start of the earliest non-empty bucket: a lower bound on every pending time (kTickMax: none).
  /// Does not move the ring: events may still arrive for the empty buckets it looks past.
  Tick earliest() {
    if (ring_count_ == 0) return far_.empty() ? kTickMax : far_.front().time;
    scan_ = next_occupied(std::max(scan_, current_));
    return scan_ << shift_;
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

  /// The first bucket at or after `from` that holds events, with some in the ring and none in
  /// [current_, from). The ring's slots hold the buckets [current_, current_ + ring size), so a
  /// set bit met from `from` on, wrapping at most once, is the next one.
  Tick next_occupied(Tick from) const {
    Tick bucket = from;
    while (true) {
      const std::size_t slot = bucket & mask_;
      const std::uint64_t bits = occupied_[slot >> 6] >> (slot & 63);
      if (bits != 0) return bucket + static_cast<Tick>(__builtin_ctzll(bits));
      bucket += 64 - (slot & 63);
    }
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
    scan_ = std::min(scan_, event.time >> shift_);
    const std::size_t index = static_cast<std::size_t>(&slot - ring_.data());
    occupied_[index >> 6] |= std::uint64_t{1} << (index & 63);
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
    const std::size_t index = static_cast<std::size_t>(&slot - ring_.data());
    occupied_[index >> 6] &= ~(std::uint64_t{1} << (index & 63));
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
  Tick scan_ = 0;     // buckets in [current_, scan_) are known to be empty
  std::vector<Slot> ring_;
  std::size_t mask_;
  std::vector<std::uint64_t> occupied_;  // bit i: ring_[i] holds events
  std::size_t ring_count_ = 0;
  std::vector<Event> far_;  // min-heap by time: events beyond the ring's span
  std::vector<std::unique_ptr<Chunk>> owned_;
  std::vector<Chunk*> free_;
  std::vector<const Chunk*> chunks_;
  std::vector<Key> keys_;
  std::vector<Key> scratch_;
};

/// How a calendar queue is laid out: buckets 2^shift ticks wide, a ring of 2^ring_bits.
struct CalendarShape {
  unsigned shift = 0;
  unsigned ring_bits = 12;
};

/// A shape for a pending population of `events` whose times start at `earliest` and lie
/// `mean_offset` beyond it on average: buckets of about 8K events (narrow buckets sort in
/// cache), never wider than lookahead / 8 (any width up to the lookahead keeps events for other
/// components out of the bucket being handled); a ring spanning eight mean offsets.
inline CalendarShape calendar_shape(Tick lookahead, std::uint64_t events, Tick mean_offset) {
  constexpr double kEventsPerBucket = 8192;
  const Tick cap = lookahead == kTickMax ? Tick{1} << 30 : std::max<Tick>(1, lookahead / 8);
  const double spread = static_cast<double>(std::max<Tick>(mean_offset, 1)) * 2.0;
  const double ideal = events == 0 ? static_cast<double>(cap) : kEventsPerBucket * spread / static_cast<double>(events);
  const Tick width = std::min<Tick>(cap, static_cast<Tick>(std::max(1.0, ideal)));
  CalendarShape shape;
  while ((Tick{2} << shape.shift) <= width && shape.shift < 30) ++shape.shift;
  const double slots = 8.0 * static_cast<double>(std::max<Tick>(mean_offset, 1)) / static_cast<double>(Tick{1} << shape.shift);
  while (static_cast<double>(std::size_t{1} << shape.ring_bits) < slots && shape.ring_bits < 16) ++shape.ring_bits;
  return shape;
}

}  // namespace archlab::detail
