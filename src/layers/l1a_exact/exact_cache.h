// In-memory exact-match answer cache: sharded LRU bounded by entry count and bytes, with a TTL.
// Keys are opaque strings (the layer passes a hash of the canonical request).
// Thread-safety: all methods are safe from any thread. Each shard has its own mutex, held only
// for map/list updates (never across I/O), so concurrent hits on different shards never contend.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/defaults.h"
#include "core/stored_answer.h"

namespace isartor {

class ExactCache {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  struct Options {
    std::size_t max_entries = defaults::kCacheMaxCapacity;
    std::size_t max_bytes = defaults::kCacheMaxBytes;
    std::chrono::seconds ttl{defaults::kCacheTtlSecs};
    std::size_t shards = 16;
  };

  // `clock` defaults to steady_clock::now; tests inject their own.
  explicit ExactCache(Options options, Clock clock = nullptr);

  // The live answer for `key`, or nullptr (absent or expired; an expired entry is removed).
  std::shared_ptr<const StoredAnswer> Get(const std::string& key);
  // Inserts or replaces. An answer larger than a shard's byte budget is not stored.
  // Evicts least-recently-used entries of the shard until both bounds hold.
  void Put(const std::string& key, std::shared_ptr<const StoredAnswer> answer);

  std::size_t size() const { return entries_.load(std::memory_order_relaxed); }
  std::size_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  uint64_t evictions() const { return evictions_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const StoredAnswer> answer;
    std::chrono::steady_clock::time_point expires;
    std::size_t bytes;
  };
  struct Shard {
    std::mutex mu;
    std::list<Entry> lru;  // front = most recently used
    std::unordered_map<std::string, std::list<Entry>::iterator> index;
    std::size_t bytes = 0;
  };

  Shard& ShardFor(const std::string& key);
  void EraseLocked(Shard& shard, std::list<Entry>::iterator it);

  Options options_;
  Clock clock_;
  std::size_t shard_max_entries_;
  std::size_t shard_max_bytes_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<std::size_t> entries_{0};
  std::atomic<std::size_t> bytes_{0};
  std::atomic<uint64_t> evictions_{0};
};

}  // namespace isartor
