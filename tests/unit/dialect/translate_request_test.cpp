#include "dialect/translate_request.h"

#include "dialect/validate.h"
#include "test_util.h"

namespace isartor::dialect {
namespace {

using testing::Obj;
namespace json = boost::json;

TEST(AnthropicRequestToOpenAITest, MapsSystemMessagesSamplingAndStream) {
  auto r = AnthropicRequestToOpenAI(Obj(R"({"model":"m","max_tokens":100,"system":"be nice",
    "temperature":0.3,"top_p":0.9,"top_k":5,"stop_sequences":["END"],"stream":true,
    "metadata":{"user_id":"u7"},
    "messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[
      {"type":"text","text":"hello"}]}]})"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  const json::object& o = *r;
  EXPECT_EQ(o.at("model"), "m");
  EXPECT_EQ(o.at("max_tokens"), 100);
  EXPECT_EQ(o.at("stop"), json::array{"END"});
  EXPECT_EQ(o.at("stream"), true);
  EXPECT_EQ(o.at("stream_options").at("include_usage"), true);
  EXPECT_EQ(o.at("user"), "u7");
  EXPECT_FALSE(o.contains("top_k"));
  const auto& msgs = o.at("messages").as_array();
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[0], json::value(Obj(R"({"role":"system","content":"be nice"})")));
  EXPECT_EQ(msgs[1], json::value(Obj(R"({"role":"user","content":"hi"})")));
  EXPECT_EQ(msgs[2], json::value(Obj(R"({"role":"assistant","content":"hello"})")));
  EXPECT_TRUE(ValidateRequest(Dialect::kOpenAI, json::value(o)).ok());
}

TEST(AnthropicRequestToOpenAITest, MapsImagesToImageUrlParts) {
  auto r = AnthropicRequestToOpenAI(Obj(R"({"max_tokens":1,"messages":[{"role":"user","content":[
    {"type":"text","text":"see"},
    {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"QUJD"}},
    {"type":"image","source":{"type":"url","url":"https://x/y.png"}}]}]})"));
  ASSERT_TRUE(r.ok());
  const auto& parts = r->at("messages").as_array()[0].at("content").as_array();
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1].at("image_url").at("url"), "data:image/jpeg;base64,QUJD");
  EXPECT_EQ(parts[2].at("image_url").at("url"), "https://x/y.png");
}

TEST(AnthropicRequestToOpenAITest, MapsToolsToolUseAndToolResults) {
  auto r = AnthropicRequestToOpenAI(Obj(R"({"max_tokens":1,
    "tools":[{"name":"get_weather","description":"d","input_schema":{"type":"object"}}],
    "tool_choice":{"type":"any","disable_parallel_tool_use":true},
    "messages":[{"role":"user","content":"weather in Paris?"},
      {"role":"assistant","content":[{"type":"text","text":"checking"},
        {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1",
        "content":[{"type":"text","text":"sunny"}]},{"type":"text","text":"and tomorrow?"}]}]})"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at("tools"), json::value(boost::json::parse(
      R"([{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"},
         "description":"d"}}])")));
  EXPECT_EQ(r->at("tool_choice"), "required");
  EXPECT_EQ(r->at("parallel_tool_calls"), false);
  const auto& msgs = r->at("messages").as_array();
  ASSERT_EQ(msgs.size(), 4u);
  const auto& call = msgs[1].at("tool_calls").as_array()[0];
  EXPECT_EQ(msgs[1].at("content"), "checking");
  EXPECT_EQ(call.at("id"), "toolu_1");
  EXPECT_EQ(call.at("function").at("name"), "get_weather");
  EXPECT_EQ(boost::json::parse(call.at("function").at("arguments").as_string()),
            boost::json::parse(R"({"city":"Paris"})"));
  EXPECT_EQ(msgs[2], json::value(Obj(R"({"role":"tool","tool_call_id":"toolu_1",
                                        "content":"sunny"})")));
  EXPECT_EQ(msgs[3], json::value(Obj(R"({"role":"user","content":"and tomorrow?"})")));
}

