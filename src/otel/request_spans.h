// The spans of one gateway request: a server span per API request (started by the HTTP edge)
// and one child span per layer the Chain runs, with the attributes operators filter on.
// All functions are no-ops when tracing is off (null tracer / invalid context).
//
// Attributes. Request span: http.request.method, url.path, http.response.status_code,
// isartor.request_id, isartor.final_layer, isartor.model, isartor.stream, and token counts.
// Layer span: isartor.layer, isartor.hit, isartor.verdict, isartor.model, and when known
// isartor.similarity (L1b), isartor.provider, isartor.upstream.status_code and
// isartor.upstream.ttfb_ms (L3),
// http.response.status_code (the layer answered), error.type (the layer failed).
#pragma once

#include <string_view>

#include "core/layer.h"
#include "core/request_context.h"
#include "otel/span.h"

namespace isartor::otel {

// Starts the request's root span, continuing the client's `traceparent` if valid, and records
// the tracer and the span's context in `ctx` for the Chain. `tracer` may be null (no tracing).
Span StartRequestSpan(const Tracer* tracer, RequestContext& ctx, std::string_view method,
                      std::string_view path, std::string_view traceparent);
void FinishRequestSpan(Span& span, const RequestContext& ctx, FinalLayer answered_by,
                       int status);

// Starts the span of `layer` under the request span and points ctx.traceparent at it, so a
// layer that calls out (L3) propagates this span as the caller.
Span StartLayerSpan(RequestContext& ctx, FinalLayer layer);
void FinishLayerSpan(Span& span, const RequestContext& ctx, FinalLayer layer,
                     const LayerResult& result);

// Starts a span for one step inside the running layer (e.g. L1b's embedding and index search),
// as a child of the layer's span (ctx.traceparent while the layer runs). End() it when done.
Span StartStepSpan(const RequestContext& ctx, std::string name);

}  // namespace isartor::otel
