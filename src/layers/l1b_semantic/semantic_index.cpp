#include "layers/l1b_semantic/semantic_index.h"

#include <hnswlib/hnswlib.h>

#include "layers/l1b_semantic/ip_space.h"

#include <algorithm>
#include <cstdlib>
#include <exception>

namespace isartor {

struct SemanticIndex::Partition {
  struct Slot {
    std::shared_ptr<const SemanticEntry> entry;  // null = free
    uint64_t generation = 0;
  };
  mutable std::shared_mutex mu;
  // Every slot's float vector (slot-major, dimension floats per slot): small partitions are
  // searched exactly over it; in a graph partition it re-scores the graph's candidates, so a
  // reported score is always the exact cosine.
  std::vector<float> vectors;
  // Past flat_max_slots the partition also gets an HNSW graph over int8 codes of the same
  // vectors. A graph costs megabytes before its first point (hnswlib 0.6.2 allocates 65536
  // update mutexes per index), which one-session partitions cannot afford.
  std::unique_ptr<Int8InnerProductSpace> space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph;
  std::vector<Slot> slots;  // by hnswlib label
  std::vector<std::size_t> free_labels;
  std::unordered_map<std::string, std::size_t> by_text;  // live entries only
  std::size_t live = 0;

  std::size_t IndexBytes() const {
    std::size_t bytes = vectors.capacity() * sizeof(float);
    if (!graph) return bytes;
    return bytes +
           graph->max_elements_ * (graph->size_data_per_element_ + sizeof(std::mutex) + 16) +
           65536 * sizeof(std::mutex);
  }
};

namespace {

std::size_t EntryBytes(const SemanticEntry& e) {
  return sizeof(SemanticEntry) + e.text.size() + (e.answer ? e.answer->body.size() : 0);
}

}  // namespace

SemanticIndex::SemanticIndex(Options options, Clock clock)
    : options_(options), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
  options_.max_entries = std::max<std::size_t>(1, options_.max_entries);
  options_.initial_slots = std::max<std::size_t>(1, options_.initial_slots);
  flat_space_ = std::make_unique<InnerProductSpaceDispatched>(options_.dimension);
}

SemanticIndex::~SemanticIndex() = default;

std::shared_ptr<SemanticIndex::Partition> SemanticIndex::Find(const std::string& partition) const {
  std::shared_lock<std::shared_mutex> lock(map_mu_);
  auto it = partitions_.find(partition);
  return it == partitions_.end() ? nullptr : it->second;
}

std::size_t SemanticIndex::partitions() const {
  std::shared_lock<std::shared_mutex> lock(map_mu_);
  return partitions_.size();
}

SemanticIndex::Stats SemanticIndex::stats() const {
  return {evicted_.load(std::memory_order_relaxed), expired_.load(std::memory_order_relaxed)};
}

Result<std::vector<SemanticMatch>> SemanticIndex::Search(const std::string& partition,
                                                         std::span<const float> vector,
                                                         std::size_t k, float min_score) const {
  if (vector.size() != static_cast<std::size_t>(options_.dimension)) {
    return MakeError(ErrorCode::kInvalidArgument, "semantic index: wrong vector dimension");
  }
  std::vector<SemanticMatch> matches;
  std::shared_ptr<Partition> p = Find(partition);
  if (!p || k == 0) return matches;
  auto now = clock_();
  std::shared_lock<std::shared_mutex> lock(p->mu);
  if (p->live == 0) return matches;
  const std::size_t dim = options_.dimension;
  auto distance = flat_space_->get_dist_func();  // 1 - dot product
  void* param = flat_space_->get_dist_func_param();
  std::vector<std::size_t> labels;  // parallel to matches until they are sorted
  auto consider = [&](std::size_t label) {
    if (label >= p->slots.size()) return;
    const auto& entry = p->slots[label].entry;
    if (!entry || entry->expires <= now) return;
    float score = 1.0f - distance(&p->vectors[label * dim], vector.data(), param);
    if (score >= min_score) {
      matches.push_back({entry, score, {}});
      labels.push_back(label);
    }
  };
  if (!p->graph) {
    for (std::size_t label = 0; label < p->slots.size(); ++label) consider(label);
  } else {
    std::vector<char> code(dim + sizeof(float));
    QuantizeInt8(vector, code.data());
    std::priority_queue<std::pair<float, hnswlib::labeltype>> found;
    try {
      found = p->graph->searchKnn(code.data(),
                                  std::min(std::max(k, options_.graph_candidates), p->live));
    } catch (const std::exception& e) {
      return MakeError(ErrorCode::kInternal, std::string("hnswlib search: ") + e.what());
    }
    for (; !found.empty(); found.pop()) consider(found.top().second);
  }
  std::vector<std::size_t> order(matches.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return matches[a].score > matches[b].score; });
  if (order.size() > k) order.resize(k);
  // Copy the vectors of the kept matches only, still under the partition's lock.
  std::vector<SemanticMatch> best;
  best.reserve(order.size());
  for (std::size_t i : order) {
    const float* stored = &p->vectors[labels[i] * dim];
    best.push_back({std::move(matches[i].entry), matches[i].score,
                    std::vector<float>(stored, stored + dim)});
  }
  return best;
}

