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

}  // namespace
}  // namespace isartor::dialect
