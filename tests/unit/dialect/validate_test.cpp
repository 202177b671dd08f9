#include "dialect/validate.h"

#include "test_util.h"

namespace isartor::dialect {
namespace {

std::string Check(Dialect d, std::string_view body, bool model_required = false) {
  Status s = ValidateRequest(d, boost::json::parse(body), model_required);
  if (s.ok()) return "ok";
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  return s.error().message;
}

constexpr auto kO = Dialect::kOpenAI;
constexpr auto kA = Dialect::kAnthropic;

TEST(ValidateRequestTest, AcceptsMinimalRequestsOfBothDialects) {
  EXPECT_EQ(Check(kO, R"({"model":"m","messages":[{"role":"user","content":"hi"}]})"), "ok");
  EXPECT_EQ(Check(kA, R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]})"),
            "ok");
}

TEST(ValidateRequestTest, AcceptsUnknownFields) {
  EXPECT_EQ(Check(kO, R"({"model":"m","future_knob":{"x":1},
                          "messages":[{"role":"user","content":"hi","extra":true}]})"),
            "ok");
}

TEST(ValidateRequestTest, RejectsANonObjectBody) {
  EXPECT_EQ(Check(kO, "[1,2]"), "body: must be a JSON object");
}

TEST(ValidateRequestTest, ModelIsOptionalUnlessRequiredButMustBeANonEmptyString) {
  EXPECT_EQ(Check(kO, R"({"messages":[{"role":"user","content":"hi"}]})"), "ok");
  EXPECT_EQ(Check(kO, R"({"messages":[{"role":"user","content":"hi"}]})", true),
            "model: is required");
  EXPECT_EQ(Check(kO, R"({"model":"","messages":[{"role":"user","content":"hi"}]})"),
            "model: must be a non-empty string");
  EXPECT_EQ(Check(kO, R"({"model":3,"messages":[{"role":"user","content":"hi"}]})"),
            "model: must be a non-empty string");
}

TEST(ValidateRequestTest, RejectsMissingEmptyOrNonArrayMessages) {
  EXPECT_EQ(Check(kO, R"({"model":"m"})"), "messages: is required");
  EXPECT_EQ(Check(kO, R"({"model":"m","messages":[]})"), "messages: must not be empty");
  EXPECT_EQ(Check(kO, R"({"model":"m","messages":"hi"})"), "messages: must be an array");
  EXPECT_EQ(Check(kO, R"({"model":"m","messages":[1]})"), "messages[0]: must be an object");
}

TEST(ValidateRequestTest, RejectsRolesTheDialectDoesNotHave) {
  EXPECT_EQ(Check(kO, R"({"messages":[{"role":"robot","content":"x"}]})"),
            "messages[0].role: must be one of system, developer, user, assistant, tool, function");
  EXPECT_EQ(Check(kA, R"({"max_tokens":1,"messages":[{"role":"tool","content":"x"}]})"),
            "messages[0].role: must be one of user, assistant, system");
}

TEST(ValidateRequestTest, RejectsContentOfTheWrongType) {
  EXPECT_EQ(Check(kO, R"({"messages":[{"role":"user","content":5}]})"),
            "messages[0].content: must be a string or an array of content parts");
  EXPECT_EQ(Check(kO, R"({"messages":[{"role":"user","content":[{"text":"x"}]}]})"),
            "messages[0].content[0].type: must be a string");
  EXPECT_EQ(Check(kO, R"({"messages":[{"role":"user"}]})"), "messages[0].content: is required");
  EXPECT_EQ(Check(kA, R"({"max_tokens":1,"messages":[{"role":"user","content":{}}]})"),
            "messages[0].content: must be a string or an array of content blocks");
}