bool SemanticIndex::RemoveSlotLocked(const OrderRecord& record) {
  std::shared_ptr<Partition> p = Find(record.partition);
  if (!p) return false;
  bool now_empty = false;
  {
    std::unique_lock<std::shared_mutex> lock(p->mu);
    if (record.label >= p->slots.size()) return false;
    auto& slot = p->slots[record.label];
    if (!slot.entry || slot.generation != record.generation) return false;  // replaced since
    if (p->graph) {
      try {
        p->graph->markDelete(record.label);
      } catch (const std::exception&) {
        // The label is always in the graph while its slot is live; keep going regardless.
      }
    }
    p->by_text.erase(slot.entry->text);
    bytes_.fetch_sub(EntryBytes(*slot.entry), std::memory_order_relaxed);
    slot.entry.reset();
    p->free_labels.push_back(record.label);
    --p->live;
    now_empty = p->live == 0;
  }
  entries_.fetch_sub(1, std::memory_order_relaxed);
  if (now_empty) {
    // The whole graph goes: that is where an emptied partition gives its memory back.
    std::unique_lock<std::shared_mutex> lock(map_mu_);
    auto it = partitions_.find(record.partition);
    if (it != partitions_.end() && it->second == p) {
      bytes_.fetch_sub(p->IndexBytes(), std::memory_order_relaxed);
      partitions_.erase(it);
    }
  }
  return true;
}

std::size_t SemanticIndex::RemoveOldestLocked(
    const std::function<bool(const OrderRecord&)>& should_remove, std::atomic<uint64_t>& counter) {
  std::size_t removed = 0;
  while (!order_.empty() && should_remove(order_.front())) {
    OrderRecord record = std::move(order_.front());
    order_.pop_front();
    if (RemoveSlotLocked(record)) {
      ++removed;
      counter.fetch_add(1, std::memory_order_relaxed);
    }
  }
  return removed;
}

std::size_t SemanticIndex::Sweep() {
  std::lock_guard<std::mutex> lock(writer_mu_);
  auto now = clock_();
  return RemoveOldestLocked([now](const OrderRecord& r) { return r.expires <= now; }, expired_);
}

std::shared_ptr<const SemanticEntry> SemanticIndex::LiveEntryLocked(
    const OrderRecord& record) const {
  std::shared_ptr<Partition> p = Find(record.partition);
  if (!p) return nullptr;
  std::shared_lock<std::shared_mutex> lock(p->mu);
  if (record.label >= p->slots.size()) return nullptr;
  const auto& slot = p->slots[record.label];
  return slot.generation == record.generation ? slot.entry : nullptr;
}

