#include "embed/embedder.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <future>
#include <iomanip>
#include <iostream>
#include <thread>

#include "fixture.h"

namespace isartor::embed {
namespace {

using testing::LoadReferenceCases;
using testing::ReferenceCase;
using testing::TestModelDir;
using testing::TestModelPresent;

double Cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += double{a[i]} * b[i];
    na += double{a[i]} * a[i];
    nb += double{b[i]} * b[i];
  }
  return dot / std::sqrt(na * nb);
}

double Norm(const std::vector<float>& a) {
  double n = 0;
  for (float x : a) n += double{x} * x;
  return std::sqrt(n);
}

// One model for the whole suite: loading takes ~0.3 s.
class EmbedderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!TestModelPresent()) return;
    EmbedderOptions options;
    options.model_dir = TestModelDir();
    auto e = Embedder::Create(std::move(options));
    ASSERT_TRUE(e.ok()) << e.error().message;
    embedder_ = std::move(e).value().release();
    auto cases = LoadReferenceCases();
    ASSERT_TRUE(cases.ok()) << cases.error().message;
    cases_ = new std::vector<ReferenceCase>(std::move(cases).value());
  }
  static void TearDownTestSuite() {
    delete embedder_;
    delete cases_;
    embedder_ = nullptr;
    cases_ = nullptr;
  }
  void SetUp() override {
    if (embedder_ == nullptr) {
      GTEST_SKIP() << "model folder " << TestModelDir()
                   << " is absent: run scripts/setup_models.sh";
    }
  }
  static Embedder* embedder_;
  static std::vector<ReferenceCase>* cases_;
};
Embedder* EmbedderTest::embedder_ = nullptr;
std::vector<ReferenceCase>* EmbedderTest::cases_ = nullptr;

TEST_F(EmbedderTest, EveryFixtureTextMatchesSentenceTransformers) {
  ASSERT_GE(cases_->size(), 200u);
  double worst = 1.0;
  for (const auto& c : *cases_) {
    auto e = embedder_->Embed(c.text);
    ASSERT_TRUE(e.ok()) << e.error().message;
    EXPECT_EQ(e->tokens, c.tokens) << "text: " << c.text;
    ASSERT_EQ(e->vector.size(), 384u);
    const double cos = Cosine(e->vector, c.embedding);
    worst = std::min(worst, cos);
    EXPECT_GE(cos, 0.9999) << "text: " << c.text;
    EXPECT_NEAR(Norm(e->vector), 1.0, 1e-5) << "text: " << c.text;
  }
  std::cout << "worst cosine vs sentence-transformers: " << std::setprecision(9) << worst
            << "\n";
}

TEST_F(EmbedderTest, BatchedPassGivesTheSameEmbeddingsAsSingleTexts) {
  std::vector<std::string> texts;
  for (size_t i = 0; i < cases_->size(); i += 7) texts.push_back((*cases_)[i].text);
  auto batch = embedder_->EmbedBatch(texts);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  for (size_t i = 0; i < texts.size(); ++i) {
    auto single = embedder_->EmbedBatch(std::span(&texts[i], 1));
    ASSERT_TRUE(single.ok());
    EXPECT_GE(Cosine((*batch)[i].vector, (*single)[0].vector), 0.999999) << texts[i];
  }
}

TEST_F(EmbedderTest, ConcurrentAsyncCallersAllGetTheirOwnCorrectEmbedding) {
  const size_t n = std::min<size_t>(cases_->size(), 120);
  std::vector<std::promise<Result<Embedding>>> promises(n);
  std::vector<std::thread> producers;
  for (int t = 0; t < 4; ++t) {
    producers.emplace_back([&, t] {
      for (size_t i = t; i < n; i += 4) {
        embedder_->EmbedAsync((*cases_)[i].text,
                              [&promises, i](Result<Embedding> r) {
                                promises[i].set_value(std::move(r));
                              });
      }
    });
  }
  for (auto& p : producers) p.join();
  for (size_t i = 0; i < n; ++i) {
    auto r = promises[i].get_future().get();
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->tokens, (*cases_)[i].tokens);
    EXPECT_GE(Cosine(r->vector, (*cases_)[i].embedding), 0.9999) << (*cases_)[i].text;
  }
}

