// The spans of one gateway request: a server span per API request and one child span per layer
// the Chain runs, with the attributes operators filter on. RequestTracer is the observer
// (core/chain_observer.h) that makes them; the functions below are its steps, usable alone.
// All are no-ops when tracing is off (null tracer / the request not traced).
//
// Attributes. Request span: http.request.method, url.path, http.response.status_code,
// isartor.request_id, isartor.final_layer, isartor.model, isartor.stream, and token counts.
// Layer span (named by the layer's LayerInfo::metric_label): isartor.layer, isartor.hit,
// isartor.verdict, isartor.model, http.response.status_code (the layer answered), error.type
// (the layer failed), and what the layer adds itself (Layer::AddSpanAttributes: e.g.
// isartor.similarity for L1b, isartor.provider and isartor.upstream.* for L3).
#pragma once

#include <string>
#include <string_view>

#include "core/chain_observer.h"
#include "core/layer.h"
#include "core/request_context.h"
#include "otel/span.h"

namespace isartor::otel {

// Starts the request's root span, continuing the client's `traceparent` if valid, and keeps the
// tracer and the span's context in ctx.trace for the layer and step spans. `tracer` may be
// null (no tracing: ctx.trace stays null). The caller owns the returned span.
Span StartRequestSpan(const Tracer* tracer, RequestContext& ctx, std::string_view method,
                      std::string_view path, std::string_view traceparent);
// `answered_by` null: the gateway answered itself (final_layer "none").
void FinishRequestSpan(Span& span, const RequestContext& ctx, const LayerInfo* answered_by,
                       int status);

// Starts the span of `layer` under the request span and points ctx.traceparent at it, so a
// layer that calls out (L3) propagates this span as the caller.
Span StartLayerSpan(RequestContext& ctx, const Layer& layer);
void FinishLayerSpan(Span& span, const RequestContext& ctx, const Layer& layer,
                     const LayerResult& result);

// Starts a span for one step inside the running layer (e.g. L1b's embedding and index search),
// as a child of the layer's span (ctx.traceparent while the layer runs). End() it when done.
Span StartStepSpan(const RequestContext& ctx, std::string name);

// The tracing observer: a root span per API request (RequestStarted .. RequestEnded) and a
// span per layer run (LayerStarted .. LayerDecided), kept in ctx.trace.
// Thread-safe (stateless apart from the borrowed tracer).
class RequestTracer : public ChainObserver {
 public:
  // `tracer` is borrowed and must outlive the observer; null turns tracing off.
  explicit RequestTracer(const Tracer* tracer) : tracer_(tracer) {}

  void RequestStarted(RequestContext& ctx, const RequestStart& start) override;
  void LayerStarted(RequestContext& ctx, const Layer& layer) override;
  void LayerDecided(RequestContext& ctx, const LayerStep& step) override;
  void RequestEnded(const RequestContext& ctx, const RequestEnd& end) override;

 private:
  const Tracer* tracer_;
};

}  // namespace isartor::otel