std::size_t SemanticIndex::EvictForCapacityLocked(std::chrono::steady_clock::time_point now) {
  std::size_t evicted = 0;
  // Each record is passed over at most once per call (its flag is cleared when it is), so the
  // loop ends within two trips round the queue.
  std::size_t second_chances = 0;
  while (!order_.empty() && entries_.load(std::memory_order_relaxed) >= options_.max_entries) {
    OrderRecord record = std::move(order_.front());
    order_.pop_front();
    auto entry = LiveEntryLocked(record);
    if (!entry) continue;  // stale record: the entry was replaced or removed since
    if (entry->expires > now && second_chances < order_.size() + 1 &&
        entry->used.exchange(false, std::memory_order_relaxed)) {
      ++second_chances;
      order_.push_back(std::move(record));
      continue;
    }
    if (!RemoveSlotLocked(record)) continue;
    if (entry->expires <= now) {
      expired_.fetch_add(1, std::memory_order_relaxed);
    } else {
      ++evicted;
      evicted_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  return evicted;
}

Result<std::size_t> SemanticIndex::Insert(const std::string& partition, std::span<const float> vector,
                             std::string text, std::shared_ptr<const StoredAnswer> answer) {
  if (vector.size() != static_cast<std::size_t>(options_.dimension)) {
    return MakeError(ErrorCode::kInvalidArgument, "semantic index: wrong vector dimension");
  }
  if (!answer) return MakeError(ErrorCode::kInvalidArgument, "semantic index: null answer");
  std::lock_guard<std::mutex> lock(writer_mu_);
  auto now = clock_();
  RemoveOldestLocked([now](const OrderRecord& r) { return r.expires <= now; }, expired_);
  std::size_t evicted = EvictForCapacityLocked(now);
  Status inserted = InsertLocked(partition, vector, std::move(text), std::move(answer));
  if (!inserted.ok()) return inserted.error();
  return evicted;
}

namespace {

// hnswlib 0.6.2 prefetches one neighbour id past a full upper-layer link list while it searches
// (hnswalg.h:214; its issues #107/#578): a read of up to 4 bytes past that node's malloc'd list.
// Harmless on real hardware, but it stops every AddressSanitizer run, so each node's upper-layer
// lists get one spare id slot after its insertion. REQUIRES: the partition's exclusive lock.
void PadUpperLinkLists(hnswlib::HierarchicalNSW<float>& graph, std::size_t label) {
  auto found = graph.label_lookup_.find(label);
  if (found == graph.label_lookup_.end()) return;
  const auto id = found->second;
  const int level = graph.element_levels_[id];
  if (level <= 0 || graph.linkLists_[id] == nullptr) return;
  const std::size_t padded =
      graph.size_links_per_element_ * level + sizeof(hnswlib::tableint);
  if (void* grown = std::realloc(graph.linkLists_[id], padded)) {
    graph.linkLists_[id] = static_cast<char*>(grown);
  }  // on failure the old (unpadded) list stays valid
}

}  // namespace

Status SemanticIndex::PlaceLocked(Partition& p, std::size_t label,
                                  std::span<const float> vector) {
  const std::size_t dim = options_.dimension;
  if (p.vectors.size() < (label + 1) * dim) p.vectors.resize((label + 1) * dim);
  std::copy(vector.begin(), vector.end(), p.vectors.begin() + label * dim);
  if (!p.graph && label < options_.flat_max_slots) return Status();  // stays flat
  std::vector<char> code(dim + sizeof(float));
  if (!p.graph) {
    // Promote: build the graph from the live slots.
    try {
      p.space = std::make_unique<Int8InnerProductSpace>(dim);
      p.graph = std::make_unique<hnswlib::HierarchicalNSW<float>>(
          p.space.get(), std::max<std::size_t>(2 * label, options_.initial_slots),
          options_.hnsw_m, options_.ef_construction);
      p.graph->setEf(options_.ef_search);
      for (std::size_t l = 0; l < p.slots.size(); ++l) {
        if (!p.slots[l].entry) continue;
        QuantizeInt8({&p.vectors[l * dim], dim}, code.data());
        p.graph->addPoint(code.data(), l);
        PadUpperLinkLists(*p.graph, l);
      }
    } catch (const std::exception& e) {
      p.graph.reset();
      return MakeError(ErrorCode::kInternal, std::string("hnswlib build: ") + e.what());
    }
  }
  try {
    if (label >= p.graph->max_elements_) p.graph->resizeIndex(p.graph->max_elements_ * 2);
    // An existing label (replaced or recycled) is rewritten in place and undeleted.
    QuantizeInt8(vector, code.data());
    p.graph->addPoint(code.data(), label);
    PadUpperLinkLists(*p.graph, label);
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInternal, std::string("hnswlib insert: ") + e.what());
  }
  return Status();
}

Status SemanticIndex::InsertLocked(const std::string& partition, std::span<const float> vector,
                                   std::string text, std::shared_ptr<const StoredAnswer> answer) {
  std::shared_ptr<Partition> p = Find(partition);
  bool created = false;
  if (!p) {
    p = std::make_shared<Partition>();
    created = true;
  }
  auto expires = clock_() + options_.ttl;
  auto fresh = std::make_shared<SemanticEntry>();
  fresh->text = text;
  fresh->answer = std::move(answer);
  fresh->expires = expires;
  std::shared_ptr<const SemanticEntry> entry = std::move(fresh);
  uint64_t generation = next_generation_++;
  std::size_t label;
  bool replaced = false;
  {
    std::unique_lock<std::shared_mutex> lock(p->mu);
    std::size_t index_bytes_before = created ? 0 : p->IndexBytes();
    if (auto same = p->by_text.find(text); same != p->by_text.end()) {
      label = same->second;
      replaced = true;
    } else if (!p->free_labels.empty()) {
      label = p->free_labels.back();
    } else {
      label = p->slots.size();
    }
    Status placed = PlaceLocked(*p, label, vector);
    if (!placed.ok()) return placed;
    bytes_.fetch_add(p->IndexBytes() - index_bytes_before, std::memory_order_relaxed);
    if (!replaced && !p->free_labels.empty() && p->free_labels.back() == label) {
      p->free_labels.pop_back();
    }
    if (label >= p->slots.size()) p->slots.resize(label + 1);
    auto& slot = p->slots[label];
    if (slot.entry) bytes_.fetch_sub(EntryBytes(*slot.entry), std::memory_order_relaxed);
    bytes_.fetch_add(EntryBytes(*entry), std::memory_order_relaxed);
    slot.entry = entry;
    slot.generation = generation;
    p->by_text[text] = label;
    if (!replaced) ++p->live;
  }
  if (created) {
    std::unique_lock<std::shared_mutex> lock(map_mu_);
    partitions_[partition] = p;
  }
  if (!replaced) entries_.fetch_add(1, std::memory_order_relaxed);
  order_.push_back({partition, label, generation, expires});
  return Status();
}

}  // namespace isartor
