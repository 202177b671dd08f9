// Responses API <-> Chat Completions / Anthropic translation, both directions, and the stream.
#include <gtest/gtest.h>

#include "dialect/canonical.h"
#include "dialect/replay.h"
#include "dialect/request_view.h"
#include "dialect/responses_request.h"
#include "dialect/responses_response.h"
#include "dialect/responses_stream.h"
#include "dialect/stream_accumulator.h"
#include "dialect/stream_translator.h"
#include "dialect/translate_request.h"
#include "dialect/validate.h"
#include "test_util.h"

namespace isartor::dialect {
namespace {

namespace json = boost::json;
using testing::Obj;

// What Codex sends (trimmed): developer + user input_text items, flat function tools, a
// namespace tool and hosted web_search, reasoning, include, prompt_cache_key.
constexpr const char* kCodexLike = R"({
  "model": "m", "instructions": "You are Codex.", "stream": true, "store": false,
  "input": [
    {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "sandbox: read-only"}]},
    {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "list files"}]},
    {"type": "function_call", "call_id": "call_1", "name": "shell", "arguments": "{\"command\":[\"ls\"]}"},
    {"type": "function_call_output", "call_id": "call_1", "output": "a.txt\nb.txt"},
    {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "xyz"}
  ],
  "tools": [
    {"type": "function", "name": "shell", "description": "Runs a command", "strict": false,
     "parameters": {"type": "object", "properties": {"command": {"type": "array"}}}},
    {"type": "namespace", "name": "mcp__fs", "description": "fs", "tools": []},
    {"type": "web_search"}
  ],
  "tool_choice": "auto", "parallel_tool_calls": false,
  "reasoning": {"effort": "medium", "summary": "auto"},
  "include": ["reasoning.encrypted_content"], "prompt_cache_key": "abc",
  "max_output_tokens": 300
})";

TEST(ResponsesRequestTest, CodexRequestBecomesAChatRequestWithDroppedToolsNamed) {
  auto t = ResponsesRequestToChat(Obj(kCodexLike));
  ASSERT_TRUE(t.ok()) << t.error().message;
  const json::object& chat = t->body;
  EXPECT_EQ(chat.at("model"), "m");
  EXPECT_EQ(chat.at("max_tokens"), 300);
  EXPECT_EQ(chat.at("stream"), true);
  EXPECT_EQ(chat.at("stream_options").at("include_usage"), true);
  EXPECT_EQ(chat.at("parallel_tool_calls"), false);
  EXPECT_FALSE(chat.contains("reasoning"));
  EXPECT_FALSE(chat.contains("include"));
  EXPECT_FALSE(chat.contains("store"));
  const auto& m = chat.at("messages").as_array();
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(m[0], json::parse(R"({"role":"system","content":"You are Codex."})"));
  EXPECT_EQ(m[1], json::parse(R"({"role":"system","content":"sandbox: read-only"})"));
  EXPECT_EQ(m[2], json::parse(R"({"role":"user","content":"list files"})"));
  EXPECT_EQ(m[3], json::parse(R"({"role":"assistant","content":null,"tool_calls":[{"id":"call_1",
      "type":"function","function":{"name":"shell","arguments":"{\"command\":[\"ls\"]}"}}]})"));
  EXPECT_EQ(m[4], json::parse(R"({"role":"tool","tool_call_id":"call_1","content":"a.txt\nb.txt"})"));
  ASSERT_EQ(chat.at("tools").as_array().size(), 1u);
  EXPECT_EQ(chat.at("tools").at(0).at("function").at("name"), "shell");
  EXPECT_EQ(t->dropped_tools, (std::vector<std::string>{"namespace:mcp__fs", "web_search"}));
  EXPECT_EQ(t->dropped_params, (std::vector<std::string>{"reasoning items", "reasoning"}));
}

TEST(ResponsesRequestTest, ChatFormTranslatesOnToAnthropic) {
  auto t = ResponsesRequestToChat(Obj(kCodexLike));
  ASSERT_TRUE(t.ok());
  auto a = OpenAIRequestToAnthropic(t->body, 1024);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->at("system"), "You are Codex.\n\nsandbox: read-only");
  EXPECT_EQ(a->at("max_tokens"), 300);
  const auto& msgs = a->at("messages").as_array();
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[1].at("content").at(0).at("type"), "tool_use");
  EXPECT_EQ(msgs[1].at("content").at(0).at("input").at("command").at(0), "ls");
  EXPECT_EQ(msgs[2].at("content").at(0).at("type"), "tool_result");
  EXPECT_EQ(a->at("tools").at(0).at("name"), "shell");
}

