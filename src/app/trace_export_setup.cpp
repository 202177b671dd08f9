#include "app/trace_export_setup.h"

namespace isartor::otel {

Result<std::unique_ptr<OtlpExporter>> StartTraceExport(const Config& config, EgressGuard* guard,
                                                       boost::asio::ssl::context* tls,
                                                       Metrics* metrics) {
  auto endpoint = ParseEndpoint(config.otel_exporter_endpoint);
  if (!endpoint.ok()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "ISARTOR__OTEL_EXPORTER_ENDPOINT: " + endpoint.error().message);
  }
  ExporterOptions options;
  options.resource.service_version = ISARTOR_VERSION;
  auto exporter = std::make_unique<OtlpExporter>(
      options, std::make_unique<OtlpHttpTransport>(guard, tls, std::move(*endpoint)));
  const OtlpExporter* e = exporter.get();
  const char* help = "Trace spans by export outcome (dropped: queue full or unsent at exit; "
                     "blocked: egress guard refused the collector).";
  metrics->AddCounter("isartor_trace_spans_total", help, "outcome=\"exported\"",
                      [e] { return static_cast<double>(e->stats().exported); });
  metrics->AddCounter("isartor_trace_spans_total", help, "outcome=\"dropped\"",
                      [e] { return static_cast<double>(e->stats().dropped); });
  metrics->AddCounter("isartor_trace_spans_total", help, "outcome=\"failed\"",
                      [e] { return static_cast<double>(e->stats().failed); });
  metrics->AddCounter("isartor_trace_spans_total", help, "outcome=\"blocked\"",
                      [e] { return static_cast<double>(e->stats().blocked); });
  return exporter;
}

}  // namespace isartor::otel
