#include "obs/metrics.h"

#include <cstdio>
#include <map>

namespace isartor {
namespace {

const char* kFamilyLabels[] = {"openai", "anthropic", "other", "responses", "embeddings"};
const char* kOutcomeLabels[] = {"hit", "miss", "store", "bypass", "evict", "veto", "error"};
constexpr int kFamilies = static_cast<int>(EndpointFamily::kCount);
constexpr int kStatuses = 600;
constexpr int kErrorCodes = 11;
constexpr int kOutcomes = static_cast<int>(CacheOutcome::kCount);

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void Header(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += " ";
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += " ";
  out += type;
  out += "\n";
}

}  // namespace

struct Metrics::LayerSeries {
  explicit LayerSeries(std::string l) : label(std::move(l)), requests(kFamilies * kStatuses) {}
  std::string label;
  std::vector<std::atomic<uint64_t>> requests;  // [family][status]
  std::array<Histogram, kFamilies> request_duration;
  Histogram layer_duration;
  std::atomic<uint64_t> tokens_saved{0};
  std::array<std::atomic<uint64_t>, kErrorCodes> errors{};
};

struct Metrics::CacheSeries {
  explicit CacheSeries(std::string l) : label(std::move(l)) {}
  std::string label;
  std::array<std::atomic<uint64_t>, kOutcomes> events{};
};

void Histogram::Observe(double seconds) {
  std::size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(seconds, std::memory_order_relaxed);
}

void Histogram::Render(std::string& out, const std::string& name,
                       const std::string& labels) const {
  uint64_t cumulative = 0;
  std::string sep = labels.empty() ? "" : ",";
  for (std::size_t i = 0; i <= kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    std::string le = i < kBounds.size() ? Num(kBounds[i]) : "+Inf";
    out += name + "_bucket{" + labels + sep + "le=\"" + le + "\"} " + std::to_string(cumulative) +
           "\n";
  }
  std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out += name + "_sum" + braces + " " + Num(sum_.load(std::memory_order_relaxed)) + "\n";
  out += name + "_count" + braces + " " + std::to_string(cumulative) + "\n";
}

Metrics::Metrics() : none_(std::make_unique<LayerSeries>("none")) {}
Metrics::~Metrics() = default;

Metrics::LayerSeries* Metrics::AddLayer(const std::string& label) {
  for (auto& l : layers_) {
    if (l->label == label) return l.get();
  }
  layers_.push_back(std::make_unique<LayerSeries>(label));
  return layers_.back().get();
}

Metrics::CacheSeries* Metrics::AddCache(const std::string& cache_layer) {
  for (auto& c : caches_) {
    if (c->label == cache_layer) return c.get();
  }
  caches_.push_back(std::make_unique<CacheSeries>(cache_layer));
  return caches_.back().get();
}

const Metrics::LayerSeries* Metrics::FindLayer(const std::string& label) const {
  if (label == none_->label) return none_.get();
  for (const auto& l : layers_) {
    if (l->label == label) return l.get();
  }
  return nullptr;
}

const Metrics::CacheSeries* Metrics::FindCache(const std::string& cache_layer) const {
  for (const auto& c : caches_) {
    if (c->label == cache_layer) return c.get();
  }
  return nullptr;
}

void Metrics::RecordRequest(LayerSeries* layer, EndpointFamily family, int status,
                            double seconds) {
  if (status < 0 || status >= kStatuses) status = 0;
  int f = static_cast<int>(family);
  layer->requests[f * kStatuses + status].fetch_add(1, std::memory_order_relaxed);
  layer->request_duration[f].Observe(seconds);
}

void Metrics::RecordLayerDuration(LayerSeries* layer, double seconds) {
  layer->layer_duration.Observe(seconds);
}

void Metrics::AddTokensSaved(LayerSeries* layer, uint64_t tokens) {
  layer->tokens_saved.fetch_add(tokens, std::memory_order_relaxed);
}

void Metrics::RecordError(LayerSeries* layer, ErrorCode code) {
  int c = static_cast<int>(code);
  if (c < 0 || c >= kErrorCodes) return;
  layer->errors[c].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::RecordCacheEvent(CacheSeries* cache, CacheOutcome outcome) {
  cache->events[static_cast<int>(outcome)].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::RecordUpstream(double total_seconds, double ttfb_seconds) {
  upstream_duration_.Observe(total_seconds);
  upstream_ttfb_.Observe(ttfb_seconds);
}

void Metrics::AddGauge(std::string name, std::string help, std::string labels,
                       std::function<double()> read) {
  gauges_.push_back(
      {std::move(name), std::move(help), std::move(labels), std::move(read), "gauge"});
}

void Metrics::AddCounter(std::string name, std::string help, std::string labels,
                         std::function<double()> read) {
  gauges_.push_back(
      {std::move(name), std::move(help), std::move(labels), std::move(read), "counter"});
}

uint64_t Metrics::RequestCount(const std::string& label, int status) const {
  const LayerSeries* layer = FindLayer(label);
  if (!layer || status < 0 || status >= kStatuses) return 0;
  uint64_t total = 0;
  for (int f = 0; f < kFamilies; ++f) total += layer->requests[f * kStatuses + status].load();
  return total;
}

uint64_t Metrics::CacheEventCount(const std::string& cache_layer, CacheOutcome outcome) const {
  const CacheSeries* cache = FindCache(cache_layer);
  return cache ? cache->events[static_cast<int>(outcome)].load() : 0;
}

std::string Metrics::Render() const {
  std::string out;
  out.reserve(16384);
  std::vector<const LayerSeries*> layers;
  for (const auto& l : layers_) layers.push_back(l.get());
  layers.push_back(none_.get());
  Header(out, "isartor_requests_total", "counter", "Requests by answering layer and status.");
  for (const LayerSeries* l : layers)
    for (int f = 0; f < kFamilies; ++f)
      for (int s = 0; s < kStatuses; ++s) {
        uint64_t n = l->requests[f * kStatuses + s].load(std::memory_order_relaxed);
        if (n == 0) continue;
        out += "isartor_requests_total{final_layer=\"" + l->label + "\",status_code=\"" +
               std::to_string(s) + "\",endpoint_family=\"" + kFamilyLabels[f] + "\"} " +
               std::to_string(n) + "\n";
      }
  Header(out, "isartor_request_duration_seconds", "histogram", "End-to-end request latency.");
  for (const LayerSeries* l : layers)
    for (int f = 0; f < kFamilies; ++f) {
      if (l->request_duration[f].count() == 0) continue;
      l->request_duration[f].Render(out, "isartor_request_duration_seconds",
                                    "final_layer=\"" + l->label + "\",endpoint_family=\"" +
                                        kFamilyLabels[f] + "\"");
    }
  Header(out, "isartor_layer_duration_seconds", "histogram", "Time spent inside each layer.");
  for (const LayerSeries* l : layers) {
    if (l->layer_duration.count() == 0) continue;
    l->layer_duration.Render(out, "isartor_layer_duration_seconds",
                             "layer_name=\"" + l->label + "\"");
  }
  Header(out, "isartor_tokens_saved_total", "counter",
         "Upstream tokens not spent because a local layer answered.");
  for (const LayerSeries* l : layers) {
    uint64_t n = l->tokens_saved.load();
    if (n) out += "isartor_tokens_saved_total{final_layer=\"" + l->label + "\"} " +
                  std::to_string(n) + "\n";
  }
  Header(out, "isartor_errors_total", "counter", "Errors by layer and class.");
  for (const LayerSeries* l : layers)
    for (int c = 0; c < kErrorCodes; ++c) {
      uint64_t n = l->errors[c].load();
      if (n) out += "isartor_errors_total{layer=\"" + l->label + "\",error_class=\"" +
                    ErrorCodeName(static_cast<ErrorCode>(c)) + "\"} " + std::to_string(n) + "\n";
    }
  Header(out, "isartor_cache_events_total", "counter", "Cache lookups, stores and evictions.");
  for (const auto& cache : caches_)
    for (int o = 0; o < kOutcomes; ++o)
      out += "isartor_cache_events_total{cache_layer=\"" + cache->label + "\",outcome=\"" +
             kOutcomeLabels[o] + "\"} " + std::to_string(cache->events[o].load()) + "\n";
  Header(out, "isartor_upstream_duration_seconds", "histogram", "L3 upstream call duration.");
  upstream_duration_.Render(out, "isartor_upstream_duration_seconds", "");
  Header(out, "isartor_upstream_ttfb_seconds", "histogram", "L3 upstream time to first byte.");
  upstream_ttfb_.Render(out, "isartor_upstream_ttfb_seconds", "");
  Header(out, "isartor_semantic_embedding_seconds", "histogram",
         "L1b: time to embed a prompt, queue wait included.");
  semantic_embedding_.Render(out, "isartor_semantic_embedding_seconds", "");
  Header(out, "isartor_semantic_search_seconds", "histogram", "L1b: nearest-neighbour search time.");
  semantic_search_.Render(out, "isartor_semantic_search_seconds", "");
  Header(out, "isartor_in_flight_requests", "gauge", "Requests being served now.");
  out += "isartor_in_flight_requests " + std::to_string(in_flight_.load()) + "\n";
  // Series of one name must be contiguous under one HELP/TYPE, whatever the registration order.
  std::map<std::string, std::vector<const Gauge*>> by_name;
  for (const auto& g : gauges_) by_name[g.name].push_back(&g);
  for (const auto& [name, series] : by_name) {
    Header(out, name.c_str(), series.front()->type, series.front()->help.c_str());
    for (const Gauge* g : series) {
      out += name + (g->labels.empty() ? "" : "{" + g->labels + "}") + " " + Num(g->read()) + "\n";
    }
  }
  if (!build_info_labels_.empty()) {
    Header(out, "isartor_build_info", "gauge", "Build and runtime facts.");
    out += "isartor_build_info{" + build_info_labels_ + "} 1\n";
  }
  return out;
}

}  // namespace isartor