TEST(ResponsesRequestTest, StringInputIsOneUserMessage) {
  auto t = ResponsesRequestToChat(Obj(R"({"model":"m","input":"hi"})"));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->body.at("messages"), json::parse(R"([{"role":"user","content":"hi"}])"));
  EXPECT_FALSE(t->body.contains("stream"));
  EXPECT_TRUE(t->dropped_tools.empty());
}

TEST(ResponsesRequestTest, ImagesAndJsonSchemaMap) {
  auto t = ResponsesRequestToChat(Obj(R"({"model":"m","input":[{"role":"user","content":[
      {"type":"input_text","text":"what is it"},
      {"type":"input_image","image_url":"data:image/png;base64,AAA","detail":"low"}]}],
      "text":{"format":{"type":"json_schema","name":"x","schema":{"type":"object"},"strict":true}}})"));
  ASSERT_TRUE(t.ok()) << t.error().message;
  const auto& content = t->body.at("messages").at(0).at("content").as_array();
  ASSERT_EQ(content.size(), 2u);
  EXPECT_EQ(content[1].at("image_url").at("url"), "data:image/png;base64,AAA");
  EXPECT_EQ(t->body.at("response_format").at("json_schema").at("name"), "x");
}

TEST(ResponsesRequestTest, PreviousResponseIdIsRefusedSayingNoStateIsKept) {
  Status s = ValidateRequest(Dialect::kResponses,
                             json::parse(R"({"model":"m","input":"hi","previous_response_id":"resp_1"})"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(s.error().message.find("previous_response_id"), std::string::npos);
  EXPECT_NE(s.error().message.find("no server-side"), std::string::npos);
}

TEST(ResponsesRequestTest, MalformedItemsNameTheField) {
  auto bad = [](const char* body) {
    Status s = ValidateRequest(Dialect::kResponses, json::parse(body));
    return s.ok() ? std::string("ok") : s.error().message;
  };
  EXPECT_EQ(bad(R"({"model":"m"})"), "input: is required");
  EXPECT_EQ(bad(R"({"input":[{"type":"function_call","name":"f","arguments":"{}"}]})"),
            "input[0].call_id: must be a string");
  EXPECT_EQ(bad(R"({"input":[{"role":"robot","content":"x"}]})"),
            "input[0].role: must be one of user, assistant, system, developer");
  EXPECT_EQ(bad(R"({"input":"x","max_output_tokens":0})"), "max_output_tokens: must be a positive integer");
  EXPECT_EQ(bad(R"({"input":"x","tools":[{"type":"function"}]})"), "tools[0].name: must be a string");
  EXPECT_EQ(bad(R"({"input":"x","stream":"yes"})"), "stream: must be a boolean");
  EXPECT_EQ(bad(R"({"input":"x"})"), "ok");
}

TEST(ResponsesRequestTest, UnknownItemTypesAreRefusedForChatUpstreams) {
  auto t = ResponsesRequestToChat(Obj(R"({"input":[{"type":"local_shell_call","id":"x"}]})"));
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("'local_shell_call' items cannot be sent"), std::string::npos);
}

TEST(ResponsesRequestTest, ViewSeesTheConversationLikeChat) {
  auto v = ViewRequest(Dialect::kResponses, Obj(kCodexLike));
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->dialect, Dialect::kResponses);
  EXPECT_TRUE(v->stream);
  EXPECT_TRUE(v->has_tools);
  EXPECT_EQ(v->system_text, "You are Codex.\nsandbox: read-only");
  EXPECT_EQ(v->last_user_text, "list files");
  EXPECT_TRUE(v->turn_has_tool_activity);
}