TEST(ValidateRequestTest, AssistantMayHaveNullContentWithToolCalls) {
  EXPECT_EQ(Check(kO, R"({"messages":[{"role":"user","content":"x"},
    {"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function",
     "function":{"name":"f","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"c","content":"r"}]})"),
            "ok");
  EXPECT_EQ(Check(kO, R"({"messages":[{"role":"tool","content":"r"}]})"),
            "messages[0].tool_call_id: must be a string");
  EXPECT_EQ(Check(kO, R"({"messages":[{"role":"assistant","tool_calls":[{"function":{}}]}]})"),
            "messages[0].tool_calls[0].function.name: must be a string");
}

TEST(ValidateRequestTest, AnthropicRequiresPositiveMaxTokens) {
  EXPECT_EQ(Check(kA, R"({"messages":[{"role":"user","content":"x"}]})"),
            "max_tokens: is required");
  EXPECT_EQ(Check(kA, R"({"max_tokens":0,"messages":[{"role":"user","content":"x"}]})"),
            "max_tokens: must be a positive integer");
  EXPECT_EQ(Check(kA, R"({"max_tokens":1.5,"messages":[{"role":"user","content":"x"}]})"),
            "max_tokens: must be a positive integer");
}

TEST(ValidateRequestTest, StreamMustBeABoolean) {
  EXPECT_EQ(Check(kO, R"({"stream":"yes","messages":[{"role":"user","content":"x"}]})"),
            "stream: must be a boolean");
}

TEST(ValidateRequestTest, ChecksSamplingParametersAndStops) {
  EXPECT_EQ(Check(kO, R"({"temperature":"hot","messages":[{"role":"user","content":"x"}]})"),
            "temperature: must be a number");
  EXPECT_EQ(Check(kO, R"({"top_p":-1,"messages":[{"role":"user","content":"x"}]})"),
            "top_p: must be a non-negative number");
  EXPECT_EQ(Check(kO, R"({"n":0,"messages":[{"role":"user","content":"x"}]})"),
            "n: must be a positive integer");
  EXPECT_EQ(Check(kO, R"({"stop":["a",1],"messages":[{"role":"user","content":"x"}]})"),
            "stop[1]: must be a string");
  EXPECT_EQ(Check(kA, R"({"max_tokens":1,"stop_sequences":"a",
                          "messages":[{"role":"user","content":"x"}]})"),
            "stop_sequences: must be an array of strings");
}

TEST(ValidateRequestTest, AnthropicSystemIsAStringOrTextBlocks) {
  EXPECT_EQ(Check(kA, R"({"max_tokens":1,"system":[{"type":"text","text":"s"}],
                          "messages":[{"role":"user","content":"x"}]})"),
            "ok");
  EXPECT_EQ(Check(kA, R"({"max_tokens":1,"system":7,"messages":[{"role":"user","content":"x"}]})"),
            "system: must be a string or an array of text blocks");
  EXPECT_EQ(Check(kA, R"({"max_tokens":1,"system":[{"type":"image"}],
                          "messages":[{"role":"user","content":"x"}]})"),
            "system[0]: must be a text block {type:\"text\", text}");
}

TEST(ValidateRequestTest, ToolsMustBeWellFormed) {
  EXPECT_EQ(Check(kO, R"({"tools":{},"messages":[{"role":"user","content":"x"}]})"),
            "tools: must be an array");
  EXPECT_EQ(Check(kO, R"({"tools":[{"type":"function","function":{}}],
                          "messages":[{"role":"user","content":"x"}]})"),
            "tools[0].function.name: must be a string");
  EXPECT_EQ(Check(kA, R"({"max_tokens":1,"tools":[{"input_schema":{}}],
                          "messages":[{"role":"user","content":"x"}]})"),
            "tools[0].name: must be a string");
}

TEST(ValidateRequestTest, AnthropicAcceptsSystemTurnsInsideMessagesAsClaudeCodeSendsThem) {
  EXPECT_EQ(Check(kA, R"({"model":"m","max_tokens":50,"messages":[{"role":"user","content":"hi"},
                          {"role":"system","content":"extra context"}]})"),
            "ok");
  EXPECT_EQ(Check(kA, R"({"max_tokens":5,"messages":[{"role":"user","content":"hi"},
                          {"role":"system","content":[{"type":"text","text":"ctx"}]}]})"),
            "ok");
}

TEST(ValidateRequestTest, AnthropicSystemTurnsHoldTextOnly) {
  EXPECT_EQ(Check(kA, R"({"max_tokens":5,"messages":[{"role":"user","content":"hi"},
                          {"role":"system","content":[{"type":"image","source":{}}]}]})"),
            "messages[1].content[0]: must be a text block {type:\"text\", text}");
  EXPECT_EQ(Check(kA, R"({"max_tokens":5,"messages":[{"role":"system","content":3}]})"),
            "messages[0].content: must be a string or an array of text blocks");
}

TEST(ValidateCountTokensRequestTest, NeedsAModelButNoMaxTokens) {
  auto check = [](std::string_view body) {
    Status s = ValidateCountTokensRequest(boost::json::parse(body));
    return s.ok() ? std::string("ok") : s.error().message;
  };
  EXPECT_EQ(check(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})"), "ok");
  EXPECT_EQ(check(R"({"messages":[{"role":"user","content":"hi"}]})"), "model: is required");
  EXPECT_EQ(check(R"({"model":"m","max_tokens":0,"messages":[{"role":"user","content":"x"}]})"),
            "max_tokens: must be a positive integer");
  EXPECT_EQ(check(R"({"model":"m","messages":[]})"), "messages: must not be empty");
}

}  // namespace
}  // namespace isartor::dialect
