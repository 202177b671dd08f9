#include "otel/span.h"

#include <chrono>

namespace isartor::otel {

Span& Span::operator=(Span&& other) noexcept {
  if (this != &other) {
    End();
    context_ = other.context_;
    sink_ = std::exchange(other.sink_, nullptr);
    data_ = std::move(other.data_);
  }
  return *this;
}

void Span::Set(std::string key, AttributeValue value) {
  if (!sink_) return;
  data_.attributes.push_back({std::move(key), std::move(value)});
}

void Span::SetStatus(StatusCode code, std::string message) {
  if (!sink_) return;
  data_.status = code;
  data_.status_message = std::move(message);
}

void Span::End() {
  if (!sink_) return;
  data_.end_unix_nano = UnixNanosNow();
  std::exchange(sink_, nullptr)->Submit(std::move(data_));
}

Span Tracer::StartRoot(std::string name, std::string_view traceparent, SpanKind kind) const {
  SpanContext ctx;
  SpanId parent{};
  if (auto client = ParseTraceparent(traceparent)) {
    ctx.trace_id = client->trace_id;
    ctx.flags = client->flags;
    parent = client->span_id;
  } else {
    ctx.trace_id = NewTraceId();
    ctx.flags = kSampledFlag;
  }
  ctx.span_id = NewSpanId();
  return Start(std::move(name), ctx, parent, kind);
}

Span Tracer::StartChild(std::string name, const SpanContext& parent, SpanKind kind) const {
  if (!parent.valid()) return Span();
  SpanContext ctx{parent.trace_id, NewSpanId(), parent.flags};
  return Start(std::move(name), ctx, parent.span_id, kind);
}

Span Tracer::Start(std::string name, const SpanContext& ctx, const SpanId& parent,
                   SpanKind kind) const {
  Span span;
  span.context_ = ctx;
  if (!sink_ || !ctx.sampled()) return span;
  span.sink_ = sink_;
  span.data_.trace_id = ctx.trace_id;
  span.data_.span_id = ctx.span_id;
  span.data_.parent_span_id = parent;
  span.data_.name = std::move(name);
  span.data_.kind = kind;
  span.data_.start_unix_nano = UnixNanosNow();
  return span;
}

uint64_t UnixNanosNow() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace isartor::otel
