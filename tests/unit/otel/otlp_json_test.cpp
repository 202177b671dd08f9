#include "otel/otlp_json.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace isartor::otel {
namespace {
namespace json = boost::json;

SpanData Sample() {
  SpanData s;
  s.trace_id = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
                0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36};
  s.span_id = {0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7};
  s.name = "L1b_SemanticCache";
  s.kind = SpanKind::kInternal;
  s.start_unix_nano = 1718000000000000000ull;
  s.end_unix_nano = 1718000000123456789ull;
  s.attributes = {{"isartor.layer", std::string("L1b_SemanticCache")},
                  {"http.response.status_code", int64_t{200}},
                  {"isartor.similarity", 0.93},
                  {"isartor.hit", true}};
  s.status = StatusCode::kError;
  s.status_message = "boom";
  return s;
}

TEST(OtlpJsonTest, EncodesAnExportTraceServiceRequest) {
  ResourceInfo resource;
  resource.service_version = "1.2.3";
  json::value v = json::parse(EncodeExportTraceRequest({Sample()}, resource));
  const json::object& rs = v.at("resourceSpans").at(0).as_object();
  bool has_service = false;
  for (const auto& a : rs.at("resource").at("attributes").as_array()) {
    if (a.at("key") == "service.name") {
      has_service = a.at("value").at("stringValue") == "isartor";
    }
  }
  EXPECT_TRUE(has_service);
  const json::object& ss = rs.at("scopeSpans").at(0).as_object();
  EXPECT_EQ(ss.at("scope").at("name"), "isartor");
  const json::object& span = ss.at("spans").at(0).as_object();
  EXPECT_EQ(span.at("traceId"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(span.at("spanId"), "00f067aa0ba902b7");
  EXPECT_FALSE(span.contains("parentSpanId"));  // a root span
  EXPECT_EQ(span.at("name"), "L1b_SemanticCache");
  EXPECT_EQ(span.at("kind"), 1);
  // 64-bit integers are strings in OTLP/JSON.
  EXPECT_EQ(span.at("startTimeUnixNano"), "1718000000000000000");
  EXPECT_EQ(span.at("endTimeUnixNano"), "1718000000123456789");
  const json::array& attrs = span.at("attributes").as_array();
  ASSERT_EQ(attrs.size(), 4u);
  EXPECT_EQ(attrs[0].at("value").at("stringValue"), "L1b_SemanticCache");
  EXPECT_EQ(attrs[1].at("value").at("intValue"), "200");
  EXPECT_DOUBLE_EQ(attrs[2].at("value").at("doubleValue").as_double(), 0.93);
  EXPECT_EQ(attrs[3].at("value").at("boolValue"), true);
  EXPECT_EQ(span.at("status").at("code"), 2);
  EXPECT_EQ(span.at("status").at("message"), "boom");
}

TEST(OtlpJsonTest, ChildSpanCarriesItsParentId) {
  SpanData s = Sample();
  s.parent_span_id = {1, 2, 3, 4, 5, 6, 7, 8};
  json::value v = json::parse(EncodeExportTraceRequest({s, s}, ResourceInfo{}));
  const json::array& spans = v.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").as_array();
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].at("parentSpanId"), "0102030405060708");
}

}  // namespace
}  // namespace isartor::otel
