#include "layers/l1a_exact/exact_cache.h"

#include <algorithm>

namespace isartor {

ExactCache::ExactCache(Options options, Clock clock)
    : options_(options), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
  // A small cache is one shard so it is an exact LRU; sharding only pays under contention.
  if (options_.max_entries < 1024) options_.shards = 1;
  options_.shards = std::max<std::size_t>(1, options_.shards);
  shard_max_entries_ = std::max<std::size_t>(1, options_.max_entries / options_.shards);
  shard_max_bytes_ = std::max<std::size_t>(1, options_.max_bytes / options_.shards);
  for (std::size_t i = 0; i < options_.shards; ++i) shards_.push_back(std::make_unique<Shard>());
}

ExactCache::Shard& ExactCache::ShardFor(const std::string& key) {
  return *shards_[std::hash<std::string>{}(key) % shards_.size()];
}

void ExactCache::EraseLocked(Shard& shard, std::list<Entry>::iterator it) {
  shard.bytes -= it->bytes;
  bytes_.fetch_sub(it->bytes, std::memory_order_relaxed);
  entries_.fetch_sub(1, std::memory_order_relaxed);
  shard.index.erase(it->key);
  shard.lru.erase(it);
}

std::shared_ptr<const StoredAnswer> ExactCache::Get(const std::string& key) {
  Shard& shard = ShardFor(key);
  auto now = clock_();
  std::lock_guard<std::mutex> lock(shard.mu);
  auto found = shard.index.find(key);
  if (found == shard.index.end()) return nullptr;
  auto it = found->second;
  if (it->expires <= now) {
    EraseLocked(shard, it);
    return nullptr;
  }
  shard.lru.splice(shard.lru.begin(), shard.lru, it);
  return it->answer;
}

void ExactCache::Put(const std::string& key, std::shared_ptr<const StoredAnswer> answer) {
  if (!answer) return;
  std::size_t cost = key.size() + answer->body.size() + sizeof(Entry);
  if (cost > shard_max_bytes_) return;
  Shard& shard = ShardFor(key);
  auto expires = clock_() + options_.ttl;
  std::lock_guard<std::mutex> lock(shard.mu);
  if (auto found = shard.index.find(key); found != shard.index.end()) {
    EraseLocked(shard, found->second);
  }
  while (!shard.lru.empty() &&
         (shard.lru.size() + 1 > shard_max_entries_ || shard.bytes + cost > shard_max_bytes_)) {
    EraseLocked(shard, std::prev(shard.lru.end()));
    evictions_.fetch_add(1, std::memory_order_relaxed);
  }
  shard.lru.push_front(Entry{key, std::move(answer), expires, cost});
  shard.index[key] = shard.lru.begin();
  shard.bytes += cost;
  bytes_.fetch_add(cost, std::memory_order_relaxed);
  entries_.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace isartor
