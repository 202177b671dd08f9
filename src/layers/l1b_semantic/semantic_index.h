// Approximate nearest-neighbour store of answered prompts for the semantic cache (L1b).
//
// Entries live in hard partitions (an opaque key the layer derives from tenant, session,
// dialect, model, system prompt, tools, sampling parameters and conversation context). A search
// only ever looks inside one partition. A small partition is a flat array scanned exactly; past
// Options::flat_max_slots it also gets its own hnswlib HNSW graph over int8-quantised copies of
// the vectors (inner product on unit vectors, so similarity = dot product = cosine); the graph's
// candidates are re-scored with the float vectors, so every score returned is exact.
//
// Lifetime of an entry: TTL from insertion; when the store is at capacity the least recently
// used entry is evicted, approximated by CLOCK (second chance): the oldest entry goes unless it
// served a hit since it was last passed over, in which case it moves to the back of the queue.
// Eviction frees the slot (in a graph: markDelete) and recycles its label: the next insert into
// that partition overwrites the slot (hnswlib 0.6.2 has no allow_replace_deleted, but
// addPoint with an existing label rewrites that slot in place). A partition whose last entry
// goes is dropped with its graph, so memory really comes back.
//
// Thread-safety: every public method is safe from any thread. Searches take a shared lock on
// the partition map (briefly) and on their own partition; inserts and evictions serialise on a
// writer mutex and take the partitions they touch exclusively. No lock is held across I/O or
// an embedding.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "config/defaults.h"
#include "core/stored_answer.h"

namespace isartor {

class InnerProductSpaceDispatched;
class Int8InnerProductSpace;

// What a hit returns: the cached answer and the text that was embedded for it (the lexical
// guard compares it with the new prompt).
struct SemanticEntry {
  std::string text;
  std::shared_ptr<const StoredAnswer> answer;
  std::chrono::steady_clock::time_point expires;
  // Set by SemanticIndex::MarkUsed when the entry answered a request; capacity eviction gives
  // such an entry a second chance (CLOCK) before evicting it.
  mutable std::atomic<bool> used{false};
};

struct SemanticMatch {
  std::shared_ptr<const SemanticEntry> entry;
  float score = 0;  // cosine similarity in [-1, 1]
  std::vector<float> vector;  // a copy of the entry's stored unit vector (the verifier's input)
};

class SemanticIndex {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  struct Options {
    int dimension = 384;
    std::size_t max_entries = defaults::kCacheMaxCapacity;  // over all partitions; >= 1
    std::chrono::seconds ttl{defaults::kCacheTtlSecs};
    std::size_t hnsw_m = 16;             // graph degree
    std::size_t ef_construction = 100;
    std::size_t ef_search = defaults::kSemanticEfSearch;  // ISARTOR__SEMANTIC_EF_SEARCH
    // How many nearest candidates a graph search hands back (by int8 distance) to be re-scored
    // exactly with the float vectors; a search returns the best `k` of them.
    std::size_t graph_candidates = 8;
    // A partition is searched exactly (flat scan) up to this many slots, then becomes an HNSW
    // graph: hnswlib 0.6.2 costs ~2.6 MB per graph before its first point.
    std::size_t flat_max_slots = 512;
    std::size_t initial_slots = 1024;    // a graph's first size; it grows by doubling
  };
  struct Stats {
    uint64_t evicted = 0;   // removed because the store was full
    uint64_t expired = 0;   // removed because their TTL passed
  };

  // `clock` defaults to steady_clock::now; tests inject their own.
  explicit SemanticIndex(Options options, Clock clock = nullptr);
  ~SemanticIndex();
  SemanticIndex(const SemanticIndex&) = delete;
  SemanticIndex& operator=(const SemanticIndex&) = delete;

  // Up to `k` live entries of `partition` with score >= `min_score`, best first. Empty when the
  // partition does not exist. `vector` must have dimension() floats and unit norm (otherwise
  // scores are not cosines; nothing breaks). Expired entries are never returned.
  // Errors: kInvalidArgument on a wrong dimension; kInternal if hnswlib throws.
  Result<std::vector<SemanticMatch>> Search(const std::string& partition,
                                            std::span<const float> vector, std::size_t k,
                                            float min_score) const;

  // Inserts an entry; first removes expired entries and, at capacity, the oldest ones.
  // If the partition already holds an entry with exactly the same `text`, that entry is
  // replaced instead of duplicated. Returns how many entries were evicted to make room (expired
  // ones are not counted). Errors: kInvalidArgument on a wrong dimension or a null answer;
  // kInternal if hnswlib throws (out of memory); the new entry is not stored then.
  Result<std::size_t> Insert(const std::string& partition, std::span<const float> vector, std::string text,
                std::shared_ptr<const StoredAnswer> answer);

  // Records that `entry` answered a request (it survives the next capacity eviction pass).
  static void MarkUsed(const SemanticEntry& entry) {
    entry.used.store(true, std::memory_order_relaxed);
  }

  // Removes expired entries now (Insert also does it). Returns how many were removed.
  std::size_t Sweep();

  std::size_t size() const { return entries_.load(std::memory_order_relaxed); }
  std::size_t partitions() const;
  // Bytes held by the HNSW graphs (allocated slots, incl. free ones) and the entries' texts
  // and answers. An estimate for the gauge and the memory benchmark.
  std::size_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  Stats stats() const;
  int dimension() const { return options_.dimension; }

 private:
  struct Partition;
  struct OrderRecord {
    std::string partition;
    std::size_t label;
    uint64_t generation;
    std::chrono::steady_clock::time_point expires;
  };

  std::shared_ptr<Partition> Find(const std::string& partition) const;
  // Removes entries from the front of order_ while `should_remove` says so. REQUIRES writer_mu_.
  std::size_t RemoveOldestLocked(const std::function<bool(const OrderRecord&)>& should_remove,
                                 std::atomic<uint64_t>& counter);
  // Evicts until the store is below capacity, CLOCK order. REQUIRES writer_mu_.
  std::size_t EvictForCapacityLocked(std::chrono::steady_clock::time_point now);
  // The live entry a record still points at, or null if it was removed or replaced since.
  // REQUIRES writer_mu_.
  std::shared_ptr<const SemanticEntry> LiveEntryLocked(const OrderRecord& record) const;
  // Removes one slot if it still holds `generation`. REQUIRES writer_mu_.
  bool RemoveSlotLocked(const OrderRecord& record);
  // Writes `vector` at `label`, promoting the partition to a graph when it outgrows the flat
  // array. REQUIRES writer_mu_ and p.mu held exclusively.
  Status PlaceLocked(Partition& p, std::size_t label, std::span<const float> vector);
  Status InsertLocked(const std::string& partition, std::span<const float> vector,
                      std::string text, std::shared_ptr<const StoredAnswer> answer);

  Options options_;
  Clock clock_;
  std::unique_ptr<InnerProductSpaceDispatched> flat_space_;  // SIMD inner product for flat scans
  mutable std::shared_mutex map_mu_;
  std::unordered_map<std::string, std::shared_ptr<Partition>> partitions_;  // map_mu_
  std::mutex writer_mu_;
  // Insertion order, except that entries given a second chance move to the back; expired ones
  // are still never served (Search checks), and they are removed when they reach the front or
  // by the next capacity pass. writer_mu_
  std::deque<OrderRecord> order_;
  uint64_t next_generation_ = 1;   // writer_mu_
  std::atomic<std::size_t> entries_{0};
  std::atomic<std::size_t> bytes_{0};
  std::atomic<uint64_t> evicted_{0};
  std::atomic<uint64_t> expired_{0};
};

}  // namespace isartor
