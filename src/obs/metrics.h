// Prometheus metrics. Every series the request path touches is pre-allocated in arrays of
// atomics, so recording never takes a lock or allocates. Render() walks them for GET /metrics.
// Per-layer series are registered by label at start (AddLayer, AddCache): the layers name
// themselves (core/layer_info.h); nothing here lists them.
// Thread-safety: registration (Add*) is for start-up, before serving, and not thread-safe;
// all Record*/Inc* methods are safe from any thread; Render() too.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace isartor {

enum class EndpointFamily : int { kOpenAI = 0, kAnthropic, kOther, kResponses, kEmbeddings, kCount };
enum class CacheOutcome : int { kHit = 0, kMiss, kStore, kBypass, kEvict, kVeto, kError, kCount };

class Histogram {
 public:
  // Upper bounds in seconds, ascending; +Inf is implicit.
  static constexpr std::array<double, 14> kBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                     0.005,  0.01,    0.025,  0.05,  0.1,
                                                     0.25,   0.5,     1.0,    5.0};
  void Observe(double seconds);
  void Render(std::string& out, const std::string& name, const std::string& labels) const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0.0};
};

class Metrics {
 public:
  // The series of one layer (requests it answered, time inside it, tokens saved, errors) and of
  // one cache (isartor_cache_events_total). Owned by Metrics; the address is stable.
  struct LayerSeries;
  struct CacheSeries;

  Metrics();
  ~Metrics();

  // The series labelled `label` (final_layer / layer_name / layer, e.g. "L1a_ExactCache"),
  // created on first use; the same label gives the same series. Start-up only.
  LayerSeries* AddLayer(const std::string& label);
  // Requests the gateway answered itself (auth, bad JSON, 413): final_layer="none".
  LayerSeries* NoLayer() const { return none_.get(); }
  // The cache series labelled `cache_layer` (e.g. "l1a"), created on first use. Start-up only.
  CacheSeries* AddCache(const std::string& cache_layer);

  // `layer` must come from AddLayer() or NoLayer() of this object.
  void RecordRequest(LayerSeries* layer, EndpointFamily family, int status, double seconds);
  void RecordLayerDuration(LayerSeries* layer, double seconds);
  void AddTokensSaved(LayerSeries* layer, uint64_t tokens);
  void RecordError(LayerSeries* layer, ErrorCode code);
  void RecordCacheEvent(CacheSeries* cache, CacheOutcome outcome);
  void RecordUpstream(double total_seconds, double ttfb_seconds);
  // L1b: time to embed a prompt (queue wait included) and to search the index.
  void RecordSemanticEmbedding(double seconds) { semantic_embedding_.Observe(seconds); }
  void RecordSemanticSearch(double seconds) { semantic_search_.Observe(seconds); }
  void InFlightDelta(int delta) { in_flight_.fetch_add(delta, std::memory_order_relaxed); }

  // Gauges read at scrape time (cache sizes). Register before serving; not thread-safe with Render.
  void AddGauge(std::string name, std::string help, std::string labels,
                std::function<double()> read);
  // Same, for a monotonically increasing value kept elsewhere (exposed as TYPE counter).
  void AddCounter(std::string name, std::string help, std::string labels,
                  std::function<double()> read);
  // Static info exposed as isartor_build_info{...} 1.
  void SetBuildInfo(std::string labels) { build_info_labels_ = std::move(labels); }

  // Totals for tests and benchmarks; 0 for a label never registered.
  uint64_t RequestCount(const std::string& label, int status) const;
  uint64_t CacheEventCount(const std::string& cache_layer, CacheOutcome outcome) const;

  std::string Render() const;

 private:
  const LayerSeries* FindLayer(const std::string& label) const;
  const CacheSeries* FindCache(const std::string& cache_layer) const;

  std::vector<std::unique_ptr<LayerSeries>> layers_;  // registration order (= render order)
  std::unique_ptr<LayerSeries> none_;                 // rendered after the layers
  std::vector<std::unique_ptr<CacheSeries>> caches_;
  Histogram upstream_duration_;
  Histogram upstream_ttfb_;
  Histogram semantic_embedding_;
  Histogram semantic_search_;
  std::atomic<int64_t> in_flight_{0};
  struct Gauge {
    std::string name, help, labels;
    std::function<double()> read;
    const char* type;  // "gauge" or "counter"
  };
  std::vector<Gauge> gauges_;
  std::string build_info_labels_;
};

}  // namespace isartor
