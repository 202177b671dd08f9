#include "layers/l1b_semantic/semantic_cache_layer.h"
#include "../core/recording_sink.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include <cctype>
#include <cmath>
#include <limits>
#include <mutex>
#include <thread>

#include "dialect/request_view.h"
#include "layers/l1b_semantic/semantic_key.h"

namespace isartor {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr int kDim = 64;

// A bag-of-words embedding: texts sharing most words are close. Calls back on its own thread
// like the real embedder, or fails when told to.
class FakeSource : public EmbeddingSource {
 public:
  void EmbedAsync(std::string text, Callback done) override {
    ++calls;
    if (fail) return done(MakeError(ErrorCode::kInternal, "fake embedder broke"));
    std::thread([text = std::move(text), done = std::move(done)] { done(Vector(text)); }).detach();
  }
  int dimension() const override { return kDim; }
  // The fake's window: this many words.
  bool FitsWindow(const std::string& text) const override {
    std::size_t words = 1;
    for (char c : text) words += c == ' ';
    return words <= max_words;
  }
  std::size_t max_words = 1000;
  static TextVector Vector(const std::string& text) {
    std::vector<float> v(kDim, 0.0f);
    std::string word;
    for (char c : text + " ") {
      if (std::isalnum(static_cast<unsigned char>(c))) {
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      } else if (!word.empty()) {
        v[std::hash<std::string>{}(word) % kDim] += 1.0f;
        word.clear();
      }
    }
    float n = 0;
    for (float x : v) n += x * x;
    for (float& x : v) x /= std::sqrt(std::max(n, 1e-9f));
    return {v, false};
  }
  std::atomic<bool> fail{false};
  std::atomic<int> calls{0};
};


RequestContext Ctx(const std::string& messages_json, const std::string& extra = "") {
  RequestContext ctx;
  ctx.body = boost::json::parse("{\"model\":\"m\",\"messages\":" + messages_json + extra + "}")
                 .as_object();
  ctx.view = dialect::ViewRequest(ctx.dialect, ctx.body).value();
  ctx.resolved_model = "m";
  ctx.tenant = "t1";
  return ctx;
}

RequestContext Ask(const std::string& question, const std::string& extra = "") {
  return Ctx("[{\"role\":\"user\",\"content\":\"" + question + "\"}]", extra);
}

std::shared_ptr<const StoredAnswer> Answer(std::string body) {
  auto a = std::make_shared<StoredAnswer>();
  a->body = std::move(body);
  a->total_tokens = 10;
  return a;
}

class SemanticCacheLayerTest : public ::testing::Test {
 protected:
  SemanticCacheLayerTest() {
    auto source = std::make_unique<FakeSource>();
    source_ = source.get();
    SemanticCacheLayer::Options o;
    o.threshold = 0.8f;
    layer_ = std::make_unique<SemanticCacheLayer>(o, std::move(source), &metrics_);
  }

  LayerResult Run(RequestContext& ctx, RecordingSink& sink) {
    asio::io_context ioc;
    LayerResult result;
    asio::co_spawn(ioc, [&]() -> asio::awaitable<void> {
      result = co_await layer_->Handle(ctx, sink);
    }, asio::detached);
    ioc.run();
    return result;
  }

  // Miss, then the upstream's answer comes back through OnAnswer.
  void Seed(RequestContext ctx, const std::string& body) {
    RecordingSink sink;
    ASSERT_EQ(Run(ctx, sink).verdict, LayerVerdict::kPass);
    layer_->OnAnswer(ctx, Answer(body));
  }

  std::string Serve(RequestContext ctx) {
    RecordingSink sink;
    LayerResult r = Run(ctx, sink);
    if (r.verdict != LayerVerdict::kAnswered) return "";
    EXPECT_EQ(sink.sent_meta.layer, &SemanticCacheLayer::Info());
    EXPECT_EQ(sink.sent_meta.headers.at(0).first, "X-Isartor-Similarity");
    EXPECT_EQ(sink.sent_meta.headers.at(0).second, ctx.similarity);
    return sink.sent_body;
  }

