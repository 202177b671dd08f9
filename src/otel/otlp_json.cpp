#include "otel/otlp_json.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace isartor::otel {
namespace json = boost::json;
namespace {

json::object ValueJson(const AttributeValue& value) {
  json::object v;
  if (const auto* s = std::get_if<std::string>(&value)) v["stringValue"] = *s;
  else if (const auto* i = std::get_if<int64_t>(&value)) v["intValue"] = std::to_string(*i);
  else if (const auto* d = std::get_if<double>(&value)) v["doubleValue"] = *d;
  else v["boolValue"] = std::get<bool>(value);
  return v;
}

json::array AttributesJson(const std::vector<Attribute>& attributes) {
  json::array out;
  out.reserve(attributes.size());
  for (const auto& a : attributes) {
    json::object kv;
    kv["key"] = a.key;
    kv["value"] = ValueJson(a.value);
    out.push_back(std::move(kv));
  }
  return out;
}

json::object SpanJson(const SpanData& s) {
  json::object o;
  o["traceId"] = IdHex(s.trace_id);
  o["spanId"] = IdHex(s.span_id);
  SpanContext parent{s.trace_id, s.parent_span_id, 0};
  if (parent.valid()) o["parentSpanId"] = IdHex(s.parent_span_id);
  o["name"] = s.name;
  o["kind"] = static_cast<int>(s.kind);
  o["startTimeUnixNano"] = std::to_string(s.start_unix_nano);
  o["endTimeUnixNano"] = std::to_string(s.end_unix_nano);
  o["attributes"] = AttributesJson(s.attributes);
  json::object status;
  status["code"] = static_cast<int>(s.status);
  if (!s.status_message.empty()) status["message"] = s.status_message;
  o["status"] = std::move(status);
  return o;
}

}  // namespace

std::string EncodeExportTraceRequest(const std::vector<SpanData>& spans,
                                     const ResourceInfo& resource) {
  std::vector<Attribute> resource_attributes = {
      {"service.name", resource.service_name},
      {"telemetry.sdk.name", std::string("isartor")},
      {"telemetry.sdk.language", std::string("cpp")}};
  if (!resource.service_version.empty()) {
    resource_attributes.push_back({"service.version", resource.service_version});
  }
  resource_attributes.insert(resource_attributes.end(), resource.extra.begin(),
                             resource.extra.end());
  json::array span_array;
  span_array.reserve(spans.size());
  for (const auto& s : spans) span_array.push_back(SpanJson(s));

  json::object scope;
  scope["name"] = "isartor";
  if (!resource.service_version.empty()) scope["version"] = resource.service_version;
  json::object scope_spans;
  scope_spans["scope"] = std::move(scope);
  scope_spans["spans"] = std::move(span_array);
  json::object res;
  res["attributes"] = AttributesJson(resource_attributes);
  json::object resource_spans;
  resource_spans["resource"] = std::move(res);
  resource_spans["scopeSpans"] = json::array{std::move(scope_spans)};
  json::object request;
  request["resourceSpans"] = json::array{std::move(resource_spans)};
  return json::serialize(request);
}

}  // namespace isartor::otel
