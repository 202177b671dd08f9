#include "dialect/canonical.h"

#include "test_util.h"

namespace isartor::dialect {
namespace {

using testing::Obj;

std::string C(Dialect d, std::string_view body, std::string_view model = "resolved") {
  return CanonicalRequest(d, Obj(body), model);
}

TEST(CanonicalRequestTest, SortsKeysAndDropsWhitespace) {
  EXPECT_EQ(C(Dialect::kOpenAI, R"({ "messages" : [ {"role":"user","content":"hi"} ],
                                     "model":"x", "temperature": 0.5 })"),
            R"(openai:{"messages":[{"content":"hi","role":"user"}],"model":"resolved",)"
            R"("temperature":5E-1})");
}

TEST(CanonicalRequestTest, KeyOrderAndWhitespaceDoNotChangeTheForm) {
  EXPECT_EQ(C(Dialect::kOpenAI, R"({"model":"a","messages":[{"role":"user","content":"q"}],
                                    "tools":[{"type":"function","function":{"name":"f",
                                    "parameters":{"b":1,"a":2}}}]})"),
            C(Dialect::kOpenAI, R"({"tools":[{"function":{"parameters":{"a":2,"b":1},
                                    "name":"f"},"type":"function"}],
                                    "messages":[{"content":"q","role":"user"}],"model":"a"})"));
}

TEST(CanonicalRequestTest, ModelIsReplacedByTheResolvedModel) {
  EXPECT_EQ(C(Dialect::kOpenAI, R"({"model":"alias","messages":[]})", "real"),
            C(Dialect::kOpenAI, R"({"model":"other-alias","messages":[]})", "real"));
  EXPECT_NE(C(Dialect::kOpenAI, R"({"messages":[]})", "a"),
            C(Dialect::kOpenAI, R"({"messages":[]})", "b"));
}

TEST(CanonicalRequestTest, StreamAndBookkeepingFieldsAreExcluded) {
  std::string base = C(Dialect::kOpenAI, R"({"messages":[{"role":"user","content":"q"}]})");
  EXPECT_EQ(base, C(Dialect::kOpenAI, R"({"messages":[{"role":"user","content":"q"}],
    "stream":true,"stream_options":{"include_usage":true},"user":"u1","metadata":{"k":"v"},
    "store":true,"safety_identifier":"s","prompt_cache_key":"p","service_tier":"auto"})"));
  std::string abase = C(Dialect::kAnthropic, R"({"max_tokens":5,"messages":[]})");
  EXPECT_EQ(abase, C(Dialect::kAnthropic,
                     R"({"max_tokens":5,"messages":[],"stream":true,"metadata":{"user_id":"u"}})"));
}

TEST(CanonicalRequestTest, EverySemanticFieldChangesTheForm) {
  std::string base = C(Dialect::kOpenAI, R"({"messages":[{"role":"user","content":"q"}]})");
  for (std::string_view extra :
       {R"("temperature":0.2)", R"("top_p":0.9)", R"("max_tokens":10)", R"("stop":["x"])",
        R"("n":2)", R"("seed":1)", R"("tool_choice":"auto")",
        R"("response_format":{"type":"json_object"})", R"("unknown_future_field":1)",
        R"("tools":[{"type":"function","function":{"name":"f"}}])"}) {
    std::string body =
        std::string(R"({"messages":[{"role":"user","content":"q"}],)") + std::string(extra) + "}";
    EXPECT_NE(base, C(Dialect::kOpenAI, body)) << extra;
  }
  EXPECT_NE(base, C(Dialect::kOpenAI, R"({"messages":[{"role":"system","content":"q"}]})"));
  EXPECT_NE(base, C(Dialect::kOpenAI, R"({"messages":[{"role":"user","content":"Q"}]})"));
  EXPECT_NE(base, C(Dialect::kAnthropic, R"({"messages":[{"role":"user","content":"q"}]})"));
}

TEST(CanonicalRequestTest, SingleTextPartEqualsPlainStringContent) {
  EXPECT_EQ(C(Dialect::kOpenAI, R"({"messages":[{"role":"user","content":"q"}]})"),
            C(Dialect::kOpenAI,
              R"({"messages":[{"role":"user","content":[{"type":"text","text":"q"}]}]})"));
  EXPECT_EQ(C(Dialect::kAnthropic, R"({"messages":[{"role":"user","content":"q"}]})"),
            C(Dialect::kAnthropic,
              R"({"messages":[{"role":"user","content":[{"text":"q","type":"text"}]}]})"));
  // Two parts, or a part with extra keys (cache_control), are kept as they are.
  EXPECT_NE(C(Dialect::kOpenAI, R"({"messages":[{"role":"user","content":"qq"}]})"),
            C(Dialect::kOpenAI, R"({"messages":[{"role":"user","content":[
              {"type":"text","text":"q"},{"type":"text","text":"q"}]}]})"));
}

TEST(CanonicalRequestTest, AnthropicSystemStringEqualsSingleTextBlock) {
  EXPECT_EQ(C(Dialect::kAnthropic, R"({"system":"s","messages":[]})"),
            C(Dialect::kAnthropic, R"({"system":[{"type":"text","text":"s"}],"messages":[]})"));
}

TEST(CanonicalRequestTest, IntegralNumbersCompareEqualAcrossTypes) {
  EXPECT_EQ(C(Dialect::kOpenAI, R"({"temperature":1,"messages":[]})"),
            C(Dialect::kOpenAI, R"({"temperature":1.0,"messages":[]})"));
  EXPECT_NE(C(Dialect::kOpenAI, R"({"temperature":1,"messages":[]})"),
            C(Dialect::kOpenAI, R"({"temperature":1.5,"messages":[]})"));
}

TEST(CanonicalRequestTest, EscapesStringsSoDifferentContentCannotCollide) {
  EXPECT_NE(C(Dialect::kOpenAI, R"({"messages":[{"role":"user","content":"a\",\"b"}]})"),
            C(Dialect::kOpenAI, R"({"messages":[{"role":"user","content":"a","b":""}]})"));
}

}  // namespace
}  // namespace isartor::dialect
