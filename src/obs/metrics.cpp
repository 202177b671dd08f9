#include "obs/metrics.h"

#include <cstdio>
#include <map>

namespace isartor {
namespace {

const char* kFamilyLabels[] = {"openai", "anthropic", "other", "responses", "embeddings"};
const char* kCacheLayerLabels[] = {"l1a", "l1b"};
const char* kOutcomeLabels[] = {"hit", "miss", "store", "bypass", "evict", "veto", "error"};

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

const char* FinalLayerLabel(FinalLayer layer) {
  static const char* labels[] = {"L1a_ExactCache", "L1b_SemanticCache", "L2_SLM", "L3_Cloud",
                                 "none"};
  return labels[static_cast<int>(layer)];
}

const char* FinalLayerShort(FinalLayer layer) {
  static const char* labels[] = {"l1a", "l1b", "l2", "l3", "none"};
  return labels[static_cast<int>(layer)];
}

const char* EgressPurposeLabel(EgressPurpose p) {
  static const char* labels[] = {"l3_upstream", "l2_sidecar", "telemetry", "probe"};
  return labels[static_cast<int>(p)];
}

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

Metrics::Metrics() : requests_(kLayers * kFamilies * kStatuses) {}

void Metrics::RecordRequest(FinalLayer layer, EndpointFamily family, int status,
                            double seconds) {
  if (status < 0 || status >= kStatuses) status = 0;
  int l = static_cast<int>(layer), f = static_cast<int>(family);
  requests_[(l * kFamilies + f) * kStatuses + status].fetch_add(1, std::memory_order_relaxed);
  request_duration_[l][f].Observe(seconds);
}

void Metrics::RecordLayerDuration(FinalLayer layer, double seconds) {
  layer_duration_[static_cast<int>(layer)].Observe(seconds);
}

void Metrics::AddTokensSaved(FinalLayer layer, uint64_t tokens) {
  tokens_saved_[static_cast<int>(layer)].fetch_add(tokens, std::memory_order_relaxed);
}

void Metrics::RecordError(FinalLayer layer, ErrorCode code) {
  int c = static_cast<int>(code);
  if (c < 0 || c >= kErrorCodes) return;
  errors_[static_cast<int>(layer)][c].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::RecordCacheEvent(CacheLayer layer, CacheOutcome outcome) {
  cache_events_[static_cast<int>(layer)][static_cast<int>(outcome)].fetch_add(
      1, std::memory_order_relaxed);
}

void Metrics::RecordUpstream(double total_seconds, double ttfb_seconds) {
  upstream_duration_.Observe(total_seconds);
  upstream_ttfb_.Observe(ttfb_seconds);
}

void Metrics::RecordEgressBlocked(EgressPurpose purpose) {
  egress_blocked_[static_cast<int>(purpose)].fetch_add(1, std::memory_order_relaxed);
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

uint64_t Metrics::RequestCount(FinalLayer layer, int status) const {
  uint64_t total = 0;
  for (int f = 0; f < kFamilies; ++f) {
    total += requests_[(static_cast<int>(layer) * kFamilies + f) * kStatuses + status].load();
  }
  return total;
}

uint64_t Metrics::CacheEventCount(CacheLayer layer, CacheOutcome outcome) const {
  return cache_events_[static_cast<int>(layer)][static_cast<int>(outcome)].load();
}

uint64_t Metrics::EgressBlockedCount(EgressPurpose p) const {
  return egress_blocked_[static_cast<int>(p)].load();
}

std::string Metrics::Render() const {
  std::string out;
  out.reserve(16384);
  Header(out, "isartor_requests_total", "counter", "Requests by answering layer and status.");
  for (int l = 0; l < kLayers; ++l)
    for (int f = 0; f < kFamilies; ++f)
      for (int s = 0; s < kStatuses; ++s) {
        uint64_t n = requests_[(l * kFamilies + f) * kStatuses + s].load(std::memory_order_relaxed);
        if (n == 0) continue;
        out += std::string("isartor_requests_total{final_layer=\"") +
               FinalLayerLabel(static_cast<FinalLayer>(l)) + "\",status_code=\"" +
               std::to_string(s) + "\",endpoint_family=\"" + kFamilyLabels[f] + "\"} " +
               std::to_string(n) + "\n";
      }
  Header(out, "isartor_request_duration_seconds", "histogram", "End-to-end request latency.");
  for (int l = 0; l < kLayers; ++l)
    for (int f = 0; f < kFamilies; ++f) {
      if (request_duration_[l][f].count() == 0) continue;
      request_duration_[l][f].Render(out, "isartor_request_duration_seconds",
                                     std::string("final_layer=\"") +
                                         FinalLayerLabel(static_cast<FinalLayer>(l)) +
                                         "\",endpoint_family=\"" + kFamilyLabels[f] + "\"");
    }
  Header(out, "isartor_layer_duration_seconds", "histogram", "Time spent inside each layer.");
  for (int l = 0; l < kLayers; ++l) {
    if (layer_duration_[l].count() == 0) continue;
    layer_duration_[l].Render(out, "isartor_layer_duration_seconds",
                              std::string("layer_name=\"") +
                                  FinalLayerLabel(static_cast<FinalLayer>(l)) + "\"");
  }
  Header(out, "isartor_tokens_saved_total", "counter",
         "Upstream tokens not spent because a local layer answered.");
  for (int l = 0; l < kLayers; ++l) {
    uint64_t n = tokens_saved_[l].load();
    if (n) out += std::string("isartor_tokens_saved_total{final_layer=\"") +
                  FinalLayerLabel(static_cast<FinalLayer>(l)) + "\"} " + std::to_string(n) + "\n";
  }
  Header(out, "isartor_errors_total", "counter", "Errors by layer and class.");
  for (int l = 0; l < kLayers; ++l)
    for (int c = 0; c < kErrorCodes; ++c) {
      uint64_t n = errors_[l][c].load();
      if (n) out += std::string("isartor_errors_total{layer=\"") +
                    FinalLayerLabel(static_cast<FinalLayer>(l)) + "\",error_class=\"" +
                    ErrorCodeName(static_cast<ErrorCode>(c)) + "\"} " + std::to_string(n) + "\n";
    }
  Header(out, "isartor_cache_events_total", "counter", "Cache lookups, stores and evictions.");
  for (int cl = 0; cl < static_cast<int>(CacheLayer::kCount); ++cl)
    for (int o = 0; o < static_cast<int>(CacheOutcome::kCount); ++o)
      out += std::string("isartor_cache_events_total{cache_layer=\"") + kCacheLayerLabels[cl] +
             "\",outcome=\"" + kOutcomeLabels[o] + "\"} " +
             std::to_string(cache_events_[cl][o].load()) + "\n";
  Header(out, "isartor_upstream_duration_seconds", "histogram", "L3 upstream call duration.");
  upstream_duration_.Render(out, "isartor_upstream_duration_seconds", "");
  Header(out, "isartor_upstream_ttfb_seconds", "histogram", "L3 upstream time to first byte.");
  upstream_ttfb_.Render(out, "isartor_upstream_ttfb_seconds", "");
  Header(out, "isartor_semantic_embedding_seconds", "histogram",
         "L1b: time to embed a prompt, queue wait included.");
  semantic_embedding_.Render(out, "isartor_semantic_embedding_seconds", "");
  Header(out, "isartor_semantic_search_seconds", "histogram", "L1b: nearest-neighbour search time.");
  semantic_search_.Render(out, "isartor_semantic_search_seconds", "");
  Header(out, "isartor_egress_blocked_total", "counter",
         "Outbound connections refused by the egress guard.");
  for (int p = 0; p < static_cast<int>(EgressPurpose::kCount); ++p)
    out += std::string("isartor_egress_blocked_total{purpose=\"") +
           EgressPurposeLabel(static_cast<EgressPurpose>(p)) + "\"} " +
           std::to_string(egress_blocked_[p].load()) + "\n";
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