TEST(ResponsesRequestTest, CanonicalFormIgnoresSpellingAndBookkeeping) {
  std::string a = CanonicalRequest(Dialect::kResponses, Obj(R"({"model":"x","input":"hi","store":false})"), "m");
  std::string b = CanonicalRequest(Dialect::kResponses,
      Obj(R"({"model":"y","stream":true,"prompt_cache_key":"k","include":["reasoning.encrypted_content"],
              "client_metadata":{"session_id":"s1"},
              "input":[{"type":"message","id":"msg_1","role":"user","content":[{"type":"input_text","text":"hi"}]}]})"), "m");
  std::string c = CanonicalRequest(Dialect::kResponses, Obj(R"({"input":"hello"})"), "m");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(a.rfind("responses:", 0), 0u);
  EXPECT_NE(a, CanonicalRequest(Dialect::kOpenAI, Obj(R"({"model":"x","input":"hi"})"), "m"));
}

constexpr const char* kChatAnswer = R"({"id":"chatcmpl-9","object":"chat.completion","created":7,
  "model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Let me look.",
  "tool_calls":[{"id":"call_7","type":"function","function":{"name":"shell","arguments":"{\"command\":[\"ls\"]}"}}]},
  "finish_reason":"tool_calls"}],"usage":{"prompt_tokens":11,"completion_tokens":5,"total_tokens":16,
  "prompt_tokens_details":{"cached_tokens":3}}})";

TEST(ResponsesResponseTest, ChatAnswerBecomesMessageAndFunctionCallItems) {
  auto r = ChatResponseToResponses(Obj(kChatAnswer), Obj(R"({"instructions":"be brief","input":"x"})"), 99);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at("id"), "resp_chatcmpl-9");
  EXPECT_EQ(r->at("object"), "response");
  EXPECT_EQ(r->at("status"), "completed");
  EXPECT_EQ(r->at("created_at"), 7);
  EXPECT_EQ(r->at("instructions"), "be brief");
  EXPECT_EQ(r->at("store"), false);
  const auto& out = r->at("output").as_array();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].at("type"), "message");
  EXPECT_EQ(out[0].at("status"), "completed");
  EXPECT_EQ(out[0].at("content").at(0).at("type"), "output_text");
  EXPECT_EQ(out[0].at("content").at(0).at("text"), "Let me look.");
  EXPECT_EQ(out[1].at("type"), "function_call");
  EXPECT_EQ(out[1].at("call_id"), "call_7");
  EXPECT_EQ(out[1].at("id"), "fc_call_7");
  EXPECT_EQ(out[1].at("name"), "shell");
  EXPECT_EQ(out[1].at("arguments"), "{\"command\":[\"ls\"]}");
  EXPECT_EQ(r->at("usage").at("input_tokens"), 11);
  EXPECT_EQ(r->at("usage").at("output_tokens"), 5);
  EXPECT_EQ(r->at("usage").at("total_tokens"), 16);
  EXPECT_EQ(r->at("usage").at("input_tokens_details").at("cached_tokens"), 3);
}

TEST(ResponsesResponseTest, LengthFinishIsIncomplete) {
  auto r = ChatResponseToResponses(
      Obj(R"({"id":"c","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"abc"},
              "finish_reason":"length"}]})"), json::object(), 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("status"), "incomplete");
  EXPECT_EQ(r->at("incomplete_details").at("reason"), "max_output_tokens");
}

TEST(ResponsesResponseTest, AnthropicAnswerTranslatesThroughChat) {
  auto r = ToResponsesResponse(Dialect::kAnthropic,
      Obj(R"({"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[
              {"type":"text","text":"ok"},{"type":"tool_use","id":"toolu_1","name":"shell","input":{"command":["pwd"]}}],
              "stop_reason":"tool_use","usage":{"input_tokens":4,"output_tokens":2}})"), json::object(), 5);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& out = r->at("output").as_array();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].at("content").at(0).at("text"), "ok");
  EXPECT_EQ(out[1].at("call_id"), "toolu_1");
  EXPECT_EQ(json::parse(out[1].at("arguments").as_string()), json::parse(R"({"command":["pwd"]})"));
  EXPECT_EQ(r->at("usage").at("input_tokens"), 4);
}

TEST(ResponsesResponseTest, AnswerWithoutChoicesIsAnUpstreamError) {
  auto r = ChatResponseToResponses(Obj(R"({"id":"c"})"), json::object(), 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUpstreamError);
}

std::vector<std::string> Types(const std::vector<SseEvent>& events) {
  std::vector<std::string> t;
  for (const auto& e : events) t.push_back(e.event);
  return t;
}