TEST(AnthropicRequestToOpenAITest, MapsEachToolChoice) {
  auto choice = [](std::string_view tc) {
    auto r = AnthropicRequestToOpenAI(Obj(std::string(R"({"max_tokens":1,"tool_choice":)") +
                                          std::string(tc) +
                                          R"(,"messages":[{"role":"user","content":"x"}]})"));
    return r.ok() ? r->at("tool_choice") : json::value("error");
  };
  EXPECT_EQ(choice(R"({"type":"auto"})"), "auto");
  EXPECT_EQ(choice(R"({"type":"none"})"), "none");
  EXPECT_EQ(choice(R"({"type":"tool","name":"f"})"),
            json::value(Obj(R"({"type":"function","function":{"name":"f"}})")));
}

TEST(AnthropicRequestToOpenAITest, RejectsBlocksOpenAICannotExpress) {
  auto r = AnthropicRequestToOpenAI(Obj(R"({"max_tokens":1,"messages":[{"role":"user",
    "content":[{"type":"document","source":{}}]}]})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(AnthropicRequestToOpenAI(Obj(R"({"max_tokens":1,"messages":7})")).ok());
}

TEST(OpenAIRequestToAnthropicTest, MapsSystemStopTemperatureAndDefaultMaxTokens) {
  auto r = OpenAIRequestToAnthropic(Obj(R"({"model":"m","temperature":1.6,"stop":"END",
    "user":"u","stream":true,"stream_options":{"include_usage":true},"messages":[
    {"role":"system","content":"s1"},{"role":"developer","content":"s2"},
    {"role":"user","content":"hi"}]})"), 1024);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at("system"), "s1\n\ns2");
  EXPECT_EQ(r->at("max_tokens"), 1024);
  EXPECT_EQ(r->at("temperature"), 1.0);
  EXPECT_EQ(r->at("stop_sequences"), json::array{"END"});
  EXPECT_EQ(r->at("metadata").at("user_id"), "u");
  EXPECT_EQ(r->at("stream"), true);
  EXPECT_FALSE(r->contains("stream_options"));
  EXPECT_EQ(r->at("messages"), json::value(boost::json::parse(
      R"([{"role":"user","content":[{"type":"text","text":"hi"}]}])")));
  EXPECT_TRUE(ValidateRequest(Dialect::kAnthropic, json::value(*r)).ok());
}

TEST(OpenAIRequestToAnthropicTest, PrefersMaxCompletionTokens) {
  auto r = OpenAIRequestToAnthropic(Obj(R"({"max_tokens":5,"max_completion_tokens":7,
    "messages":[{"role":"user","content":"x"}]})"), 1024);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("max_tokens"), 7);
}

TEST(OpenAIRequestToAnthropicTest, MapsToolCallsAndMergesToolResultsIntoOneUserTurn) {
  auto r = OpenAIRequestToAnthropic(Obj(R"({"tools":[{"type":"function","function":{
    "name":"f","description":"d","parameters":{"type":"object","properties":{}}}}],
    "tool_choice":{"type":"function","function":{"name":"f"}},"parallel_tool_calls":false,
    "messages":[{"role":"user","content":"go"},
    {"role":"assistant","content":null,"tool_calls":[
      {"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}},
      {"id":"c2","type":"function","function":{"name":"f","arguments":""}}]},
    {"role":"tool","tool_call_id":"c1","content":"r1"},
    {"role":"tool","tool_call_id":"c2","content":[{"type":"text","text":"r2"}]},
    {"role":"user","content":"thanks"}]})"), 10);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at("tools"), json::value(boost::json::parse(
      R"([{"name":"f","description":"d","input_schema":{"type":"object","properties":{}}}])")));
  EXPECT_EQ(r->at("tool_choice"),
            json::value(Obj(R"({"type":"tool","name":"f","disable_parallel_tool_use":true})")));
  const auto& msgs = r->at("messages").as_array();
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[1], json::value(Obj(R"({"role":"assistant","content":[
    {"type":"tool_use","id":"c1","name":"f","input":{"a":1}},
    {"type":"tool_use","id":"c2","name":"f","input":{}}]})")));
  EXPECT_EQ(msgs[2], json::value(Obj(R"({"role":"user","content":[
    {"type":"tool_result","tool_use_id":"c1","content":"r1"},
    {"type":"tool_result","tool_use_id":"c2","content":"r2"},
    {"type":"text","text":"thanks"}]})")));
}

