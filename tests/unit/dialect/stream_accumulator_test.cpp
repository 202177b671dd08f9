#include "dialect/stream_accumulator.h"

#include "streams.h"
#include "test_util.h"

namespace isartor::dialect {
namespace {

using testing::Obj;
using testing::ParseAll;
namespace json = boost::json;

Result<json::object> Accumulate(Dialect d, std::string_view wire) {
  StreamAccumulator acc(d);
  for (const auto& e : ParseAll(wire)) {
    Status s = acc.Feed(e);
    if (!s.ok()) return s.error();
  }
  return acc.Finish();
}

TEST(StreamAccumulatorTest, OpenAITextStreamBecomesAChatCompletion) {
  auto r = Accumulate(Dialect::kOpenAI, testing::kOpenAITextStream);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, Obj(R"({"id":"chatcmpl-9","object":"chat.completion","created":7,
    "model":"gpt-4o-mini","system_fingerprint":"fp","choices":[{"index":0,"message":{
    "role":"assistant","content":"Hello"},"logprobs":null,"finish_reason":"stop"}],
    "usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}})"));
}

TEST(StreamAccumulatorTest, OpenAIToolCallFragmentsAreConcatenatedByIndex) {
  auto r = Accumulate(Dialect::kOpenAI, testing::kOpenAIToolStream);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& msg = r->at("choices").as_array()[0].at("message");
  EXPECT_TRUE(msg.at("content").is_null());
  EXPECT_EQ(msg.at("tool_calls"), json::value(json::parse(R"([
    {"id":"call_a","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}},
    {"id":"call_b","type":"function","function":{"name":"time","arguments":"{}"}}])")));
  EXPECT_EQ(r->at("choices").as_array()[0].at("finish_reason"), "tool_calls");
  EXPECT_FALSE(r->contains("usage"));
}

TEST(StreamAccumulatorTest, AnthropicStreamBecomesAMessage) {
  auto r = Accumulate(Dialect::kAnthropic, testing::kAnthropicToolStream);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, Obj(R"({"id":"msg_1","type":"message","role":"assistant","model":"claude-x",
    "content":[{"type":"text","text":"Let me check."},{"type":"tool_use","id":"toolu_1",
    "name":"weather","input":{"city":"Paris"}}],"stop_reason":"tool_use","stop_sequence":null,
    "usage":{"input_tokens":25,"output_tokens":30}})"));
}

TEST(StreamAccumulatorTest, CompleteOnlyAfterTheTerminalEvent) {
  for (auto [d, wire] : {std::pair{Dialect::kOpenAI, testing::kOpenAITextStream},
                         std::pair{Dialect::kAnthropic, testing::kAnthropicToolStream}}) {
    auto events = ParseAll(wire);
    StreamAccumulator acc(d);
    for (std::size_t i = 0; i + 1 < events.size(); ++i) {
      ASSERT_TRUE(acc.Feed(events[i]).ok());
      EXPECT_FALSE(acc.complete());
    }
    auto cut = acc.Finish();
    ASSERT_FALSE(cut.ok());
    EXPECT_EQ(cut.error().code, ErrorCode::kUpstreamError);
    ASSERT_TRUE(acc.Feed(events.back()).ok());
    EXPECT_TRUE(acc.complete());
    EXPECT_TRUE(acc.Finish().ok());
  }
}

TEST(StreamAccumulatorTest, AnthropicErrorEventMakesItNeverComplete) {
  StreamAccumulator acc(Dialect::kAnthropic);
  auto events = ParseAll(testing::kAnthropicToolStream);
  ASSERT_TRUE(acc.Feed(events[0]).ok());
  Status s = acc.Feed({"error",
                       R"({"type":"error","error":{"type":"overloaded_error","message":"busy"}})"});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("busy"), std::string::npos);
  EXPECT_FALSE(acc.Feed(events.back()).ok());
  EXPECT_FALSE(acc.complete());
  EXPECT_TRUE(acc.failed());
  EXPECT_FALSE(acc.Finish().ok());
}

TEST(StreamAccumulatorTest, OpenAIErrorChunkMakesItNeverComplete) {
  StreamAccumulator acc(Dialect::kOpenAI);
  EXPECT_FALSE(acc.Feed({"", R"({"error":{"message":"boom","type":"server_error"}})"}).ok());
  EXPECT_FALSE(acc.Feed({"", "[DONE]"}).ok());
  EXPECT_FALSE(acc.complete());
}

TEST(StreamAccumulatorTest, MalformedDataIsAnErrorNotACrash) {
  StreamAccumulator acc(Dialect::kOpenAI);
  Status s = acc.Feed({"", "{\"choices\":[{\"delta\":"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kUpstreamError);
  EXPECT_FALSE(acc.complete());
}

TEST(StreamAccumulatorTest, DoneWithoutAnyChunkIsNotAResponse) {
  StreamAccumulator acc(Dialect::kOpenAI);
  ASSERT_TRUE(acc.Feed({"", "[DONE]"}).ok());
  EXPECT_TRUE(acc.complete());
  EXPECT_FALSE(acc.Finish().ok());
}

TEST(StreamAccumulatorTest, InvalidToolJsonFailsAtFinish) {
  StreamAccumulator acc(Dialect::kAnthropic);
  for (std::string_view data :
       {R"({"type":"message_start","message":{"id":"m","content":[]}})",
        R"({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"f","input":{}}})",
        R"({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"a\":"}})",
        R"({"type":"message_stop"})"}) {
    ASSERT_TRUE(acc.Feed({"", std::string(data)}).ok());
  }
  EXPECT_TRUE(acc.complete());
  EXPECT_FALSE(acc.Finish().ok());
}

TEST(StreamAccumulatorTest, OpenAIChoicesAreKeptApartByIndex) {
  StreamAccumulator acc(Dialect::kOpenAI);
  ASSERT_TRUE(acc.Feed({"", R"({"id":"x","choices":[{"index":1,"delta":{"content":"B"}},
                                {"index":0,"delta":{"content":"A"}}]})"}).ok());
  ASSERT_TRUE(acc.Feed({"", "[DONE]"}).ok());
  auto r = acc.Finish();
  ASSERT_TRUE(r.ok());
  const auto& choices = r->at("choices").as_array();
  ASSERT_EQ(choices.size(), 2u);
  EXPECT_EQ(choices[0].at("message").at("content"), "A");
  EXPECT_EQ(choices[1].at("message").at("content"), "B");
}

}  // namespace
}  // namespace isartor::dialect
