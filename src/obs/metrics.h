// Prometheus metrics. Every series the request path touches is pre-allocated in fixed arrays of
// atomics, so recording never takes a lock or allocates. Render() walks them for GET /metrics.
// Thread-safety: all Record*/Inc* methods are safe from any thread; Render() too.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace isartor {

// Where a request was finally answered. kNone = rejected at the edge (auth, bad JSON, 413).
enum class FinalLayer : int { kL1a = 0, kL1b, kL2, kL3, kNone, kCount };
enum class EndpointFamily : int { kOpenAI = 0, kAnthropic, kOther, kResponses, kEmbeddings, kCount };
enum class CacheLayer : int { kL1a = 0, kL1b, kCount };
enum class CacheOutcome : int { kHit = 0, kMiss, kStore, kBypass, kEvict, kVeto, kError, kCount };
enum class EgressPurpose : int { kL3Upstream = 0, kL2Sidecar, kTelemetry, kProbe, kCount };

const char* FinalLayerLabel(FinalLayer layer);     // "L1a_ExactCache", ...
const char* FinalLayerShort(FinalLayer layer);     // "l1a", ...
const char* EgressPurposeLabel(EgressPurpose p);   // "l3_upstream", ...

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
  Metrics();

  void RecordRequest(FinalLayer layer, EndpointFamily family, int status, double seconds);
  void RecordLayerDuration(FinalLayer layer, double seconds);
  void AddTokensSaved(FinalLayer layer, uint64_t tokens);
  void RecordError(FinalLayer layer, ErrorCode code);
  void RecordCacheEvent(CacheLayer layer, CacheOutcome outcome);
  void RecordUpstream(double total_seconds, double ttfb_seconds);
  // L1b: time to embed a prompt (queue wait included) and to search the index.
  void RecordSemanticEmbedding(double seconds) { semantic_embedding_.Observe(seconds); }
  void RecordSemanticSearch(double seconds) { semantic_search_.Observe(seconds); }
  void RecordEgressBlocked(EgressPurpose purpose);
  void InFlightDelta(int delta) { in_flight_.fetch_add(delta, std::memory_order_relaxed); }

  // Gauges read at scrape time (cache sizes). Register before serving; not thread-safe with Render.
  void AddGauge(std::string name, std::string help, std::string labels,
                std::function<double()> read);
  // Same, for a monotonically increasing value kept elsewhere (exposed as TYPE counter).
  void AddCounter(std::string name, std::string help, std::string labels,
                  std::function<double()> read);
  // Static info exposed as isartor_build_info{...} 1.
  void SetBuildInfo(std::string labels) { build_info_labels_ = std::move(labels); }

  uint64_t RequestCount(FinalLayer layer, int status) const;
  uint64_t CacheEventCount(CacheLayer layer, CacheOutcome outcome) const;
  uint64_t EgressBlockedCount(EgressPurpose p) const;

  std::string Render() const;

 private:
  static constexpr int kLayers = static_cast<int>(FinalLayer::kCount);
  static constexpr int kFamilies = static_cast<int>(EndpointFamily::kCount);
  static constexpr int kStatuses = 600;
  static constexpr int kErrorCodes = 11;

  std::vector<std::atomic<uint64_t>> requests_;  // [layer][family][status]
  std::array<std::array<Histogram, kFamilies>, kLayers> request_duration_;
  std::array<Histogram, kLayers> layer_duration_;
  std::array<std::atomic<uint64_t>, kLayers> tokens_saved_{};
  std::array<std::array<std::atomic<uint64_t>, kErrorCodes>, kLayers> errors_{};
  std::array<std::array<std::atomic<uint64_t>, static_cast<int>(CacheOutcome::kCount)>,
             static_cast<int>(CacheLayer::kCount)> cache_events_{};
  Histogram upstream_duration_;
  Histogram upstream_ttfb_;
  Histogram semantic_embedding_;
  Histogram semantic_search_;
  std::array<std::atomic<uint64_t>, static_cast<int>(EgressPurpose::kCount)> egress_blocked_{};
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