TEST(OpenAIRequestToAnthropicTest, MapsImageUrlsToBase64AndUrlSources) {
  auto r = OpenAIRequestToAnthropic(Obj(R"({"messages":[{"role":"user","content":[
    {"type":"image_url","image_url":{"url":"data:image/png;base64,QUJD"}},
    {"type":"image_url","image_url":{"url":"https://x/y.png","detail":"low"}}]}]})"), 10);
  ASSERT_TRUE(r.ok());
  const auto& blocks = r->at("messages").as_array()[0].at("content").as_array();
  EXPECT_EQ(blocks[0], json::value(Obj(R"({"type":"image","source":{"type":"base64",
    "media_type":"image/png","data":"QUJD"}})")));
  EXPECT_EQ(blocks[1], json::value(Obj(R"({"type":"image","source":{"type":"url",
    "url":"https://x/y.png"}})")));
}

TEST(OpenAIRequestToAnthropicTest, MapsStringToolChoices) {
  for (auto [in, out] : {std::pair{"\"none\"", "none"}, std::pair{"\"auto\"", "auto"},
                         std::pair{"\"required\"", "any"}}) {
    auto r = OpenAIRequestToAnthropic(Obj(std::string(R"({"tool_choice":)") + in +
                                          R"(,"messages":[{"role":"user","content":"x"}]})"),
                                      10);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->at("tool_choice").at("type"), out);
  }
}

TEST(OpenAIRequestToAnthropicTest, RejectsWhatAnthropicCannotExpress) {
  for (std::string_view body :
       {R"({"n":2,"messages":[{"role":"user","content":"x"}]})",
        R"({"response_format":{"type":"json_object"},"messages":[{"role":"user","content":"x"}]})",
        R"({"messages":[{"role":"user","content":[{"type":"input_audio"}]}]})",
        R"({"messages":[{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f",
            "arguments":"{not json"}}]}]})"}) {
    auto r = OpenAIRequestToAnthropic(Obj(body), 10);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
}

// Regression, found by fuzz/translate_fuzzer: thinking blocks are dropped, so this became an
// OpenAI request with "messages":[].
TEST(AnthropicRequestToOpenAITest, RefusesMessagesThatTranslateToNothing) {
  const json::object body = Obj(R"({"model":"m","max_tokens":100,"system":"s","messages":[
    {"role":"user","content":[{"type":"thinking","thinking":"t","signature":"x"}]}]})");
  ASSERT_TRUE(ValidateRequest(Dialect::kAnthropic, body).ok());
  auto r = AnthropicRequestToOpenAI(body);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("thinking blocks are dropped"), std::string::npos);
}

// Regression, found by fuzz/translate_fuzzer: valid OpenAI, but nothing Anthropic can carry as
// a message. It used to translate into a request with "messages":[], which no upstream accepts.
TEST(OpenAIRequestToAnthropicTest, RefusesAConversationOfSystemMessagesOnly) {
  const json::object body = Obj(R"({"model":"m","messages":[{"role":"developer","content":[
    {"type":"text","text":"look"},
    {"type":"image_url","image_url":{"url":"data:image/png;base64,AA=="}}]},
    {"role":"assistant","content":""}]})");
  ASSERT_TRUE(ValidateRequest(Dialect::kOpenAI, body).ok());
  auto r = OpenAIRequestToAnthropic(body, 64);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("no user or assistant message"), std::string::npos);
}