TEST(ResponsesReplayTest, ReplayFollowsTheDocumentedSequenceAndRoundTrips) {
  auto r = ChatResponseToResponses(Obj(kChatAnswer), json::object(), 1);
  ASSERT_TRUE(r.ok());
  auto events = ResponseToSse(Dialect::kResponses, *r);
  EXPECT_EQ(Types(events), (std::vector<std::string>{
      "response.created", "response.in_progress",
      "response.output_item.added", "response.content_part.added", "response.output_text.delta",
      "response.output_text.done", "response.content_part.done", "response.output_item.done",
      "response.output_item.added", "response.function_call_arguments.delta",
      "response.function_call_arguments.done", "response.output_item.done", "response.completed"}));
  for (std::size_t i = 0; i < events.size(); ++i) {
    auto data = Obj(events[i].data);
    EXPECT_EQ(data.at("type").as_string(), events[i].event);
    EXPECT_EQ(data.at("sequence_number"), static_cast<std::int64_t>(i));
  }
  StreamAccumulator acc(Dialect::kResponses);
  for (const auto& e : testing::ParseAll(testing::Wire(events))) ASSERT_TRUE(acc.Feed(e).ok());
  ASSERT_TRUE(acc.complete());
  auto back = acc.Finish();
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, *r);
}

TEST(ResponsesReplayTest, LongTextIsSentInPiecesThatNeverSplitUtf8) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "äöü ";
  json::object chat = Obj(kChatAnswer);
  chat["choices"].as_array()[0].as_object()["message"].as_object()["content"] = text;
  auto r = ChatResponseToResponses(chat, json::object(), 1);
  ASSERT_TRUE(r.ok());
  std::string joined;
  int deltas = 0;
  for (const auto& e : ResponseToSse(Dialect::kResponses, *r)) {
    if (e.event != "response.output_text.delta") continue;
    auto d = Obj(e.data);
    EXPECT_LE(d.at("delta").as_string().size(), 64u);
    joined += std::string(d.at("delta").as_string());
    ++deltas;
  }
  EXPECT_GT(deltas, 2);
  EXPECT_EQ(joined, text);
}

std::vector<SseEvent> ChatStream() {
  return testing::ParseAll(
      "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":3,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n"
      "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n"
      "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":null}]}\n\n"
      "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"shell\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}\n\n"
      "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"command\\\":\"}}]},\"finish_reason\":null}]}\n\n"
      "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"[\\\"ls\\\"]}\"}}]},\"finish_reason\":null}]}\n\n"
      "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"
      "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4,\"total_tokens\":13}}\n\n"
      "data: [DONE]\n\n");
}

TEST(ResponsesStreamTest, ChatStreamBecomesResponsesEventsAsTheyArrive) {
  StreamTranslator tr(Dialect::kOpenAI, Dialect::kResponses, 1);
  std::vector<SseEvent> out;
  auto in = ChatStream();
  ASSERT_TRUE(tr.Feed(in[0], out).ok());
  EXPECT_EQ(Types(out), (std::vector<std::string>{"response.created", "response.in_progress"}));
  ASSERT_TRUE(tr.Feed(in[1], out).ok());  // first text: the message item opens at once
  EXPECT_EQ(out.back().event, "response.output_text.delta");
  for (std::size_t i = 2; i < in.size(); ++i) ASSERT_TRUE(tr.Feed(in[i], out).ok());
  EXPECT_TRUE(tr.done());
  EXPECT_EQ(Types(out), (std::vector<std::string>{
      "response.created", "response.in_progress", "response.output_item.added",
      "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
      "response.output_text.done", "response.content_part.done", "response.output_item.done",
      "response.output_item.added", "response.function_call_arguments.delta",
      "response.function_call_arguments.delta", "response.function_call_arguments.done",
      "response.output_item.done", "response.completed"}));
  StreamAccumulator acc(Dialect::kResponses);
  for (const auto& e : out) ASSERT_TRUE(acc.Feed(e).ok());
  auto final_response = acc.Finish();
  ASSERT_TRUE(final_response.ok());
  EXPECT_EQ(final_response->at("id"), "resp_c1");
  EXPECT_EQ(final_response->at("output").at(0).at("content").at(0).at("text"), "Hello");
  EXPECT_EQ(final_response->at("output").at(1).at("arguments"), "{\"command\":[\"ls\"]}");
  EXPECT_EQ(final_response->at("usage").at("total_tokens"), 13);
  // The streamed and the JSON translation agree.
  auto json_form = ChatResponseToResponses(Obj(kChatAnswer), json::object(), 1);
  EXPECT_EQ(json_form->at("output").at(1).at("type"), final_response->at("output").at(1).at("type"));
}

