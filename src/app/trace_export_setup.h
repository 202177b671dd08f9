// Wiring for the app: builds the OTLP exporter for ISARTOR__OTEL_EXPORTER_ENDPOINT and exposes
// its counters as isartor_trace_spans_total{outcome="exported|dropped|failed|blocked"}.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>

#include "config/config.h"
#include "net/egress_guard.h"
#include "obs/metrics.h"
#include "otel/otlp_exporter.h"

namespace isartor::otel {

// Returns the running exporter, or an Error (kInvalidArgument) if the endpoint does not parse.
// Borrowed pointers must outlive the exporter; `metrics` gauges read the exporter, so the
// exporter must outlive the last Render() too. Call before serving (AddCounter is not
// thread-safe with Render).
Result<std::unique_ptr<OtlpExporter>> StartTraceExport(const Config& config, EgressGuard* guard,
                                                       boost::asio::ssl::context* tls,
                                                       Metrics* metrics);

}  // namespace isartor::otel
