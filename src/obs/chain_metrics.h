// The metrics observer: turns what the chain and the edge report (core/chain_observer.h) into
// the per-layer series of obs/metrics.h — requests by answering layer, time inside each layer,
// errors by layer, in-flight requests, isartor_layer_enabled — and logs a layer failure the
// chain skipped. Each layer's labels come from its LayerInfo (metric_label, name).
// Thread-safe like ChainObserver; LayerRegistered only at start.
#pragma once

#include <string_view>
#include <utility>
#include <vector>

#include "core/chain_observer.h"
#include "dialect/dialect.h"
#include "obs/metrics.h"

namespace isartor {

// The endpoint_family label of a request on `path` in `dialect`.
EndpointFamily FamilyOf(dialect::Dialect dialect, std::string_view path);

class ChainMetrics : public ChainObserver {
 public:
  // `metrics` is borrowed and must outlive the observer.
  explicit ChainMetrics(Metrics* metrics) : metrics_(metrics) {}

  void LayerRegistered(const Layer& layer) override;
  void RequestStarted(RequestContext& ctx, const RequestStart& start) override;
  void LayerDecided(RequestContext& ctx, const LayerStep& step) override;
  void RequestEnded(const RequestContext& ctx, const RequestEnd& end) override;

 private:
  // The series of a registered layer; NoLayer() for null (or, defensively, an unknown layer).
  Metrics::LayerSeries* SeriesFor(const LayerInfo* info) const;

  Metrics* metrics_;
  std::vector<std::pair<const LayerInfo*, Metrics::LayerSeries*>> series_;  // a handful
};

}  // namespace isartor