TEST(RequestTranslationTest, ToolConversationSurvivesARoundTrip) {
  auto original = Obj(R"({"model":"m","max_tokens":50,"system":"s",
    "tools":[{"name":"f","description":"d","input_schema":{"type":"object"}}],
    "messages":[{"role":"user","content":[{"type":"text","text":"go"}]},
      {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":{"x":[1,2]}}]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}]})");
  auto to_openai = AnthropicRequestToOpenAI(original);
  ASSERT_TRUE(to_openai.ok());
  auto back = OpenAIRequestToAnthropic(*to_openai, 1);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->at("system"), "s");
  EXPECT_EQ(back->at("max_tokens"), 50);
  EXPECT_EQ(back->at("tools"), original.at("tools"));
  EXPECT_EQ(back->at("messages"), original.at("messages"));
}

TEST(AnthropicRequestToOpenAITest, SystemTurnsInsideMessagesJoinTheOneLeadingSystemMessage) {
  auto r = AnthropicRequestToOpenAI(Obj(R"({"max_tokens":5,"system":[{"type":"text","text":"top"}],
    "messages":[{"role":"user","content":"hi"},{"role":"system","content":"extra context"},
      {"role":"assistant","content":"ok"},
      {"role":"system","content":[{"type":"text","text":"more"}]},
      {"role":"user","content":"again"}]})"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& msgs = r->at("messages").as_array();
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(msgs[0], json::value(Obj(R"({"role":"system","content":"top\n\nextra context\n\nmore"})")));
  for (std::size_t i = 1; i < msgs.size(); ++i) EXPECT_NE(msgs[i].at("role"), "system");
  EXPECT_EQ(msgs[1].at("role"), "user");
  EXPECT_EQ(msgs[2].at("role"), "assistant");
  EXPECT_TRUE(ValidateRequest(Dialect::kOpenAI, json::value(*r)).ok());
}

TEST(AnthropicRequestToOpenAITest, ASystemTurnWithoutTopLevelSystemStillGoesFirst) {
  auto r = AnthropicRequestToOpenAI(Obj(R"({"max_tokens":5,
    "messages":[{"role":"user","content":"hi"},{"role":"system","content":"late"}]})"));
  ASSERT_TRUE(r.ok());
  const auto& msgs = r->at("messages").as_array();
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0], json::value(Obj(R"({"role":"system","content":"late"})")));
  EXPECT_EQ(msgs[1], json::value(Obj(R"({"role":"user","content":"hi"})")));
}

TEST(AnthropicRequestToOpenAITest, AUserTurnOfSeveralTextBlocksBecomesOneString) {
  auto r = AnthropicRequestToOpenAI(Obj(R"({"max_tokens":5,"messages":[{"role":"user","content":[
    {"type":"text","text":"<system-reminder>boilerplate</system-reminder>"},
    {"type":"text","text":"What is 2+2?","cache_control":{"type":"ephemeral"}}]}]})"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("messages").as_array()[0],
            json::value(Obj(R"({"role":"user",
              "content":"<system-reminder>boilerplate</system-reminder>\n\nWhat is 2+2?"})")));
}

TEST(AnthropicRequestToOpenAITest, AUserTurnWithAnImageKeepsItsParts) {
  auto r = AnthropicRequestToOpenAI(Obj(R"({"max_tokens":5,"messages":[{"role":"user","content":[
    {"type":"text","text":"a"},{"type":"text","text":"b"},
    {"type":"image","source":{"type":"url","url":"https://x/y.png"}}]}]})"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("messages").as_array()[0].at("content").as_array().size(), 3u);
}

}  // namespace
}  // namespace isartor::dialect
