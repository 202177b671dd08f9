#include "otel/request_spans.h"

#include <memory>
#include <string>

namespace isartor::otel {
namespace {

// What tracing keeps in RequestContext::trace.
struct RequestTrace : ObserverState {
  const Tracer* tracer = nullptr;
  SpanContext request;  // the request span's context: the parent of the layer spans
  Span root;            // the request span, when RequestTracer started it
  Span layer;           // the running layer's span
};

RequestTrace* TraceOf(const RequestContext& ctx) {
  return dynamic_cast<RequestTrace*>(ctx.trace.get());
}

// Layer::AddSpanAttributes onto a span.
class SpanAttributeWriter : public SpanAttributes {
 public:
  explicit SpanAttributeWriter(Span& span) : span_(span) {}
  void SetString(std::string_view key, std::string_view value) override {
    span_.SetAttribute(std::string(key), std::string(value));
  }
  void SetInt(std::string_view key, int64_t value) override {
    span_.SetAttribute(std::string(key), value);
  }
  void SetDouble(std::string_view key, double value) override {
    span_.SetAttribute(std::string(key), value);
  }

 private:
  Span& span_;
};

}  // namespace

Span StartRequestSpan(const Tracer* tracer, RequestContext& ctx, std::string_view method,
                      std::string_view path, std::string_view traceparent) {
  if (!tracer) return Span();
  Span span = tracer->StartRoot(std::string(method) + " " + std::string(path), traceparent);
  auto trace = std::make_shared<RequestTrace>();
  trace->tracer = tracer;
  trace->request = span.context();
  ctx.trace = std::move(trace);
  span.SetAttribute("http.request.method", std::string(method));
  span.SetAttribute("url.path", std::string(path));
  span.SetAttribute("isartor.request_id", ctx.request_id);
  return span;
}

void FinishRequestSpan(Span& span, const RequestContext& ctx, const LayerInfo* answered_by,
                       int status) {
  if (!span.recording()) return;
  span.SetAttribute("http.response.status_code", status);
  span.SetAttribute("isartor.final_layer", answered_by ? answered_by->metric_label : "none");
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

Span StartLayerSpan(RequestContext& ctx, const Layer& layer) {
  RequestTrace* trace = TraceOf(ctx);
  if (!trace) return Span();
  Span span = trace->tracer->StartChild(layer.info().metric_label, trace->request);
  if (span.context().valid()) ctx.traceparent = FormatTraceparent(span.context());
  span.SetAttribute("isartor.layer", layer.info().metric_label);
  return span;
}

Span StartStepSpan(const RequestContext& ctx, std::string name) {
  RequestTrace* trace = TraceOf(ctx);
  if (!trace) return Span();
  auto parent = ParseTraceparent(ctx.traceparent);
  if (!parent) return Span();
  return trace->tracer->StartChild(std::move(name), *parent);
}

void FinishLayerSpan(Span& span, const RequestContext& ctx, const Layer& layer,
                     const LayerResult& result) {
  if (!span.recording()) return;
  const bool answered = result.verdict == LayerVerdict::kAnswered;
  span.SetAttribute("isartor.hit", answered);
  span.SetAttribute("isartor.verdict", answered ? "answered"
                                       : result.verdict == LayerVerdict::kPass ? "pass"
                                                                               : "failed");
  if (!ctx.resolved_model.empty()) span.SetAttribute("isartor.model", ctx.resolved_model);
  SpanAttributeWriter writer(span);
  layer.AddSpanAttributes(ctx, writer);
  if (answered) span.SetAttribute("http.response.status_code", result.status);
  if (result.verdict == LayerVerdict::kFailed && result.error) {
    span.SetAttribute("error.type", ErrorCodeName(result.error->code));
    span.SetStatus(StatusCode::kError, result.error->message);
  }
  span.End();
}

void RequestTracer::RequestStarted(RequestContext& ctx, const RequestStart& start) {
  if (!tracer_) return;
  Span root = StartRequestSpan(tracer_, ctx, start.method, start.path, start.traceparent);
  if (RequestTrace* trace = TraceOf(ctx)) trace->root = std::move(root);
}

void RequestTracer::LayerStarted(RequestContext& ctx, const Layer& layer) {
  if (RequestTrace* trace = TraceOf(ctx)) trace->layer = StartLayerSpan(ctx, layer);
}

void RequestTracer::LayerDecided(RequestContext& ctx, const LayerStep& step) {
  if (RequestTrace* trace = TraceOf(ctx)) {
    FinishLayerSpan(trace->layer, ctx, step.layer, step.result);
  }
}

void RequestTracer::RequestEnded(const RequestContext& ctx, const RequestEnd& end) {
  if (RequestTrace* trace = TraceOf(ctx)) {
    FinishRequestSpan(trace->root, ctx, end.layer, end.status);
  }
}

}  // namespace isartor::otel
