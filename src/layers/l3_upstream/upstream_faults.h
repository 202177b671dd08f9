// What went wrong with one upstream attempt, counted per kind for /metrics
// (isartor_upstream_faults_total{kind}) together with the retries and fallbacks they caused.
// The policy that reacts to them lives in upstream_layer.cpp; docs/hardening.md tabulates it.
// Thread-safe: counting is relaxed atomics; Register() before serving.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace isartor {

class Metrics;

enum class UpstreamFault : int {
  kConnection = 0,   // refused, reset or closed (before the status line or mid-body)
  kTimeout,          // no first byte, an idle gap, or the total deadline
  kStatus429,        // 429 Too Many Requests
  kStatus5xx,        // 500, 502, 503, 504, ...
  kInvalidAnswer,    // a 2xx answer that is not a JSON document
  kTooLarge,         // over ISARTOR__L3_MAX_RESPONSE_BYTES
  kCompressed,       // Content-Encoding other than identity (we never ask for one)
  kContentType,      // a 2xx answer that is neither JSON nor an event stream
  kStreamCut,        // a stream that ended before its terminal event
  kMalformedStream,  // an event stream that does not parse or whose events are not JSON
  kCount,
};

const char* UpstreamFaultLabel(UpstreamFault fault);  // "connection", "timeout", ...

class UpstreamFaultCounters {
 public:
  void Count(UpstreamFault f) { faults_[static_cast<int>(f)].fetch_add(1, std::memory_order_relaxed); }
  void CountRetry() { retries_.fetch_add(1, std::memory_order_relaxed); }
  void CountFallback() { fallbacks_.fetch_add(1, std::memory_order_relaxed); }
  // Adds the three series to `metrics`; `this` must outlive it.
  void Register(Metrics* metrics) const;

 private:
  std::array<std::atomic<uint64_t>, static_cast<int>(UpstreamFault::kCount)> faults_{};
  std::atomic<uint64_t> retries_{0};
  std::atomic<uint64_t> fallbacks_{0};
};

}  // namespace isartor