TEST(ResponsesStreamTest, AnthropicStreamTranslatesThroughChat) {
  auto in = testing::ParseAll(
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude\",\"content\":[],\"usage\":{\"input_tokens\":5,\"output_tokens\":0}}}\n\n"
      "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n"
      "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
      "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":1}}\n\n"
      "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
  StreamTranslator tr(Dialect::kAnthropic, Dialect::kResponses, 1);
  std::vector<SseEvent> out;
  for (const auto& e : in) ASSERT_TRUE(tr.Feed(e, out).ok());
  ASSERT_TRUE(tr.done());
  StreamAccumulator acc(Dialect::kResponses);
  for (const auto& e : out) ASSERT_TRUE(acc.Feed(e).ok());
  auto r = acc.Finish();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("output").at(0).at("content").at(0).at("text"), "Hi");
  EXPECT_EQ(r->at("status"), "completed");
}

TEST(ResponsesStreamTest, UpstreamErrorChunkBecomesResponseFailed) {
  StreamTranslator tr(Dialect::kOpenAI, Dialect::kResponses, 1);
  std::vector<SseEvent> out;
  auto in = ChatStream();
  ASSERT_TRUE(tr.Feed(in[0], out).ok());
  ASSERT_TRUE(tr.Feed(SseEvent{"", R"({"error":{"message":"overloaded","type":"server_error"}})"}, out).ok());
  EXPECT_TRUE(tr.done());
  EXPECT_EQ(out.back().event, "response.failed");
  EXPECT_EQ(Obj(out.back().data).at("response").at("error").at("message"), "overloaded");
  StreamAccumulator acc(Dialect::kResponses);
  for (const auto& e : out) (void)acc.Feed(e);
  EXPECT_TRUE(acc.failed());
  EXPECT_FALSE(acc.complete());
}

TEST(ResponsesStreamTest, CutStreamGetsAFailedEventWithTheSameResponseId) {
  StreamTranslator tr(Dialect::kOpenAI, Dialect::kResponses, 1);
  std::vector<SseEvent> out;
  auto in = ChatStream();
  for (std::size_t i = 0; i < 3; ++i) ASSERT_TRUE(tr.Feed(in[i], out).ok());
  StreamAccumulator acc(Dialect::kResponses);
  for (const auto& e : out) ASSERT_TRUE(acc.Feed(e).ok());
  ASSERT_FALSE(acc.complete());
  ASSERT_NE(acc.responses(), nullptr);
  SseEvent cut = acc.responses()->CutEvent("cut");
  auto data = Obj(cut.data);
  EXPECT_EQ(cut.event, "response.failed");
  EXPECT_EQ(data.at("response").at("id"), "resp_c1");
  EXPECT_EQ(data.at("response").at("status"), "failed");
  EXPECT_EQ(data.at("sequence_number"), static_cast<std::int64_t>(out.size()));
}

TEST(ResponsesStreamTest, PassThroughIsByteFaithful) {
  StreamTranslator tr(Dialect::kResponses, Dialect::kResponses, 1);
  SseEvent e{"response.created", R"({"type":"response.created","sequence_number":0,"response":{"id":"r"}})"};
  std::vector<SseEvent> out;
  ASSERT_TRUE(tr.Feed(e, out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], e);
}

}  // namespace
}  // namespace isartor::dialect

namespace isartor::dialect {
namespace {

TEST(ResponsesRequestTest, ViewSkipsItemsOnlyAResponsesUpstreamUnderstands) {
  auto body = testing::Obj(R"({"input":[{"type":"local_shell_call","id":"x"},
      {"role":"user","content":[{"type":"input_file","file_id":"f"},{"type":"input_text","text":"go"}]}]})");
  auto v = ViewRequest(Dialect::kResponses, body);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->last_user_text, "go");
}

}  // namespace
}  // namespace isartor::dialect
