// L1a: answers a request byte-for-byte equivalent (after canonicalisation) to one answered
// before, for the same tenant and session. Key = SHA-256 of dialect, tenant, session and the
// canonical request (see dialect/canonical.h for what is included).
#pragma once

#include <memory>
#include <string>

#include "core/layer.h"
#include "layers/l1a_exact/exact_cache.h"
#include "obs/metrics.h"

namespace isartor {

class ExactCacheLayer : public Layer {
 public:
  // `metrics` is borrowed and must outlive the layer; the layer registers its series and its
  // size gauges there. `enabled` false leaves the slot in the chain but inactive.
  ExactCacheLayer(ExactCache::Options options, bool enabled, Metrics* metrics,
                  ExactCache::Clock clock = nullptr);

  // "l1a", "L1a_ExactCache", "L1a Exact Cache": a cache that deflects.
  static const LayerInfo& Info();
  const LayerInfo& info() const override { return Info(); }
  std::string State() const override;
  bool enabled() const override { return enabled_; }
  boost::asio::awaitable<LayerResult> Handle(RequestContext& ctx, ResponseSink& sink) override;
  void OnAnswer(const RequestContext& ctx, std::shared_ptr<const StoredAnswer> answer) override;

  // The cache key of a request (exposed for tests).
  static std::string KeyFor(const RequestContext& ctx);
  const ExactCache& cache() const { return cache_; }

 private:
  ExactCache cache_;
  bool enabled_;
  Metrics* metrics_;
  Metrics::LayerSeries* series_;
  Metrics::CacheSeries* cache_series_;
};

}  // namespace isartor
