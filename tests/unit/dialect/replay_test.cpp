#include "dialect/replay.h"

#include "dialect/stream_accumulator.h"
#include "streams.h"
#include "test_util.h"

namespace isartor::dialect {
namespace {

using testing::Obj;
using testing::ParseAll;
namespace json = boost::json;

json::object RoundTrip(Dialect d, const json::object& response, std::size_t* events = nullptr) {
  auto sse = ResponseToSse(d, response);
  if (events) *events = sse.size();
  // Go through the wire format too: what the client parses is what we formatted.
  StreamAccumulator acc(d);
  for (const auto& e : ParseAll(testing::Wire(sse))) EXPECT_TRUE(acc.Feed(e).ok()) << e.data;
  EXPECT_TRUE(acc.complete());
  EXPECT_TRUE(IsTerminal(d, sse.back()));
  auto r = acc.Finish();
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : json::object();
}

TEST(ResponseToSseTest, OpenAIResponseRoundTripsThroughTheAccumulator) {
  std::string long_text(300, 'x');
  long_text += "\xC3\xA9\xE2\x82\xAC end";  // multi-byte characters near a cut
  json::object response = Obj(R"({"id":"chatcmpl-1","object":"chat.completion","created":3,
    "model":"gpt","system_fingerprint":"fp","choices":[{"index":0,"message":{"role":"assistant",
    "content":"","tool_calls":[{"id":"call_1","type":"function","function":{"name":"f",
    "arguments":"{\"q\":\"a long argument string that needs more than one piece to send\"}"}}]},
    "logprobs":null,"finish_reason":"tool_calls"}],
    "usage":{"prompt_tokens":3,"completion_tokens":100,"total_tokens":103}})");
  response["choices"].as_array()[0].as_object()["message"].as_object()["content"] = long_text;
  std::size_t events = 0;
  EXPECT_EQ(RoundTrip(Dialect::kOpenAI, response, &events), response);
  EXPECT_GT(events, 8u);
}

TEST(ResponseToSseTest, OpenAINullContentStaysNull) {
  json::object response = Obj(R"({"id":"c","object":"chat.completion","created":0,"model":"m",
    "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"x",
    "type":"function","function":{"name":"f","arguments":"{}"}}]},"logprobs":null,
    "finish_reason":"tool_calls"}]})");
  EXPECT_EQ(RoundTrip(Dialect::kOpenAI, response), response);
}

TEST(ResponseToSseTest, AnthropicResponseRoundTripsThroughTheAccumulator) {
  json::object response = Obj(R"({"id":"msg_1","type":"message","role":"assistant",
    "model":"claude","content":[{"type":"thinking","thinking":"let me think about it a while",
    "signature":"sig=="},{"type":"text","text":"Here is a fairly long answer that will be cut into several text deltas by the replay."},
    {"type":"tool_use","id":"toolu_1","name":"f","input":{"nested":{"a":[1,2,3]},"s":"t"}}],
    "stop_reason":"tool_use","stop_sequence":null,
    "usage":{"input_tokens":12,"cache_read_input_tokens":4,"output_tokens":50}})");
  EXPECT_EQ(RoundTrip(Dialect::kAnthropic, response), response);
}

TEST(ResponseToSseTest, AnthropicEventsCarryEventNamesMatchingTheirType) {
  auto sse = ResponseToSse(Dialect::kAnthropic, Obj(R"({"id":"m","content":[
    {"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{"output_tokens":1}})"));
  ASSERT_EQ(sse.size(), 6u);
  for (const auto& e : sse) EXPECT_EQ(Obj(e.data).at("type").as_string(), e.event);
  EXPECT_EQ(sse.front().event, "message_start");
  EXPECT_EQ(Obj(sse.front().data).at("message").at("usage").at("output_tokens"), 0);
}

TEST(ResponseToSseTest, AccumulatedUpstreamStreamReplaysToTheSameResponse) {
  StreamAccumulator acc(Dialect::kAnthropic);
  for (const auto& e : ParseAll(testing::kAnthropicToolStream)) ASSERT_TRUE(acc.Feed(e).ok());
  auto stored = acc.Finish();
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(RoundTrip(Dialect::kAnthropic, *stored), *stored);
}

TEST(ResponseToSseTest, EmptyResponseStillGivesAWellFormedStream) {
  auto openai = ResponseToSse(Dialect::kOpenAI, json::object());
  ASSERT_EQ(openai.size(), 1u);
  EXPECT_EQ(openai[0].data, "[DONE]");
  auto anthropic = ResponseToSse(Dialect::kAnthropic, json::object());
  EXPECT_EQ(anthropic.back().event, "message_stop");
}

}  // namespace
}  // namespace isartor::dialect
