#include "dialect/request_json.h"

#include "test_util.h"

namespace isartor::dialect {
namespace {

std::string Reject(std::string_view body) {
  auto r = ParseRequestJson(body);
  if (r.ok()) return "accepted";
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  return r.error().message;
}

TEST(ParseRequestJsonTest, ReadsAnOrdinaryRequest) {
  auto r = ParseRequestJson(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->as_object().at("model").as_string(), "m");
}

TEST(ParseRequestJsonTest, RefusesADuplicateKeyAndNamesIt) {
  EXPECT_EQ(Reject(R"({"model":"a","messages":[],"model":"b"})"),
            "duplicate key \"model\" in an object");
}

TEST(ParseRequestJsonTest, RefusesADuplicateKeyInANestedObject) {
  EXPECT_EQ(Reject(R"({"messages":[{"role":"user","content":"x","role":"assistant"}]})"),
            "duplicate key \"role\" in an object");
}

TEST(ParseRequestJsonTest, TheSameKeyInSiblingObjectsIsNoDuplicate) {
  EXPECT_TRUE(ParseRequestJson(R"({"a":{"k":1},"b":{"k":2},"c":[{"k":1},{"k":2}],"k":0})").ok());
}

TEST(ParseRequestJsonTest, KeysThatDifferOnlyByEscapingAreTheSameKey) {
  EXPECT_EQ(Reject(R"({"model":"a","mod\u0065l":"b"})"), "duplicate key \"model\" in an object");
}

TEST(ParseRequestJsonTest, DeepNestingIsAClearErrorNotARecursion) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(Reject(deep), "nested deeper than 32 levels");
  const std::string deep_objects = [] {
    std::string s;
    for (int i = 0; i < 100000; ++i) s += "{\"a\":";
    return s + "1" + std::string(100000, '}');
  }();
  EXPECT_EQ(Reject(deep_objects), "nested deeper than 32 levels");
}

TEST(ParseRequestJsonTest, NestingUpToTheLimitIsAccepted) {
  EXPECT_TRUE(ParseRequestJson(std::string(kMaxRequestJsonDepth, '[') +
                               std::string(kMaxRequestJsonDepth, ']')).ok());
}

TEST(ParseRequestJsonTest, RefusesInvalidUtf8InAString) {
  EXPECT_NE(Reject("{\"messages\":\"\xC3\x28\"}"), "accepted");
  EXPECT_NE(Reject("{\"messages\":\"\xED\xA0\x80\"}"), "accepted");  // a UTF-16 surrogate
}

TEST(ParseRequestJsonTest, RefusesANumberBeyondADouble) {
  EXPECT_EQ(Reject(R"({"temperature":1e400})"), "a number is out of range");
  EXPECT_EQ(Reject("{\"max_tokens\":" + std::string(400, '9') + "}"), "a number is out of range");
}

TEST(ParseRequestJsonTest, AHugeIntegerBecomesADoubleForTheValidatorToJudge) {
  auto r = ParseRequestJson(R"({"max_tokens":123456789012345678901234567890})");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->as_object().at("max_tokens").is_double());
}

TEST(ParseRequestJsonTest, RefusesCommentsTrailingCommasAndTrailingText) {
  EXPECT_NE(Reject("{\"a\":1 /* c */}"), "accepted");
  EXPECT_NE(Reject("{\"a\":1,}"), "accepted");
  EXPECT_NE(Reject("{\"a\":1} {}"), "accepted");
  EXPECT_NE(Reject(""), "accepted");
}

}  // namespace
}  // namespace isartor::dialect
