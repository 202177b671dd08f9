#include "dialect/stream_translator.h"

#include "dialect/stream_accumulator.h"
#include "dialect/translate_response.h"
#include "streams.h"
#include "test_util.h"

namespace isartor::dialect {
namespace {

using testing::Obj;
using testing::ParseAll;
namespace json = boost::json;

std::vector<SseEvent> Translate(Dialect from, Dialect to, std::string_view wire) {
  StreamTranslator t(from, to, 42);
  std::vector<SseEvent> out;
  for (const auto& e : ParseAll(wire)) EXPECT_TRUE(t.Feed(e, out).ok());
  EXPECT_TRUE(t.done());
  return out;
}

json::object Accumulate(Dialect d, const std::vector<SseEvent>& events) {
  StreamAccumulator acc(d);
  for (const auto& e : events) EXPECT_TRUE(acc.Feed(e).ok()) << e.data;
  EXPECT_TRUE(acc.complete());
  auto r = acc.Finish();
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : json::object();
}

std::vector<std::string> Types(const std::vector<SseEvent>& events) {
  std::vector<std::string> t;
  for (const auto& e : events) t.push_back(e.event);
  return t;
}

TEST(StreamTranslatorTest, OpenAITextStreamBecomesAnAnthropicEventSequence) {
  auto out = Translate(Dialect::kOpenAI, Dialect::kAnthropic, testing::kOpenAITextStream);
  EXPECT_EQ(Types(out), (std::vector<std::string>{
                            "message_start", "content_block_start", "content_block_delta",
                            "content_block_delta", "content_block_stop", "message_delta",
                            "message_stop"}));
  auto delta = Obj(out[5].data);
  EXPECT_EQ(delta.at("delta").at("stop_reason"), "end_turn");
  EXPECT_EQ(delta.at("usage").at("output_tokens"), 2);
  EXPECT_EQ(delta.at("usage").at("input_tokens"), 9);
  EXPECT_TRUE(IsTerminal(Dialect::kAnthropic, out.back()));
}

TEST(StreamTranslatorTest, OpenAIToAnthropicMatchesTheNonStreamingTranslation) {
  for (auto wire : {testing::kOpenAITextStream, testing::kOpenAIToolStream}) {
    auto openai = Accumulate(Dialect::kOpenAI, ParseAll(wire));
    auto expected = OpenAIResponseToAnthropic(openai);
    ASSERT_TRUE(expected.ok());
    auto got = Accumulate(Dialect::kAnthropic,
                          Translate(Dialect::kOpenAI, Dialect::kAnthropic, wire));
    EXPECT_EQ(got.at("content"), expected->at("content"));
    EXPECT_EQ(got.at("stop_reason"), expected->at("stop_reason"));
    EXPECT_EQ(got.at("id"), expected->at("id"));
    EXPECT_EQ(got.at("model"), expected->at("model"));
    EXPECT_EQ(got.at("usage").at("output_tokens"), expected->at("usage").at("output_tokens"));
  }
}

TEST(StreamTranslatorTest, OpenAIToolCallsOpenOneToolUseBlockEach) {
  auto out = Translate(Dialect::kOpenAI, Dialect::kAnthropic, testing::kOpenAIToolStream);
  std::vector<json::object> starts;
  for (const auto& e : out) {
    if (e.event == "content_block_start") starts.push_back(Obj(e.data));
  }
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_EQ(starts[0].at("content_block").at("id"), "call_a");
  EXPECT_EQ(starts[1].at("index"), 1);
  EXPECT_EQ(starts[1].at("content_block").at("name"), "time");
}

TEST(StreamTranslatorTest, AnthropicStreamBecomesOpenAIChunksEndingWithDone) {
  auto out = Translate(Dialect::kAnthropic, Dialect::kOpenAI, testing::kAnthropicToolStream);
  ASSERT_GE(out.size(), 4u);
  for (const auto& e : out) EXPECT_EQ(e.event, "");
  EXPECT_EQ(out.back().data, "[DONE]");
  auto first = Obj(out.front().data);
  EXPECT_EQ(first.at("object"), "chat.completion.chunk");
  EXPECT_EQ(first.at("created"), 42);
  EXPECT_EQ(first.at("choices").as_array()[0].at("delta").at("role"), "assistant");
  auto usage = Obj(out[out.size() - 2].data);
  EXPECT_TRUE(usage.at("choices").as_array().empty());
  EXPECT_EQ(usage.at("usage").at("prompt_tokens"), 25);
  EXPECT_EQ(usage.at("usage").at("completion_tokens"), 30);
}

TEST(StreamTranslatorTest, AnthropicToOpenAIMatchesTheNonStreamingTranslation) {
  auto anthropic = Accumulate(Dialect::kAnthropic, ParseAll(testing::kAnthropicToolStream));
  auto expected = AnthropicResponseToOpenAI(anthropic, 42);
  ASSERT_TRUE(expected.ok());
  auto got = Accumulate(Dialect::kOpenAI, Translate(Dialect::kAnthropic, Dialect::kOpenAI,
                                                    testing::kAnthropicToolStream));
  // Streamed arguments keep the upstream's spacing; compare them as JSON.
  auto& fn = got["choices"].as_array()[0].as_object()["message"].as_object()["tool_calls"]
                 .as_array()[0].as_object()["function"].as_object();
  fn["arguments"] = json::serialize(json::parse(fn["arguments"].as_string()));
  EXPECT_EQ(got, *expected);
}

TEST(StreamTranslatorTest, ToolWithoutArgumentDeltasStillGetsAJsonArgumentString) {
  StreamTranslator t(Dialect::kAnthropic, Dialect::kOpenAI);
  std::vector<SseEvent> out;
  for (std::string_view data :
       {R"({"type":"message_start","message":{"id":"m","model":"c","usage":{"input_tokens":1}}})",
        R"({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"now","input":{}}})",
        R"({"type":"content_block_stop","index":0})",
        R"({"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":3}})",
        R"({"type":"message_stop"})"}) {
    ASSERT_TRUE(t.Feed({"", std::string(data)}, out).ok());
  }
  auto r = Accumulate(Dialect::kOpenAI, out);
  EXPECT_EQ(r.at("choices").as_array()[0].at("message").at("tool_calls").as_array()[0]
                .at("function").at("arguments"),
            "{}");
}

TEST(StreamTranslatorTest, EachTextDeltaIsEmittedImmediately) {
  auto in = ParseAll(testing::kAnthropicToolStream);
  StreamTranslator t(Dialect::kAnthropic, Dialect::kOpenAI);
  std::vector<SseEvent> out;
  ASSERT_TRUE(t.Feed(in[0], out).ok());  // message_start -> role chunk
  EXPECT_EQ(out.size(), 1u);
  ASSERT_TRUE(t.Feed(in[1], out).ok());  // empty text block start -> nothing
  ASSERT_TRUE(t.Feed(in[2], out).ok());  // ping -> nothing
  EXPECT_EQ(out.size(), 1u);
  ASSERT_TRUE(t.Feed(in[3], out).ok());  // first text delta -> a content chunk right away
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(Obj(out[1].data).at("choices").as_array()[0].at("delta").at("content"), "Let me ");
}

TEST(StreamTranslatorTest, ErrorEventsAreTranslatedAndEndTheStream) {
  StreamTranslator a2o(Dialect::kAnthropic, Dialect::kOpenAI);
  std::vector<SseEvent> out;
  ASSERT_TRUE(a2o.Feed({"error", R"({"type":"error","error":{"type":"overloaded_error",
                                    "message":"busy"}})"}, out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Obj(out[0].data).at("error").at("type"), "server_error");
  EXPECT_TRUE(a2o.done());

  StreamTranslator o2a(Dialect::kOpenAI, Dialect::kAnthropic);
  out.clear();
  ASSERT_TRUE(o2a.Feed({"", R"({"error":{"message":"boom","type":"server_error"}})"}, out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].event, "error");
  EXPECT_EQ(Obj(out[0].data).at("error").at("type"), "api_error");
}

TEST(StreamTranslatorTest, MalformedEventIsAnErrorAndTheTranslatorStaysUsable) {
  StreamTranslator t(Dialect::kOpenAI, Dialect::kAnthropic);
  std::vector<SseEvent> out;
  EXPECT_FALSE(t.Feed({"", "{nope"}, out).ok());
  EXPECT_TRUE(t.Feed({"", "[DONE]"}, out).ok());
  EXPECT_TRUE(t.done());
  EXPECT_EQ(out.back().event, "message_stop");
}

TEST(StreamTranslatorTest, SameDialectPassesEventsThrough) {
  auto in = ParseAll(testing::kOpenAITextStream);
  StreamTranslator t(Dialect::kOpenAI, Dialect::kOpenAI);
  std::vector<SseEvent> out;
  for (const auto& e : in) ASSERT_TRUE(t.Feed(e, out).ok());
  EXPECT_EQ(out, in);
  EXPECT_TRUE(t.done());
}

}  // namespace
}  // namespace isartor::dialect
