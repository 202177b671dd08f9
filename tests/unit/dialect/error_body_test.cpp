#include "dialect/error_body.h"

#include "test_util.h"

namespace isartor::dialect {
namespace {

using testing::Obj;

TEST(ErrorBodyTest, OpenAIShape) {
  auto o = Obj(ErrorBody(Dialect::kOpenAI, "invalid_request_error", "bad \"x\""));
  EXPECT_EQ(o.at("error").at("message").as_string(), "bad \"x\"");
  EXPECT_EQ(o.at("error").at("type").as_string(), "invalid_request_error");
  EXPECT_EQ(o.at("error").at("code").as_string(), "invalid_request_error");
  EXPECT_TRUE(o.at("error").at("param").is_null());
}

TEST(ErrorBodyTest, AnthropicShape) {
  auto o = Obj(ErrorBody(Dialect::kAnthropic, "overloaded_error", "busy"));
  EXPECT_EQ(o.at("type").as_string(), "error");
  EXPECT_EQ(o.at("error").at("type").as_string(), "overloaded_error");
  EXPECT_EQ(o.at("error").at("message").as_string(), "busy");
}

TEST(ErrorTypeTest, MapsGatewayCodesPerDialect) {
  EXPECT_EQ(ErrorType(Dialect::kOpenAI, ErrorCode::kInvalidArgument), "invalid_request_error");
  EXPECT_EQ(ErrorType(Dialect::kAnthropic, ErrorCode::kUnauthenticated), "authentication_error");
  EXPECT_EQ(ErrorType(Dialect::kAnthropic, ErrorCode::kPayloadTooLarge), "request_too_large");
  EXPECT_EQ(ErrorType(Dialect::kOpenAI, ErrorCode::kUnavailable), "server_error");
  EXPECT_EQ(ErrorType(Dialect::kAnthropic, ErrorCode::kDeadlineExceeded), "api_error");
}

TEST(TranslateErrorBodyTest, AnthropicOverloadedBecomesOpenAIServerError) {
  auto o = Obj(TranslateErrorBody(
      Dialect::kAnthropic, Dialect::kOpenAI,
      R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"));
  EXPECT_EQ(o.at("error").at("type").as_string(), "server_error");
  EXPECT_EQ(o.at("error").at("message").as_string(), "Overloaded");
}

TEST(TranslateErrorBodyTest, OpenAIRateLimitBecomesAnthropicRateLimitError) {
  auto o = Obj(TranslateErrorBody(
      Dialect::kOpenAI, Dialect::kAnthropic,
      R"({"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}})"));
  EXPECT_EQ(o.at("error").at("type").as_string(), "rate_limit_error");
  EXPECT_EQ(o.at("error").at("message").as_string(), "slow down");
}

TEST(TranslateErrorBodyTest, InvalidRequestKeepsItsType) {
  auto o = Obj(TranslateErrorBody(Dialect::kOpenAI, Dialect::kAnthropic,
                                  R"({"error":{"message":"m","type":"invalid_request_error"}})"));
  EXPECT_EQ(o.at("error").at("type").as_string(), "invalid_request_error");
}

TEST(TranslateErrorBodyTest, UnparseableBodyIsWrapped) {
  auto o = Obj(TranslateErrorBody(Dialect::kOpenAI, Dialect::kAnthropic,
                                  "<html>502 Bad Gateway</html>"));
  EXPECT_EQ(o.at("error").at("type").as_string(), "api_error");
  EXPECT_EQ(o.at("error").at("message").as_string(), "<html>502 Bad Gateway</html>");
}

TEST(TranslateErrorBodyTest, HugeBodyIsTruncatedWhenWrapped) {
  std::string huge(100000, 'x');
  auto o = Obj(TranslateErrorBody(Dialect::kAnthropic, Dialect::kOpenAI, huge));
  EXPECT_LT(o.at("error").at("message").as_string().size(), 2100u);
}

TEST(TranslateErrorBodyTest, ToleratesStringErrorsAndTopLevelMessages) {
  auto a = Obj(TranslateErrorBody(Dialect::kOpenAI, Dialect::kAnthropic,
                                  R"({"error":"model not found"})"));
  EXPECT_EQ(a.at("error").at("message").as_string(), "model not found");
  auto b = Obj(TranslateErrorBody(Dialect::kOpenAI, Dialect::kOpenAI,
                                  R"({"message":"oops","object":"error"})"));
  EXPECT_EQ(b.at("error").at("message").as_string(), "oops");
}

TEST(ErrorTypeForStatusTest, AnthropicHasOneTypePerStatus) {
  const std::pair<int, std::string_view> expected[] = {
      {400, "invalid_request_error"}, {401, "authentication_error"}, {403, "permission_error"},
      {404, "not_found_error"},       {413, "request_too_large"},    {429, "rate_limit_error"},
      {500, "api_error"},             {529, "overloaded_error"},     {422, "invalid_request_error"},
      {502, "api_error"}};
  for (auto [status, type] : expected) {
    EXPECT_EQ(ErrorTypeForStatus(Dialect::kAnthropic, status), type) << status;
  }
}

TEST(ErrorTypeForStatusTest, OpenAIUsesItsOwnTypes) {
  EXPECT_EQ(ErrorTypeForStatus(Dialect::kOpenAI, 400), "invalid_request_error");
  EXPECT_EQ(ErrorTypeForStatus(Dialect::kOpenAI, 401), "authentication_error");
  EXPECT_EQ(ErrorTypeForStatus(Dialect::kOpenAI, 403), "permission_error");
  EXPECT_EQ(ErrorTypeForStatus(Dialect::kOpenAI, 404), "invalid_request_error");
  EXPECT_EQ(ErrorTypeForStatus(Dialect::kOpenAI, 429), "rate_limit_exceeded");
  EXPECT_EQ(ErrorTypeForStatus(Dialect::kOpenAI, 500), "server_error");
  EXPECT_EQ(ErrorTypeForStatus(Dialect::kOpenAI, 529), "server_error");
}

TEST(UpstreamErrorBodyTest, AnEmptyBodyBecomesAMessageNamingTheUpstreamAndStatus) {
  auto a = Obj(UpstreamErrorBody(Dialect::kOpenAI, Dialect::kAnthropic, 400,
                                 "primary upstream (http://h:1/v1)", ""));
  EXPECT_EQ(a.at("type"), "error");
  EXPECT_EQ(a.at("error").at("type"), "invalid_request_error");
  EXPECT_EQ(a.at("error").at("message"),
            "primary upstream (http://h:1/v1) answered HTTP 400 with an empty body");
  // Same dialect: no empty pass-through either.
  auto o = Obj(UpstreamErrorBody(Dialect::kOpenAI, Dialect::kOpenAI, 401, "primary", " \n"));
  EXPECT_EQ(o.at("error").at("type"), "authentication_error");
  EXPECT_EQ(o.at("error").at("message"), "primary answered HTTP 401 with an empty body");
}

TEST(UpstreamErrorBodyTest, ANonJsonBodyIsWrappedAsJsonWithTheStatusType) {
  auto a = Obj(UpstreamErrorBody(Dialect::kAnthropic, Dialect::kAnthropic, 529, "primary",
                                 "<html>busy</html>"));
  EXPECT_EQ(a.at("error").at("type"), "overloaded_error");
  EXPECT_EQ(a.at("error").at("message"), "primary answered HTTP 529: <html>busy</html>");
  auto o = Obj(UpstreamErrorBody(Dialect::kAnthropic, Dialect::kOpenAI, 404, "primary", "nope"));
  EXPECT_EQ(o.at("error").at("type"), "invalid_request_error");
}

TEST(UpstreamErrorBodyTest, ARecognisableSameDialectErrorPassesThroughByteForByte) {
  std::string body = R"({"error": {"message": "context too long", "type": "invalid_request_error"}})";
  EXPECT_EQ(UpstreamErrorBody(Dialect::kOpenAI, Dialect::kOpenAI, 400, "primary", body), body);
}

TEST(UpstreamErrorBodyTest, AnAnthropicUpstreamErrorWithoutTheTopLevelTypeIsReshaped) {
  // OpenAI's shape from an "Anthropic" server: the Anthropic SDK needs "type": "error" on top.
  std::string body = R"({"error": {"message": "busy", "type": "overloaded_error"}})";
  auto a = Obj(UpstreamErrorBody(Dialect::kAnthropic, Dialect::kAnthropic, 529, "primary", body));
  EXPECT_EQ(a.at("type"), "error");
  EXPECT_EQ(a.at("error").at("type"), "overloaded_error");
  EXPECT_EQ(a.at("error").at("message"), "busy");
  std::string canonical = R"({"type": "error", "error": {"message": "busy", "type": "overloaded_error"}})";
  EXPECT_EQ(UpstreamErrorBody(Dialect::kAnthropic, Dialect::kAnthropic, 529, "primary", canonical),
            canonical);
}

TEST(UpstreamErrorBodyTest, ATranslatedErrorWithoutATypeTakesItFromTheStatus) {
  auto a = Obj(UpstreamErrorBody(Dialect::kOpenAI, Dialect::kAnthropic, 413, "primary",
                                 R"({"error":{"message":"too big"}})"));
  EXPECT_EQ(a.at("error").at("type"), "request_too_large");
  EXPECT_EQ(a.at("error").at("message"), "too big");
}

TEST(UpstreamErrorBodyTest, FastApiDetailCountsAsTheMessage) {
  auto a = Obj(UpstreamErrorBody(Dialect::kOpenAI, Dialect::kAnthropic, 400, "primary",
                                 R"({"detail":"Invalid request id"})"));
  EXPECT_EQ(a.at("error").at("message"), "Invalid request id");
  EXPECT_EQ(a.at("error").at("type"), "invalid_request_error");
}

}  // namespace
}  // namespace isartor::dialect
