#include "otel/request_spans.h"

#include <cstdlib>
#include <string>

namespace isartor::otel {

Span StartRequestSpan(const Tracer* tracer, RequestContext& ctx, std::string_view method,
                      std::string_view path, std::string_view traceparent) {
  if (!tracer) return Span();
  Span span = tracer->StartRoot(std::string(method) + " " + std::string(path), traceparent);
  ctx.tracer = tracer;
  ctx.span = span.context();
  span.SetAttribute("http.request.method", std::string(method));
  span.SetAttribute("url.path", std::string(path));
  span.SetAttribute("isartor.request_id", ctx.request_id);
  return span;
}

void FinishRequestSpan(Span& span, const RequestContext& ctx, FinalLayer answered_by,
                       int status) {
  if (!span.recording()) return;
  span.SetAttribute("http.response.status_code", status);
  span.SetAttribute("isartor.final_layer", FinalLayerLabel(answered_by));
  if (!ctx.resolved_model.empty()) span.SetAttribute("isartor.model", ctx.resolved_model);
  span.SetAttribute("isartor.stream", ctx.stream);
  if (ctx.prompt_tokens || ctx.completion_tokens) {
    span.SetAttribute("isartor.prompt_tokens", ctx.prompt_tokens);
    span.SetAttribute("isartor.completion_tokens", ctx.completion_tokens);
  }
  // OTel HTTP conventions: a server span is an error only for 5xx (4xx is the client's).
  if (status >= 500) span.SetStatus(StatusCode::kError, "HTTP " + std::to_string(status));
  span.End();
}

Span StartLayerSpan(RequestContext& ctx, FinalLayer layer) {
  if (!ctx.tracer) return Span();
  Span span = ctx.tracer->StartChild(FinalLayerLabel(layer), ctx.span);
  if (span.context().valid()) ctx.traceparent = FormatTraceparent(span.context());
  span.SetAttribute("isartor.layer", FinalLayerLabel(layer));
  return span;
}

Span StartStepSpan(const RequestContext& ctx, std::string name) {
  if (!ctx.tracer) return Span();
  auto parent = ParseTraceparent(ctx.traceparent);
  if (!parent) return Span();
  return ctx.tracer->StartChild(std::move(name), *parent);
}

void FinishLayerSpan(Span& span, const RequestContext& ctx, FinalLayer layer,
                     const LayerResult& result) {
  if (!span.recording()) return;
  const bool answered = result.verdict == LayerVerdict::kAnswered;
  span.SetAttribute("isartor.hit", answered);
  span.SetAttribute("isartor.verdict", answered ? "answered"
                                       : result.verdict == LayerVerdict::kPass ? "pass"
                                                                               : "failed");
  if (!ctx.resolved_model.empty()) span.SetAttribute("isartor.model", ctx.resolved_model);
  if (layer == FinalLayer::kL1b && !ctx.similarity.empty()) {
    span.SetAttribute("isartor.similarity", std::strtod(ctx.similarity.c_str(), nullptr));
  }
  if (layer == FinalLayer::kL3) {
    if (!ctx.upstream_provider.empty()) span.SetAttribute("isartor.provider", ctx.upstream_provider);
    if (ctx.upstream_status) {
      span.SetAttribute("isartor.upstream.status_code", ctx.upstream_status);
      span.SetAttribute("isartor.upstream.ttfb_ms", ctx.upstream_ttfb_ms);
    }
  }
  if (answered) span.SetAttribute("http.response.status_code", result.status);
  if (result.verdict == LayerVerdict::kFailed && result.error) {
    span.SetAttribute("error.type", ErrorCodeName(result.error->code));
    span.SetStatus(StatusCode::kError, result.error->message);
  }
  span.End();
}

}  // namespace isartor::otel
