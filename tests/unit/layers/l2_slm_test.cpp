// Tests of the L2 SLM router's pure parts: hard rules, quality guard, sidecar request/answer
// mapping, and the trained head on real MiniLM embeddings (skipped without the model folder).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>

#include "dialect/request_view.h"
#include "embed/embedder.h"
#include "layers/l2_slm/quality_guard.h"
#include "layers/l2_slm/route_policy.h"
#include "layers/l2_slm/router_head.h"
#include "layers/l2_slm/sidecar_exchange.h"

namespace isartor {
namespace {
namespace json = boost::json;
using dialect::Dialect;

RequestContext Context(Dialect d, const char* body) {
  RequestContext ctx;
  ctx.dialect = d;
  ctx.body = json::parse(body).as_object();
  auto view = dialect::ViewRequest(d, ctx.body);
  EXPECT_TRUE(view.ok());
  ctx.view = std::move(*view);
  return ctx;
}

TEST(RoutePolicyTest, PlainQuestionIsEligible) {
  auto ctx = Context(Dialect::kOpenAI, R"({"messages":[{"role":"user","content":"Hi"}]})");
  EXPECT_EQ(l2::IneligibleReason(ctx), std::nullopt);
}

TEST(RoutePolicyTest, ToolsImagesAndStructuredOutputAlwaysPassOn) {
  EXPECT_EQ(l2::IneligibleReason(Context(Dialect::kOpenAI, R"({"messages":[{"role":"user",
      "content":"Hi"}],"tools":[{"type":"function","function":{"name":"f"}}]})")), "tools");
  EXPECT_EQ(l2::IneligibleReason(Context(Dialect::kOpenAI, R"({"messages":[{"role":"user",
      "content":"Hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"1","type":
      "function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"1",
      "content":"42"}]})")), "tool activity");
  EXPECT_EQ(l2::IneligibleReason(Context(Dialect::kOpenAI, R"({"messages":[{"role":"user",
      "content":[{"type":"text","text":"what is this"},{"type":"image_url","image_url":
      {"url":"data:image/png;base64,AAAA"}}]}]})")), "images");
  EXPECT_EQ(l2::IneligibleReason(Context(Dialect::kOpenAI, R"({"messages":[{"role":"user",
      "content":"Hi"}],"response_format":{"type":"json_schema"}})")), "response_format json_schema");
  EXPECT_EQ(l2::IneligibleReason(Context(Dialect::kOpenAI, R"({"messages":[{"role":"user",
      "content":"Hi"}],"response_format":{"type":"text"}})")), std::nullopt);
  EXPECT_EQ(l2::IneligibleReason(Context(Dialect::kAnthropic, R"({"max_tokens":9,"messages":[
      {"role":"user","content":"Hi"}],"thinking":{"type":"enabled","budget_tokens":1024}})")),
            "thinking");
}

TEST(RoutePolicyTest, LongConversationPassesOn) {
  std::string big(l2::kMaxLocalPromptBytes + 1, 'a');
  auto ctx = Context(Dialect::kOpenAI,
                     (R"({"messages":[{"role":"user","content":")" + big + R"("}]})").c_str());
  EXPECT_EQ(l2::IneligibleReason(ctx), "prompt too long");
}

TEST(QualityGuardTest, AcceptsAPlainAnswer) {
  EXPECT_EQ(l2::RejectReason("The capital of France is Paris.", "stop"), std::nullopt);
  EXPECT_EQ(l2::RejectReason("Paris.", ""), std::nullopt);
}

TEST(QualityGuardTest, RejectsEmptyTruncatedRefusalAndLoops) {
  EXPECT_EQ(l2::RejectReason(" \n\t", "stop"), "empty");
  EXPECT_EQ(l2::RejectReason("The capital of", "length"), "truncated");
  EXPECT_EQ(l2::RejectReason("I'm sorry, but I can't help with that.", "stop"), "refusal");
  EXPECT_EQ(l2::RejectReason("As an AI language model, I have no opinion.", "stop"), "refusal");
  EXPECT_EQ(l2::RejectReason("Unfortunately, I don\xE2\x80\x99t know.", "stop"), "refusal");
  EXPECT_EQ(l2::RejectReason("a\nb\nb\nb\nb\nb\nc", "stop"), "repetition");
}

