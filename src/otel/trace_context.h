// W3C Trace Context: the ids of a span and the `traceparent` header that carries them
// (version 00: "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>").
// Pure values and functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace isartor::otel {

using TraceId = std::array<uint8_t, 16>;
using SpanId = std::array<uint8_t, 8>;

inline constexpr uint8_t kSampledFlag = 0x01;

// Identifies one span: the trace it belongs to, its own id and the W3C trace flags.
struct SpanContext {
  TraceId trace_id{};
  SpanId span_id{};
  uint8_t flags = 0;

  // False for the default (all-zero) context: "no span".
  bool valid() const;
  bool sampled() const { return (flags & kSampledFlag) != 0; }
};

// Parses a `traceparent` header value. Returns nullopt for anything the W3C spec says to
// ignore: wrong lengths or separators, non-lowercase-hex, version ff, an all-zero trace or
// parent id, or a version-00 header with trailing data. A higher version is accepted when its
// first four fields are well formed (forward compatibility, as the spec asks).
std::optional<SpanContext> ParseTraceparent(std::string_view header);

// "00-<trace>-<span>-<flags>" in lowercase hex. REQUIRES: context.valid().
std::string FormatTraceparent(const SpanContext& context);

// Lowercase hex of raw id bytes, as OTLP/JSON and traceparent spell ids.
std::string IdHex(const uint8_t* bytes, std::size_t size);
inline std::string IdHex(const TraceId& id) { return IdHex(id.data(), id.size()); }
inline std::string IdHex(const SpanId& id) { return IdHex(id.data(), id.size()); }

// Fresh random ids, never all zero. Uses a per-thread generator seeded from the OS: no lock.
TraceId NewTraceId();
SpanId NewSpanId();

}  // namespace isartor::otel
