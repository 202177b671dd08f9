// A fixed-capacity multi-producer/multi-consumer queue that never blocks and never allocates
// after construction (D. Vyukov's bounded MPMC ring: a sequence number per cell tells producers
// and consumers whose turn the cell is, so a push or pop is one CAS on the happy path).
// TryPush on a full queue fails at once: the caller drops and counts. Thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

namespace isartor::otel {

template <typename T>
class BoundedQueue {
 public:
  // Capacity is rounded up to a power of two (at least 2). REQUIRES: T is default-constructible
  // and move-assignable.
  explicit BoundedQueue(std::size_t capacity) {
    std::size_t n = 2;
    while (n < capacity) n <<= 1;
    cells_ = std::make_unique<Cell[]>(n);
    mask_ = n - 1;
    for (std::size_t i = 0; i < n; ++i) cells_[i].seq.store(i, std::memory_order_relaxed);
  }
  BoundedQueue(const BoundedQueue&) = delete;
  BoundedQueue& operator=(const BoundedQueue&) = delete;

  std::size_t capacity() const { return mask_ + 1; }

  // Moves `value` in and returns true, or returns false (value untouched) when full.
  bool TryPush(T&& value) {
    std::size_t pos = enqueue_pos_.load(std::memory_order_relaxed);
    Cell* cell;
    for (;;) {
      cell = &cells_[pos & mask_];
      std::size_t seq = cell->seq.load(std::memory_order_acquire);
      auto diff = static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(pos);
      if (diff == 0) {
        if (enqueue_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
      } else if (diff < 0) {
        return false;
      } else {
        pos = enqueue_pos_.load(std::memory_order_relaxed);
      }
    }
    cell->value = std::move(value);
    cell->seq.store(pos + 1, std::memory_order_release);
    return true;
  }

  // Moves the oldest element into `out` and returns true, or returns false when empty.
  bool TryPop(T& out) {
    std::size_t pos = dequeue_pos_.load(std::memory_order_relaxed);
    Cell* cell;
    for (;;) {
      cell = &cells_[pos & mask_];
      std::size_t seq = cell->seq.load(std::memory_order_acquire);
      auto diff = static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(pos + 1);
      if (diff == 0) {
        if (dequeue_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
      } else if (diff < 0) {
        return false;
      } else {
        pos = dequeue_pos_.load(std::memory_order_relaxed);
      }
    }
    out = std::move(cell->value);
    cell->value = T();
    cell->seq.store(pos + mask_ + 1, std::memory_order_release);
    return true;
  }

  // Approximate number of queued elements (exact when no push/pop runs concurrently).
  std::size_t ApproxSize() const {
    std::size_t in = enqueue_pos_.load(std::memory_order_relaxed);
    std::size_t out = dequeue_pos_.load(std::memory_order_relaxed);
    return in >= out ? in - out : 0;
  }

 private:
  struct Cell {
    std::atomic<std::size_t> seq{0};
    T value{};
  };
  std::unique_ptr<Cell[]> cells_;
  std::size_t mask_ = 0;
  alignas(64) std::atomic<std::size_t> enqueue_pos_{0};
  alignas(64) std::atomic<std::size_t> dequeue_pos_{0};
};

}  // namespace isartor::otel