  Metrics metrics_;
  FakeSource* source_;
  std::unique_ptr<SemanticCacheLayer> layer_;
};

TEST_F(SemanticCacheLayerTest, ParaphraseIsServedFromTheCache) {
  Seed(Ask("how do I reset my router password"), "A1");
  EXPECT_EQ(Serve(Ask("how do I reset the router password")), "A1");
  EXPECT_EQ(metrics_.CacheEventCount("l1b", CacheOutcome::kHit), 1u);
  EXPECT_EQ(metrics_.CacheEventCount("l1b", CacheOutcome::kStore), 1u);
}

TEST_F(SemanticCacheLayerTest, AHitHandsTheAnswerBackSoL1aCanStoreIt) {
  Seed(Ask("how do I reset my router password"), "A1");
  RequestContext ctx = Ask("how do I reset the router password");
  RecordingSink sink;
  LayerResult r = Run(ctx, sink);
  ASSERT_EQ(r.verdict, LayerVerdict::kAnswered);
  ASSERT_NE(r.answer, nullptr);
  EXPECT_EQ(r.answer->body, "A1");
}

TEST_F(SemanticCacheLayerTest, StoringReusesTheVectorOfTheMiss) {
  Seed(Ask("how do I reset my router password"), "A1");
  EXPECT_EQ(source_->calls.load(), 1);
  EXPECT_EQ(layer_->pending(), 0u);
}

TEST_F(SemanticCacheLayerTest, UnrelatedQuestionMisses) {
  Seed(Ask("how do I reset my router password"), "A1");
  EXPECT_EQ(Serve(Ask("what is the boiling point of water")), "");
  EXPECT_EQ(metrics_.CacheEventCount("l1b", CacheOutcome::kMiss), 2u);
}

TEST_F(SemanticCacheLayerTest, NumericTrapIsVetoed) {
  Seed(Ask("what is the population of the city in 2010"), "A1");
  EXPECT_EQ(Serve(Ask("what is the population of the city in 2020")), "");
  EXPECT_EQ(metrics_.CacheEventCount("l1b", CacheOutcome::kVeto), 1u);
}

TEST_F(SemanticCacheLayerTest, OtherTenantSessionModelOrSystemPromptMisses) {
  Seed(Ask("how do I reset my router password"), "A1");
  RequestContext tenant = Ask("how do I reset my router password");
  tenant.tenant = "t2";
  EXPECT_EQ(Serve(tenant), "");
  RequestContext session = Ask("how do I reset my router password");
  session.session = "s9";
  EXPECT_EQ(Serve(session), "");
  RequestContext model = Ask("how do I reset my router password");
  model.resolved_model = "other";
  EXPECT_EQ(Serve(model), "");
  EXPECT_EQ(Serve(Ctx("[{\"role\":\"system\",\"content\":\"Answer in French\"},"
                      "{\"role\":\"user\",\"content\":\"how do I reset my router password\"}]")),
            "");
  EXPECT_EQ(Serve(Ask("how do I reset my router password", ",\"temperature\":1.5")), "");
  EXPECT_EQ(Serve(Ask("how do I reset my router password")), "A1");
}

TEST_F(SemanticCacheLayerTest, SameFollowUpAfterDifferentConversationsMisses) {
  Seed(Ctx("[{\"role\":\"user\",\"content\":\"delete all my files\"},"
           "{\"role\":\"assistant\",\"content\":\"Are you sure?\"},"
           "{\"role\":\"user\",\"content\":\"yes, do it\"}]"),
       "deleted");
  EXPECT_EQ(Serve(Ctx("[{\"role\":\"user\",\"content\":\"back up my files\"},"
                      "{\"role\":\"assistant\",\"content\":\"Are you sure?\"},"
                      "{\"role\":\"user\",\"content\":\"yes, do it\"}]")),
            "");
  EXPECT_EQ(Serve(Ctx("[{\"role\":\"user\",\"content\":\"delete all my files\"},"
                      "{\"role\":\"assistant\",\"content\":\"Are you sure?\"},"
                      "{\"role\":\"user\",\"content\":\"yes do it\"}]")),
            "deleted");
}

TEST_F(SemanticCacheLayerTest, ToolResultsInTheTurnSkipTheLayer) {
  RequestContext ctx = Ctx(
      "[{\"role\":\"user\",\"content\":\"weather in Paris\"},"
      "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"type\":"
      "\"function\",\"function\":{\"name\":\"w\",\"arguments\":\"{}\"}}]},"
      "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"sunny\"}]");
  EXPECT_FALSE(SemanticKeyFor(ctx).eligible);
  RecordingSink sink;
  EXPECT_EQ(Run(ctx, sink).verdict, LayerVerdict::kPass);
  EXPECT_EQ(source_->calls.load(), 0);
  EXPECT_EQ(metrics_.CacheEventCount("l1b", CacheOutcome::kBypass), 1u);
}

TEST_F(SemanticCacheLayerTest, FailingEmbedderPassesWithAnErrorMetric) {
  source_->fail = true;
  RecordingSink sink;
  RequestContext ctx = Ask("how do I reset my router password");
  LayerResult r = Run(ctx, sink);
  EXPECT_EQ(r.verdict, LayerVerdict::kPass);
  EXPECT_EQ(sink.sent_status, 0);
  EXPECT_EQ(metrics_.CacheEventCount("l1b", CacheOutcome::kError), 1u);
}

TEST_F(SemanticCacheLayerTest, NoCacheSkipsTheLookupButTheAnswerIsStillStored) {
  RequestContext ctx = Ask("how do I reset my router password");
  ctx.no_cache = true;
  RecordingSink sink;
  EXPECT_EQ(Run(ctx, sink).verdict, LayerVerdict::kPass);
  EXPECT_EQ(source_->calls.load(), 0);
  layer_->OnAnswer(ctx, Answer("A1"));
  for (int i = 0; i < 200 && layer_->index().size() == 0; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(Serve(Ask("how do I reset my router password")), "A1");
}

TEST_F(SemanticCacheLayerTest, APromptLongerThanTheWindowIsBypassedWithoutEmbedding) {
  source_->max_words = 5;
  RequestContext ctx = Ask("one two three four five six seven");
  RecordingSink sink;
  LayerResult r = Run(ctx, sink);
  EXPECT_EQ(r.verdict, LayerVerdict::kPass);
  EXPECT_TRUE(r.bypassed);  // audited as "bypass", like the metric says
  EXPECT_EQ(source_->calls.load(), 0);
  EXPECT_EQ(metrics_.CacheEventCount("l1b", CacheOutcome::kBypass), 1u);
  EXPECT_EQ(metrics_.CacheEventCount("l1b", CacheOutcome::kMiss), 0u);
  EXPECT_EQ(ctx.decision_detail, "prompt longer than the embedding window");
  layer_->OnAnswer(ctx, Answer("A1"));  // and its answer is not embedded afterwards either
  EXPECT_EQ(source_->calls.load(), 0);
}

TEST_F(SemanticCacheLayerTest, AnIneligibleOrNoCacheRequestIsABypassNotAMiss) {
  RequestContext ctx = Ask("how do I reset my router password");
  ctx.no_cache = true;
  RecordingSink sink;
  EXPECT_TRUE(Run(ctx, sink).bypassed);
  RequestContext ask = Ask("how do I reset my router password");
  EXPECT_FALSE(Run(ask, sink).bypassed);  // looked up: a real miss
  EXPECT_EQ(metrics_.CacheEventCount("l1b", CacheOutcome::kMiss), 1u);
}

// Scores what it is told to and records what it was given.
class FakeVerifier : public PairVerifier {
 public:
  explicit FakeVerifier(float score) : score_(score) {}
  float Score(const VerifierInput& in) const override {
    std::lock_guard<std::mutex> lock(mu_);
    prompts.emplace_back(in.prompt_text);
    cached.emplace_back(in.cached_text);
    same_dimension = in.prompt_vector.size() == in.cached_vector.size() &&
                     in.cached_vector.size() == static_cast<std::size_t>(kDim);
    return score_;
  }
  float score_;
  mutable std::mutex mu_;
  mutable std::vector<std::string> prompts, cached;
  mutable bool same_dimension = false;
};

class SemanticCacheVerifierTest : public SemanticCacheLayerTest {
 protected:
  void UseVerifier(float score, float threshold = 0.5f) {
    auto verifier = std::make_shared<FakeVerifier>(score);
    verifier_ = verifier.get();
    SemanticCacheLayer::Options o;
    o.threshold = 0.8f;
    o.verifier = verifier;
    o.verifier_threshold = threshold;
    auto source = std::make_unique<FakeSource>();
    source_ = source.get();
    layer_.reset();
    verifier_metrics_ = std::make_unique<Metrics>();
    layer_ = std::make_unique<SemanticCacheLayer>(o, std::move(source), verifier_metrics_.get());
  }
  std::string Header(const RecordingSink& sink, const std::string& name) {
    for (const auto& [k, v] : sink.sent_meta.headers) {
      if (k == name) return v;
    }
    return "";
  }
  ~SemanticCacheVerifierTest() override { layer_.reset(); }  // before its metrics go
  FakeVerifier* verifier_ = nullptr;
  std::unique_ptr<Metrics> verifier_metrics_;
};

TEST_F(SemanticCacheVerifierTest, AnAcceptedCandidateIsServedWithBothScores) {
  UseVerifier(0.9f);
  Seed(Ask("how do I reset my router password"), "A1");
  RequestContext ctx = Ask("how do I reset the router password");
  RecordingSink sink;
  ASSERT_EQ(Run(ctx, sink).verdict, LayerVerdict::kAnswered);
  EXPECT_EQ(sink.sent_body, "A1");
  EXPECT_EQ(Header(sink, "X-Isartor-Similarity"), ctx.similarity);
  EXPECT_EQ(Header(sink, "X-Isartor-Verifier-Score"), "0.9000");
  // The verifier saw the new prompt, the cached prompt and both vectors.
  ASSERT_EQ(verifier_->prompts.size(), 1u);
  EXPECT_EQ(verifier_->prompts[0], "how do I reset the router password");
  EXPECT_EQ(verifier_->cached[0], "how do I reset my router password");
  EXPECT_TRUE(verifier_->same_dimension);
}

TEST_F(SemanticCacheVerifierTest, ACandidateBelowTheVerifierThresholdIsAVeto) {
  UseVerifier(0.3f);
  Seed(Ask("how do I reset my router password"), "A1");
  RecordingSink sink;
  RequestContext ctx = Ask("how do I reset the router password");
  EXPECT_EQ(Run(ctx, sink).verdict, LayerVerdict::kPass);
  EXPECT_EQ(verifier_metrics_->CacheEventCount("l1b", CacheOutcome::kVeto), 1u);
  EXPECT_EQ(verifier_metrics_->CacheEventCount("l1b", CacheOutcome::kHit), 0u);
}

TEST_F(SemanticCacheVerifierTest, ANonFiniteScoreIsAMissWithAMetricNeverAFailure) {
  UseVerifier(std::numeric_limits<float>::quiet_NaN());
  Seed(Ask("how do I reset my router password"), "A1");
  RecordingSink sink;
  RequestContext ctx = Ask("how do I reset the router password");
  LayerResult r = Run(ctx, sink);
  EXPECT_EQ(r.verdict, LayerVerdict::kPass);
  EXPECT_EQ(sink.sent_status, 0);
  EXPECT_EQ(verifier_metrics_->CacheEventCount("l1b", CacheOutcome::kError), 1u);
  EXPECT_NE(verifier_metrics_->Render().find("isartor_semantic_verifier_failures_total 1\n"),
            std::string::npos);
  // The miss is still stored: the upstream's answer replaces nothing and nobody is hurt.
  layer_->OnAnswer(ctx, Answer("A2"));
  EXPECT_EQ(verifier_metrics_->CacheEventCount("l1b", CacheOutcome::kStore), 2u);
}

TEST_F(SemanticCacheVerifierTest, TheLexicalVetoRunsBeforeTheVerifier) {
  UseVerifier(0.99f);
  Seed(Ask("what is the population of the city in 2010"), "A1");
  EXPECT_EQ(Serve(Ask("what is the population of the city in 2020")), "");
  EXPECT_TRUE(verifier_->prompts.empty());
}

}  // namespace
}  // namespace isartor