TEST(SidecarExchangeTest, RequestCarriesTurnsCappedTokensAndStops) {
  auto ctx = Context(Dialect::kAnthropic, R"({"max_tokens":1000,"system":"Be brief.",
      "stop_sequences":["END"],"temperature":0.2,"messages":[{"role":"user","content":"Hi"},
      {"role":"assistant","content":"Hello"},{"role":"user","content":"Capital of France?"}]})");
  json::object req = l2::SidecarRequest(ctx, "gemma-3-270m", 64, {"###"});
  EXPECT_EQ(json::serialize(req),
            R"({"model":"gemma-3-270m","messages":[{"role":"system","content":"Be brief."},)"
            R"({"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},)"
            R"({"role":"user","content":"Capital of France?"}],"max_tokens":64,"stream":false,)"
            R"("temperature":2E-1,"stop":["END","###"]})");
}

TEST(SidecarExchangeTest, AnswerBecomesTheClientsDialect) {
  auto parsed = l2::ParseSidecarResponse(R"({"choices":[{"message":{"role":"assistant",
      "content":"Paris."},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,
      "completion_tokens":3}})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->text, "Paris.");
  EXPECT_EQ(parsed->finish_reason, "stop");
  auto openai = l2::ClientAnswerBody(Dialect::kOpenAI, *parsed, "gemma", "r1", 5);
  ASSERT_TRUE(openai.ok());
  json::object o = json::parse(*openai).as_object();
  EXPECT_EQ(o.at("choices").at(0).at("message").at("content"), "Paris.");
  EXPECT_EQ(o.at("usage").at("total_tokens"), 10);
  auto anthropic = l2::ClientAnswerBody(Dialect::kAnthropic, *parsed, "gemma", "r1", 5);
  ASSERT_TRUE(anthropic.ok());
  json::object a = json::parse(*anthropic).as_object();
  EXPECT_EQ(a.at("type"), "message");
  EXPECT_EQ(a.at("content").at(0).at("text"), "Paris.");
  EXPECT_EQ(a.at("stop_reason"), "end_turn");
}

TEST(SidecarExchangeTest, MalformedSidecarAnswersAreErrors) {
  EXPECT_FALSE(l2::ParseSidecarResponse("not json").ok());
  EXPECT_FALSE(l2::ParseSidecarResponse(R"({"choices":[]})").ok());
  EXPECT_FALSE(l2::ParseSidecarResponse(R"({"choices":[{"message":{"content":[1]}}]})").ok());
}

TEST(RouterHeadTest, WrongDimensionRoutesToTheBigModel) {
  std::vector<float> v(10, 0.1f);
  EXPECT_EQ(l2::RouterHead().ComplexProbability(v, 5), 1.0);
}

TEST(RouterHeadTest, SeparatesSimpleFromComplexPromptsOnRealEmbeddings) {
  std::string dir = std::string(ISARTOR_SOURCE_DIR) + "/models/all-MiniLM-L6-v2";
  if (!std::filesystem::exists(dir + "/model.safetensors")) {
    GTEST_SKIP() << "model folder absent: run scripts/setup_models.sh";
  }
  embed::EmbedderOptions options;
  options.model_dir = dir;
  options.workers = 1;
  auto embedder = embed::Embedder::Create(std::move(options));
  ASSERT_TRUE(embedder.ok()) << embedder.error().message;
  l2::RouterHead head;
  // Prompts that are not in the training data.
  for (const char* simple : {"What is the capital of Italy?", "How do I reset my router password?",
                             "Say good morning in Spanish."}) {
    auto e = (*embedder)->Embed(simple);
    ASSERT_TRUE(e.ok());
    EXPECT_LT(head.ComplexProbability(e->vector, e->tokens.size()), head.threshold()) << simple;
  }
  for (const char* complex :
       {"Design a sharded, replicated key-value store with consistent hashing and explain how "
        "it recovers from a network partition.",
        "Implement a concurrent skip list in C++ with lock-free insertion and write tests."}) {
    auto e = (*embedder)->Embed(complex);
    ASSERT_TRUE(e.ok());
    EXPECT_GE(head.ComplexProbability(e->vector, e->tokens.size()), head.threshold()) << complex;
  }
}

}  // namespace
}  // namespace isartor
