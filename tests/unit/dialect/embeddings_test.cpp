// The /v1/embeddings wire rules.
#include <gtest/gtest.h>

#include "dialect/embeddings.h"
#include "test_util.h"

namespace isartor::dialect {
namespace {

using testing::Obj;

std::string Problem(const char* body, EmbeddingsLimits limits = {}) {
  auto r = ParseEmbeddingsRequest(Obj(body), limits);
  return r.ok() ? "ok" : r.error().message;
}

TEST(EmbeddingsTest, StringAndArrayInputsAreAccepted) {
  auto one = ParseEmbeddingsRequest(Obj(R"({"model":"all-MiniLM-L6-v2","input":"hi"})"), {});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->inputs, (std::vector<std::string>{"hi"}));
  EXPECT_FALSE(one->base64);
  auto many = ParseEmbeddingsRequest(
      Obj(R"({"model":"m","input":["a","b"],"encoding_format":"base64","dimensions":384})"), {});
  ASSERT_TRUE(many.ok());
  EXPECT_EQ(many->inputs.size(), 2u);
  EXPECT_TRUE(many->base64);
  EXPECT_TRUE(CheckDimensions(*many, 384).ok());
}

TEST(EmbeddingsTest, BadInputsGetClearMessages) {
  EXPECT_EQ(Problem(R"({"input":"x"})"), "model: is required (a string)");
  EXPECT_EQ(Problem(R"({"model":"m"})"), "input: is required");
  EXPECT_EQ(Problem(R"({"model":"m","input":""})"), "input: must not be empty");
  EXPECT_EQ(Problem(R"({"model":"m","input":[]})"), "input: must not be an empty array");
  EXPECT_NE(Problem(R"({"model":"m","input":[1,2,3]})").find("token-id input is not supported"),
            std::string::npos);
  EXPECT_NE(Problem(R"({"model":"m","input":[[1,2]]})").find("token-id input"), std::string::npos);
  EXPECT_EQ(Problem(R"({"model":"m","input":["a",{}]})"), "input[1]: must be a string");
  EXPECT_EQ(Problem(R"({"model":"m","input":"a","encoding_format":"int8"})"),
            "encoding_format: must be \"float\" or \"base64\"");
  EXPECT_EQ(Problem(R"({"model":"m","input":"a","dimensions":0})"), "dimensions: must be a positive integer");
  EXPECT_EQ(Problem(R"({"model":"m","input":["a","b","c"]})", {2, 100}),
            "input: at most 2 inputs per request (got 3)");
  EXPECT_NE(Problem(R"({"model":"m","input":"abcdef"})", {2, 5}).find("longer than 5 bytes"),
            std::string::npos);
}

TEST(EmbeddingsTest, OtherDimensionsAreRefused) {
  auto r = ParseEmbeddingsRequest(Obj(R"({"model":"all-MiniLM-L6-v2","input":"a","dimensions":128})"), {});
  ASSERT_TRUE(r.ok());
  Status s = CheckDimensions(*r, 384);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message,
            "dimensions: model all-MiniLM-L6-v2 has 384 dimensions and does not support shortening them");
}

TEST(EmbeddingsTest, BodyCarriesVectorsInOrderAsFloatsOrBase64) {
  EmbeddingsRequest req;
  req.model = "all-MiniLM-L6-v2";
  std::vector<std::vector<float>> v{{0.5f, -0.25f}, {1.0f, 0.1f}};
  auto body = Obj(EmbeddingsResponseBody(req, v, 7));
  EXPECT_EQ(body.at("object"), "list");
  EXPECT_EQ(body.at("data").at(1).at("index"), 1);
  EXPECT_EQ(body.at("data").at(0).at("embedding").at(1).as_double(), -0.25);
  EXPECT_FLOAT_EQ(static_cast<float>(body.at("data").at(1).at("embedding").at(1).as_double()), 0.1f);
  EXPECT_EQ(body.at("usage").at("prompt_tokens"), 7);
  req.base64 = true;
  auto b64 = Obj(EmbeddingsResponseBody(req, {{0.5f}}, 1));
  EXPECT_EQ(b64.at("data").at(0).at("embedding"), "AAAAPw==");  // 0.5f little-endian
}

}  // namespace
}  // namespace isartor::dialect
