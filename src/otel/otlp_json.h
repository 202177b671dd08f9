// OTLP/JSON encoding of spans (the body of POST /v1/traces, ExportTraceServiceRequest):
// {"resourceSpans":[{"resource":{...},"scopeSpans":[{"scope":{...},"spans":[...]}]}]}
// with ids in lowercase hex, 64-bit integers (times, intValue) as decimal strings and enums
// as numbers, as the OTLP specification's JSON Protobuf encoding requires.
#pragma once

#include <string>
#include <vector>

#include "otel/span.h"

namespace isartor::otel {

struct ResourceInfo {
  std::string service_name = "isartor";
  std::string service_version;
  std::vector<Attribute> extra;  // more resource attributes (e.g. deployment.environment)
};

// Serializes `spans` as one ExportTraceServiceRequest under one resource and one scope
// ("isartor"). Never fails; thread-safe.
std::string EncodeExportTraceRequest(const std::vector<SpanData>& spans,
                                     const ResourceInfo& resource);

}  // namespace isartor::otel
