#include "layers/l3_upstream/upstream_faults.h"

#include <string>

#include "obs/metrics.h"

namespace isartor {

const char* UpstreamFaultLabel(UpstreamFault fault) {
  switch (fault) {
    case UpstreamFault::kConnection: return "connection";
    case UpstreamFault::kTimeout: return "timeout";
    case UpstreamFault::kStatus429: return "status_429";
    case UpstreamFault::kStatus5xx: return "status_5xx";
    case UpstreamFault::kInvalidAnswer: return "invalid_answer";
    case UpstreamFault::kTooLarge: return "too_large";
    case UpstreamFault::kCompressed: return "compressed";
    case UpstreamFault::kContentType: return "content_type";
    case UpstreamFault::kStreamCut: return "stream_cut";
    case UpstreamFault::kMalformedStream: return "malformed_stream";
    case UpstreamFault::kCount: break;
  }
  return "unknown";
}

void UpstreamFaultCounters::Register(Metrics* metrics) const {
  for (int i = 0; i < static_cast<int>(UpstreamFault::kCount); ++i) {
    metrics->AddCounter("isartor_upstream_faults_total",
                        "Failed L3 upstream attempts by kind (each retry counts).",
                        std::string("kind=\"") + UpstreamFaultLabel(static_cast<UpstreamFault>(i)) +
                            "\"",
                        [this, i] { return static_cast<double>(faults_[i].load()); });
  }
  metrics->AddCounter("isartor_upstream_retries_total",
                      "L3 attempts repeated on the same upstream after a retryable fault.", "",
                      [this] { return static_cast<double>(retries_.load()); });
  metrics->AddCounter("isartor_upstream_fallbacks_total",
                      "Times L3 moved on to the next fallback upstream.", "",
                      [this] { return static_cast<double>(fallbacks_.load()); });
}

}  // namespace isartor
