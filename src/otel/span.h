// Spans and the Tracer that starts them. A Span records a name, its parent, start/end times,
// attributes and a status; End() (or the destructor) hands the finished SpanData to a SpanSink
// (the OtlpExporter) without blocking. A span whose trace is not sampled, or started by a Tracer
// without a sink, still carries ids (so `traceparent` propagates) but records nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "otel/trace_context.h"

namespace isartor::otel {

// OTLP Span.SpanKind values.
enum class SpanKind : int { kInternal = 1, kServer = 2, kClient = 3 };
// OTLP Status.StatusCode values.
enum class StatusCode : int { kUnset = 0, kOk = 1, kError = 2 };

using AttributeValue = std::variant<std::string, int64_t, double, bool>;

struct Attribute {
  std::string key;
  AttributeValue value;
};

// A finished span as the exporter sees it. Times are Unix epoch nanoseconds.
struct SpanData {
  TraceId trace_id{};
  SpanId span_id{};
  SpanId parent_span_id{};  // all zero for a root span
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  uint64_t start_unix_nano = 0;
  uint64_t end_unix_nano = 0;
  std::vector<Attribute> attributes;
  StatusCode status = StatusCode::kUnset;
  std::string status_message;
};

// Receives finished spans. Submit() must not block (it runs on the request path) and may be
// called from any thread concurrently.
class SpanSink {
 public:
  virtual ~SpanSink() = default;
  virtual void Submit(SpanData&& span) = 0;
};

// One span being recorded. Move-only; owned by the code that started it (not thread-safe: one
// request's coroutine uses it). A default-constructed Span is "no span" (context invalid).
class Span {
 public:
  Span() = default;
  Span(Span&& other) noexcept { *this = std::move(other); }
  Span& operator=(Span&& other) noexcept;
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;
  ~Span() { End(); }

  const SpanContext& context() const { return context_; }
  // True when attributes and End() will reach a sink.
  bool recording() const { return sink_ != nullptr; }

  // No-ops when not recording. A key set twice keeps both (callers set each key once).
  // One overload per OTLP value type, so a bool or an int never converts to the wrong one.
  void SetAttribute(std::string key, std::string value) { Set(std::move(key), std::move(value)); }
  void SetAttribute(std::string key, const char* value) { Set(std::move(key), std::string(value)); }
  void SetAttribute(std::string key, bool value) { Set(std::move(key), value); }
  void SetAttribute(std::string key, int value) { Set(std::move(key), int64_t{value}); }
  void SetAttribute(std::string key, int64_t value) { Set(std::move(key), value); }
  void SetAttribute(std::string key, double value) { Set(std::move(key), value); }
  void SetStatus(StatusCode code, std::string message = {});

  // Stamps the end time and submits the span. Idempotent.
  void End();

 private:
  friend class Tracer;
  void Set(std::string key, AttributeValue value);
  SpanContext context_;
  SpanSink* sink_ = nullptr;
  SpanData data_;
};

// Starts spans. Thread-safe (stateless apart from the borrowed sink).
class Tracer {
 public:
  // `sink` is borrowed and must outlive every span; null means spans never record.
  explicit Tracer(SpanSink* sink) : sink_(sink) {}

  // The root span of an incoming request. A valid `traceparent` is continued: same trace id,
  // the client's span as parent, and its sampled flag decides whether we record (parent-based
  // sampling). Otherwise a new, sampled trace starts.
  Span StartRoot(std::string name, std::string_view traceparent,
                 SpanKind kind = SpanKind::kServer) const;
  // A child of `parent` (same trace, same flags). An invalid parent gives "no span".
  Span StartChild(std::string name, const SpanContext& parent,
                  SpanKind kind = SpanKind::kInternal) const;

 private:
  Span Start(std::string name, const SpanContext& context, const SpanId& parent,
             SpanKind kind) const;
  SpanSink* sink_;
};

// Unix epoch nanoseconds now (system clock).
uint64_t UnixNanosNow();

}  // namespace isartor::otel
