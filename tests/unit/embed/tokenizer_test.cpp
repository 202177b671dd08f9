#include "embed/tokenizer.h"

#include <gtest/gtest.h>

#include "fixture.h"

namespace isartor::embed {
namespace {

using testing::LoadReferenceCases;
using testing::ReadFile;
using testing::TestModelDir;

class TokenizerFixtureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto vocab = ReadFile(TestModelDir() + "/vocab.txt");
    if (!vocab.ok()) {
      GTEST_SKIP() << "model folder " << TestModelDir()
                   << " is absent: run scripts/setup_models.sh (" << vocab.error().message << ")";
    }
    auto tok = WordPieceTokenizer::FromVocabText(*vocab, "vocab.txt");
    ASSERT_TRUE(tok.ok()) << tok.error().message;
    tokenizer_.emplace(std::move(tok).value());
  }
  std::optional<WordPieceTokenizer> tokenizer_;
};

TEST_F(TokenizerFixtureTest, TokenIdsMatchHuggingFaceForEveryFixtureText) {
  auto cases = LoadReferenceCases();
  ASSERT_TRUE(cases.ok()) << cases.error().message;
  ASSERT_GE(cases->size(), 200u);
  int mismatches = 0;
  for (const auto& c : *cases) {
    std::vector<int32_t> ids = tokenizer_->Encode(c.text);
    EXPECT_EQ(ids, c.tokens) << "text: " << c.text;
    if (ids != c.tokens) ++mismatches;
  }
  EXPECT_EQ(mismatches, 0);
}

TEST_F(TokenizerFixtureTest, EmptyTextIsClsSep) {
  EXPECT_EQ(tokenizer_->Encode(""), (std::vector<int32_t>{101, 102}));
}

TEST_F(TokenizerFixtureTest, LongTextIsTruncatedTo256Ids) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "word ";
  std::vector<int32_t> ids = tokenizer_->Encode(text);
  ASSERT_EQ(ids.size(), 256u);
  EXPECT_EQ(ids.front(), 101);
  EXPECT_EQ(ids.back(), 102);
}

TEST_F(TokenizerFixtureTest, InvalidUtf8BytesAreDroppedLikeReplacementChars) {
  EXPECT_EQ(tokenizer_->Encode("hello\xff\xfeworld"), tokenizer_->Encode("helloworld"));
}

TEST(TokenizerVocabTest, VocabularyWithoutSpecialTokensIsDataLoss) {
  auto tok = WordPieceTokenizer::FromVocabText("a\nb\nc\n", "vocab.txt");
  ASSERT_FALSE(tok.ok());
  EXPECT_EQ(tok.error().code, ErrorCode::kDataLoss);
  EXPECT_NE(tok.error().message.find("vocab.txt"), std::string::npos);
  EXPECT_NE(tok.error().message.find("[PAD]"), std::string::npos);
}

TEST(TokenizerVocabTest, DuplicateTokenIsDataLoss) {
  auto tok = WordPieceTokenizer::FromVocabText("[PAD]\n[UNK]\n[UNK]\n", "vocab.txt");
  ASSERT_FALSE(tok.ok());
  EXPECT_NE(tok.error().message.find("duplicate"), std::string::npos);
}

TEST(TokenizerVocabTest, SmallVocabularySplitsIntoWordPieces) {
  auto tok = WordPieceTokenizer::FromVocabText(
      "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nun\n##aff\n##able\nhello\n!\n", "test");
  ASSERT_TRUE(tok.ok()) << tok.error().message;
  EXPECT_EQ(tok->Encode("UnAffable hello!"), (std::vector<int32_t>{2, 5, 6, 7, 8, 9, 3}));
  EXPECT_EQ(tok->Encode("unaffablex"), (std::vector<int32_t>{2, 1, 3}));
}

TEST(TokenizerVocabTest, CountTokensSeesPastTheWindowThatEncodeCuts) {
  TokenizerOptions options;
  options.max_tokens = 4;
  auto tok = WordPieceTokenizer::FromVocabText(
      "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nun\n##aff\n##able\nhello\n!\n", "test", options);
  ASSERT_TRUE(tok.ok()) << tok.error().message;
  EXPECT_EQ(tok->Encode("hello hello hello hello").size(), 4u);
  EXPECT_EQ(tok->CountTokens("hello hello hello hello"), 6u);  // [CLS] 4x hello [SEP]
  EXPECT_EQ(tok->CountTokens("hello"), tok->Encode("hello").size());
}

}  // namespace
}  // namespace isartor::embed
