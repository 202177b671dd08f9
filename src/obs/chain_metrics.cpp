#include "obs/chain_metrics.h"

#include <string>

#include "obs/log.h"

namespace isartor {

EndpointFamily FamilyOf(dialect::Dialect d, std::string_view path) {
  if (path == "/v1/embeddings") return EndpointFamily::kEmbeddings;
  if (d == dialect::Dialect::kResponses) return EndpointFamily::kResponses;
  return d == dialect::Dialect::kOpenAI ? EndpointFamily::kOpenAI : EndpointFamily::kAnthropic;
}

void ChainMetrics::LayerRegistered(const Layer& layer) {
  const LayerInfo& info = layer.info();
  series_.emplace_back(&info, metrics_->AddLayer(info.metric_label));
  // A cache's event series exist (at zero) even while the cache is switched off.
  if (info.kind == LayerKind::kCache) (void)metrics_->AddCache(info.name);
  const Layer* l = &layer;
  metrics_->AddGauge("isartor_layer_enabled", "1 when the layer is active.",
                     "layer=\"" + info.name + "\"", [l] { return l->enabled() ? 1.0 : 0.0; });
}

Metrics::LayerSeries* ChainMetrics::SeriesFor(const LayerInfo* info) const {
  if (!info) return metrics_->NoLayer();
  for (const auto& [registered, series] : series_) {
    if (registered == info) return series;
  }
  return metrics_->NoLayer();
}

void ChainMetrics::RequestStarted(RequestContext&, const RequestStart&) {
  metrics_->InFlightDelta(1);
}

void ChainMetrics::LayerDecided(RequestContext& ctx, const LayerStep& step) {
  Metrics::LayerSeries* series = SeriesFor(&step.layer.info());
  metrics_->RecordLayerDuration(series, step.seconds);
  if (step.result.verdict != LayerVerdict::kFailed || !step.result.error) return;
  metrics_->RecordError(series, step.result.error->code);
  if (step.failure_skipped) {
    Diag(LogLevel::kWarn, "request " + ctx.request_id + ": layer " + step.layer.info().name +
                              " failed, skipped: " + step.result.error->message);
  }
}

void ChainMetrics::RequestEnded(const RequestContext& ctx, const RequestEnd& end) {
  metrics_->InFlightDelta(-1);
  metrics_->RecordRequest(SeriesFor(end.layer), FamilyOf(ctx.dialect, end.route), end.status,
                          end.seconds);
}

}  // namespace isartor
