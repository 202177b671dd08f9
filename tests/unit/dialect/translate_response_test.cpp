#include "dialect/translate_response.h"

#include "test_util.h"

namespace isartor::dialect {
namespace {

using testing::Obj;
namespace json = boost::json;

constexpr std::string_view kOpenAIToolResponse = R"({"id":"chatcmpl-1","object":"chat.completion",
  "created":5,"model":"gpt","choices":[{"index":0,"message":{"role":"assistant","content":"hm",
  "tool_calls":[{"id":"call_1","type":"function","function":{"name":"f",
  "arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":"tool_calls"}],
  "usage":{"prompt_tokens":10,"completion_tokens":4,"total_tokens":14}})";

TEST(OpenAIResponseToAnthropicTest, MapsTextToolCallsStopReasonAndUsage) {
  auto r = OpenAIResponseToAnthropic(Obj(kOpenAIToolResponse));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, Obj(R"({"id":"chatcmpl-1","type":"message","role":"assistant","model":"gpt",
    "content":[{"type":"text","text":"hm"},{"type":"tool_use","id":"call_1","name":"f",
    "input":{"city":"Paris"}}],"stop_reason":"tool_use","stop_sequence":null,
    "usage":{"input_tokens":10,"output_tokens":4}})"));
}

TEST(OpenAIResponseToAnthropicTest, MapsEachFinishReason) {
  for (auto [finish, stop] :
       {std::pair{"stop", "end_turn"}, std::pair{"length", "max_tokens"},
        std::pair{"tool_calls", "tool_use"}, std::pair{"content_filter", "refusal"}}) {
    auto r = OpenAIResponseToAnthropic(Obj(std::string(R"({"choices":[{"message":{"content":"x"},
      "finish_reason":")") + finish + "\"}]}"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->at("stop_reason"), stop);
  }
}

TEST(OpenAIResponseToAnthropicTest, CachedPromptTokensBecomeCacheReads) {
  auto r = OpenAIResponseToAnthropic(Obj(R"({"choices":[{"message":{"content":"x"}}],
    "usage":{"prompt_tokens":100,"completion_tokens":1,"prompt_tokens_details":{"cached_tokens":60}}})"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("usage"),
            json::value(Obj(R"({"input_tokens":40,"cache_read_input_tokens":60,"output_tokens":1})")));
}

TEST(OpenAIResponseToAnthropicTest, MalformedResponsesAreErrors) {
  EXPECT_FALSE(OpenAIResponseToAnthropic(Obj(R"({"choices":[]})")).ok());
  EXPECT_FALSE(OpenAIResponseToAnthropic(Obj(R"({"id":"x"})")).ok());
  auto bad_args = OpenAIResponseToAnthropic(Obj(R"({"choices":[{"message":{"tool_calls":[
    {"id":"c","function":{"name":"f","arguments":"{oops"}}]}}]})"));
  ASSERT_FALSE(bad_args.ok());
  EXPECT_EQ(bad_args.error().code, ErrorCode::kUpstreamError);
}

TEST(AnthropicResponseToOpenAITest, MapsTextToolUseStopReasonAndUsage) {
  auto r = AnthropicResponseToOpenAI(Obj(R"({"id":"msg_1","type":"message","role":"assistant",
    "model":"claude","content":[{"type":"thinking","thinking":"hmm","signature":"s"},
    {"type":"text","text":"a"},{"type":"text","text":"b"},
    {"type":"tool_use","id":"toolu_1","name":"f","input":{"q":1}}],
    "stop_reason":"tool_use","stop_sequence":null,
    "usage":{"input_tokens":7,"cache_read_input_tokens":3,"output_tokens":2}})"), 99);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, Obj(R"({"id":"msg_1","object":"chat.completion","created":99,"model":"claude",
    "choices":[{"index":0,"message":{"role":"assistant","content":"ab","tool_calls":[
    {"id":"toolu_1","type":"function","function":{"name":"f","arguments":"{\"q\":1}"}}]},
    "logprobs":null,"finish_reason":"tool_calls"}],
    "usage":{"prompt_tokens":10,"completion_tokens":2,"total_tokens":12,
    "prompt_tokens_details":{"cached_tokens":3}}})"));
}

TEST(AnthropicResponseToOpenAITest, ContentIsNullWhenOnlyToolCalls) {
  auto r = AnthropicResponseToOpenAI(Obj(R"({"content":[{"type":"tool_use","id":"t","name":"f",
    "input":{}}],"stop_reason":"tool_use"})"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->at("choices").as_array()[0].at("message").at("content").is_null());
}

TEST(AnthropicResponseToOpenAITest, MapsEachStopReason) {
  for (auto [stop, finish] :
       {std::pair{"end_turn", "stop"}, std::pair{"stop_sequence", "stop"},
        std::pair{"max_tokens", "length"}, std::pair{"tool_use", "tool_calls"},
        std::pair{"refusal", "content_filter"}}) {
    auto r = AnthropicResponseToOpenAI(
        Obj(std::string(R"({"content":[],"stop_reason":")") + stop + "\"}"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->at("choices").as_array()[0].at("finish_reason"), finish);
  }
}

TEST(AnthropicResponseToOpenAITest, MissingContentIsAnError) {
  auto r = AnthropicResponseToOpenAI(Obj(R"({"type":"message"})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUpstreamError);
}

TEST(ResponseTranslationTest, ToolResponseSurvivesARoundTrip) {
  auto anthropic = OpenAIResponseToAnthropic(Obj(kOpenAIToolResponse));
  ASSERT_TRUE(anthropic.ok());
  auto back = AnthropicResponseToOpenAI(*anthropic, 5);
  ASSERT_TRUE(back.ok());
  auto original = Obj(kOpenAIToolResponse);
  const auto& msg = back->at("choices").as_array()[0].at("message");
  const auto& orig_msg = original.at("choices").as_array()[0].at("message");
  EXPECT_EQ(msg.at("content"), orig_msg.at("content"));
  EXPECT_EQ(msg.at("tool_calls"), orig_msg.at("tool_calls"));
  EXPECT_EQ(back->at("usage"), original.at("usage"));
}

}  // namespace
}  // namespace isartor::dialect
