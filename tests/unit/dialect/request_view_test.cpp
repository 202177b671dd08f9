#include "dialect/request_view.h"

#include "test_util.h"

namespace isartor::dialect {
namespace {

using testing::Obj;

TEST(ViewRequestTest, FlattensAnOpenAIConversation) {
  auto v = ViewRequest(Dialect::kOpenAI, Obj(R"({"model":"gpt","stream":true,"messages":[
    {"role":"system","content":"be brief"},
    {"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},
    {"role":"assistant","content":"ok"},
    {"role":"user","content":"again"}]})"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->model, "gpt");
  EXPECT_TRUE(v->stream);
  EXPECT_EQ(v->system_text, "be brief");
  ASSERT_EQ(v->turns.size(), 3u);
  EXPECT_EQ(v->turns[0].role, "user");
  EXPECT_EQ(v->turns[0].text, "a\nb");
  EXPECT_EQ(v->last_user_text, "again");
  EXPECT_FALSE(v->has_tools);
  EXPECT_FALSE(v->turn_has_tool_activity);
  EXPECT_FALSE(v->has_images);
}

TEST(ViewRequestTest, ReadsAnthropicSystemBlocksAndImages) {
  auto v = ViewRequest(Dialect::kAnthropic, Obj(R"({"system":[{"type":"text","text":"s1"},
    {"type":"text","text":"s2"}],"max_tokens":3,"messages":[{"role":"user","content":[
    {"type":"image","source":{"type":"base64","media_type":"image/png","data":"AA"}},
    {"type":"text","text":"what is this"}]}]})"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->model, "");
  EXPECT_FALSE(v->stream);
  EXPECT_EQ(v->system_text, "s1\ns2");
  EXPECT_TRUE(v->has_images);
  EXPECT_EQ(v->last_user_text, "what is this");
}

TEST(ViewRequestTest, OpenAIToolResultAtTheEndIsToolActivity) {
  auto v = ViewRequest(Dialect::kOpenAI, Obj(R"({"tools":[{"type":"function","function":
    {"name":"f"}}],"messages":[{"role":"user","content":"weather?"},
    {"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function",
      "function":{"name":"f","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"c","content":"sunny"}]})"));
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->has_tools);
  EXPECT_TRUE(v->turn_has_tool_activity);
  EXPECT_EQ(v->turns.back().role, "tool");
  EXPECT_EQ(v->turns.back().text, "sunny");
  EXPECT_EQ(v->last_user_text, "weather?");
}

TEST(ViewRequestTest, AnthropicToolResultBlockIsToolActivityButANewQuestionIsNot) {
  auto loop = ViewRequest(Dialect::kAnthropic, Obj(R"({"max_tokens":3,"messages":[
    {"role":"user","content":"weather?"},
    {"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{}}]},
    {"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"sunny"}]}]})"));
  ASSERT_TRUE(loop.ok());
  EXPECT_TRUE(loop->turn_has_tool_activity);
  EXPECT_EQ(loop->last_user_text, "weather?");

  auto fresh = ViewRequest(Dialect::kAnthropic, Obj(R"({"max_tokens":3,"messages":[
    {"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"x"}]},
    {"role":"assistant","content":"done"},
    {"role":"user","content":"thanks, now what?"}]})"));
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE(fresh->turn_has_tool_activity);
  EXPECT_EQ(fresh->last_user_text, "thanks, now what?");
}

TEST(ViewRequestTest, MissingMessagesIsAnError) {
  auto v = ViewRequest(Dialect::kOpenAI, Obj(R"({"model":"m"})"));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, ErrorCode::kInvalidArgument);
}

TEST(ViewRequestTest, MalformedMessagesAreSkippedNotFatal) {
  auto v = ViewRequest(Dialect::kOpenAI, Obj(R"({"messages":[1,"x",{"role":"user","content":7},
    {"role":"user","content":"ok"}]})"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->last_user_text, "ok");
}

}  // namespace
}  // namespace isartor::dialect