TEST_F(EmbedderTest, ReportsDimension384AndWhereTheModelCameFrom) {
  EXPECT_EQ(embedder_->dimension(), 384);
  EXPECT_EQ(embedder_->model_origin(), TestModelDir());
  EXPECT_EQ(embedder_->backend_name(), "onednn");
  EXPECT_EQ(embedder_->Tokenize("hello"), (std::vector<int32_t>{101, 7592, 102}));
}

TEST(EmbedderBatchingTest, RequestsQueuedBehindABusyWorkerShareOnePass) {
  if (!TestModelPresent()) GTEST_SKIP() << "model folder absent: run scripts/setup_models.sh";
  EmbedderOptions options;
  options.model_dir = TestModelDir();
  options.workers = 1;
  options.max_batch = 8;
  auto e = Embedder::Create(std::move(options));
  ASSERT_TRUE(e.ok()) << e.error().message;
  // A lone request runs alone, at once.
  ASSERT_TRUE((*e)->Embed("alone").ok());
  EXPECT_EQ((*e)->stats().passes, 1u);
  EXPECT_EQ((*e)->stats().largest_batch, 1u);
  // 40 requests queued at once behind one worker: passes take up to 8 waiting requests.
  std::vector<std::promise<bool>> done(40);
  for (int i = 0; i < 40; ++i) {
    (*e)->EmbedAsync("request number " + std::to_string(i),
                     [&done, i](Result<Embedding> r) { done[i].set_value(r.ok()); });
  }
  for (auto& d : done) EXPECT_TRUE(d.get_future().get());
  const EmbedderStats stats = (*e)->stats();
  EXPECT_EQ(stats.requests, 41u);
  EXPECT_EQ(stats.failed, 0u);
  EXPECT_LE(stats.largest_batch, 8u);
  EXPECT_GT(stats.largest_batch, 1u);
  EXPECT_LT(stats.passes, 41u);
}

TEST(EmbeddedModelTest, EmbeddedCopyGivesTheReferenceEmbeddings) {
  if (!ModelIsEmbedded()) GTEST_SKIP() << "built without ISARTOR_EMBED_MODEL";
  ::unsetenv("ISARTOR__EMBEDDING_MODEL_DIR");
  auto e = Embedder::Create({});  // resolution order: the embedded copy comes before the folder
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ((*e)->model_origin(), "embedded");
  auto cases = LoadReferenceCases();
  ASSERT_TRUE(cases.ok()) << cases.error().message;
  for (size_t i = 0; i < cases->size(); i += 10) {
    auto r = (*e)->Embed((*cases)[i].text);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->tokens, (*cases)[i].tokens);
    EXPECT_GE(Cosine(r->vector, (*cases)[i].embedding), 0.9999) << (*cases)[i].text;
  }
}

TEST(EmbedderShutdownTest, DestroyingTheEmbedderCompletesEveryQueuedRequest) {
  if (!TestModelPresent()) GTEST_SKIP() << "model folder absent: run scripts/setup_models.sh";
  std::atomic<int> completed{0};
  {
    EmbedderOptions options;
    options.model_dir = TestModelDir();
    options.workers = 1;
    auto e = Embedder::Create(std::move(options));
    ASSERT_TRUE(e.ok()) << e.error().message;
    for (int i = 0; i < 50; ++i) {
      (*e)->EmbedAsync(std::string(200, 'a' + i % 26) + " tail",
                       [&completed](Result<Embedding> r) {
                         EXPECT_TRUE(r.ok() || r.error().code == ErrorCode::kCancelled);
                         ++completed;
                       });
    }
  }
  EXPECT_EQ(completed.load(), 50);
}

}  // namespace
}  // namespace isartor::embed
