// GET /v1/models and /v1/models/{id} in both dialects' shapes.
#include "http/models_route.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace isartor {
namespace {

namespace json = boost::json;

Config TwoModels() {
  Config c;
  c.external_llm_model = "llama-3-8b";
  c.model_aliases["fast"] = "llama-3-8b";
  return c;
}

TEST(ModelsRouteTest, OpenAIListHasTheDefaultTheAliasesAndTheLocalEmbeddingModel) {
  auto a = AnswerModels(TwoModels(), "/v1/models", false, "all-MiniLM-L6-v2");
  ASSERT_EQ(a.status, 200);
  auto body = json::parse(a.body).as_object();
  EXPECT_EQ(body.at("object"), "list");
  std::vector<std::string> ids;
  for (const auto& m : body.at("data").as_array()) ids.emplace_back(m.at("id").as_string());
  EXPECT_EQ(ids, (std::vector<std::string>{"llama-3-8b", "fast", "all-MiniLM-L6-v2"}));
}

TEST(ModelsRouteTest, OneModelByIdEvenWithASlash) {
  Config c = TwoModels();
  c.model_aliases["org/model"] = "llama-3-8b";
  auto a = AnswerModels(c, "/v1/models/org/model", false, "");
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(json::parse(a.body).at("id"), "org/model");
  EXPECT_EQ(json::parse(a.body).at("object"), "model");
}

TEST(ModelsRouteTest, UnknownIdIsA404InTheRequestedShape) {
  auto openai = AnswerModels(TwoModels(), "/v1/models/nope", false, "");
  EXPECT_EQ(openai.status, 404);
  EXPECT_EQ(json::parse(openai.body).at("error").at("type"), "invalid_request_error");
  auto anthropic = AnswerModels(TwoModels(), "/v1/models/nope", true, "");
  EXPECT_EQ(anthropic.status, 404);
  EXPECT_EQ(json::parse(anthropic.body).at("type"), "error");
  EXPECT_EQ(json::parse(anthropic.body).at("error").at("type"), "not_found_error");
}

TEST(ModelsRouteTest, AnthropicListIsPaged) {
  auto a = AnswerModels(TwoModels(), "/v1/models", true, "");
  auto body = json::parse(a.body).as_object();
  EXPECT_EQ(body.at("has_more"), false);
  EXPECT_EQ(body.at("first_id"), "llama-3-8b");
  EXPECT_EQ(body.at("last_id"), "fast");
  EXPECT_EQ(body.at("data").at(0).at("type"), "model");
  EXPECT_EQ(body.at("data").at(0).at("display_name"), "llama-3-8b");
}

}  // namespace
}  // namespace isartor
