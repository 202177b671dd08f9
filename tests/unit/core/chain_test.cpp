#include "core/chain.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "obs/chain_metrics.h"
#include "recording_sink.h"

namespace isartor {
namespace {


const LayerInfo kL1a{"l1a", "L1a_ExactCache", "L1a Exact Cache", LayerKind::kCache, true};
const LayerInfo kL1b{"l1b", "L1b_SemanticCache", "L1b Semantic Cache", LayerKind::kCache, true};
const LayerInfo kL3{"l3", "L3_Cloud", "L3 Cloud Logic", LayerKind::kUpstream, false};

// A layer scripted to pass, fail or answer, which records what it was shown on the way back.
class ScriptedLayer : public Layer {
 public:
  ScriptedLayer(const LayerInfo& id, LayerVerdict verdict, bool essential = false)
      : id_(id), verdict_(verdict), essential_(essential) {}
  const LayerInfo& info() const override { return id_; }
  bool essential() const override { return essential_; }
  std::string State() const override { return "active"; }
  boost::asio::awaitable<LayerResult> Handle(RequestContext&, ResponseSink& sink) override {
    ++calls;
    if (verdict_ == LayerVerdict::kPass) co_return bypass ? LayerResult::Bypass() : LayerResult::Pass();
    if (verdict_ == LayerVerdict::kFailed) {
      co_return LayerResult::Fail(MakeError(ErrorCode::kUnavailable, "scripted failure"));
    }
    (void)co_await sink.SendComplete(200, "answer", AnswerMeta{&id_, {}});
    LayerResult r;
    r.verdict = LayerVerdict::kAnswered;
    r.status = 200;
    auto answer = std::make_shared<StoredAnswer>();
    answer->body = "answer";
    r.answer = answer;
    co_return r;
  }
  void OnAnswer(const RequestContext&, std::shared_ptr<const StoredAnswer> answer) override {
    seen = answer->body;
  }
  int calls = 0;
  bool bypass = false;  // pass without looking
  std::string seen;

 private:
  const LayerInfo& id_;
  LayerVerdict verdict_;
  bool essential_;
};

struct Fixture {
  Metrics metrics;
  ChainMetrics chain_metrics{&metrics};
  std::vector<ScriptedLayer*> layers;
  std::unique_ptr<Chain> chain;

  void Build(std::vector<std::unique_ptr<ScriptedLayer>> owned) {
    std::vector<std::unique_ptr<Layer>> list;
    for (auto& l : owned) {
      layers.push_back(l.get());
      list.push_back(std::move(l));
    }
    chain = std::make_unique<Chain>(std::move(list));
    chain->AddObserver(&chain_metrics);
  }
  ChainResult Run(RequestContext& ctx, RecordingSink& sink) {
    boost::asio::io_context ioc;
    auto future = boost::asio::co_spawn(ioc, chain->Run(ctx, sink), boost::asio::use_future);
    ioc.run();
    return future.get();
  }
};

std::vector<std::unique_ptr<ScriptedLayer>> Layers(LayerVerdict l1a, LayerVerdict l1b,
                                                   LayerVerdict l3) {
  std::vector<std::unique_ptr<ScriptedLayer>> v;
  v.push_back(std::make_unique<ScriptedLayer>(kL1a, l1a));
  v.push_back(std::make_unique<ScriptedLayer>(kL1b, l1b));
  v.push_back(std::make_unique<ScriptedLayer>(kL3, l3, true));
  return v;
}

TEST(ChainTest, FirstLayerThatAnswersEndsTheWalk) {
  Fixture f;
  f.Build(Layers(LayerVerdict::kPass, LayerVerdict::kAnswered, LayerVerdict::kAnswered));
  RequestContext ctx;
  RecordingSink sink;
  ChainResult r = f.Run(ctx, sink);
  EXPECT_EQ(r.layer, &kL1b);
  EXPECT_EQ(f.layers[2]->calls, 0);
  EXPECT_FALSE(r.error.has_value());
}

TEST(ChainTest, EarlierLayersSeeTheAnswerOnItsWayBack) {
  Fixture f;
  f.Build(Layers(LayerVerdict::kPass, LayerVerdict::kPass, LayerVerdict::kAnswered));
  RequestContext ctx;
  RecordingSink sink;
  f.Run(ctx, sink);
  EXPECT_EQ(f.layers[0]->seen, "answer");
  EXPECT_EQ(f.layers[1]->seen, "answer");
  EXPECT_EQ(f.layers[2]->seen, "");  // the answering layer is not shown its own answer
}

TEST(ChainTest, NoStoreKeepsTheAnswerFromCaches) {
  Fixture f;
  f.Build(Layers(LayerVerdict::kPass, LayerVerdict::kPass, LayerVerdict::kAnswered));
  RequestContext ctx;
  ctx.no_store = true;
  RecordingSink sink;
  f.Run(ctx, sink);
  EXPECT_EQ(f.layers[0]->seen, "");
}

TEST(ChainTest, FailingCacheLayerIsSkippedWithAMetric) {
  Fixture f;
  f.Build(Layers(LayerVerdict::kFailed, LayerVerdict::kPass, LayerVerdict::kAnswered));
  RequestContext ctx;
  RecordingSink sink;
  ChainResult r = f.Run(ctx, sink);
  EXPECT_EQ(r.layer, &kL3);
  EXPECT_FALSE(r.error.has_value());
  EXPECT_EQ(sink.sent_status, 200);
  EXPECT_NE(f.metrics.Render().find(
                "isartor_errors_total{layer=\"L1a_ExactCache\",error_class=\"unavailable\"} 1"),
            std::string::npos);
}

TEST(ChainTest, FailingEssentialLayerFailsTheRequest) {
  Fixture f;
  f.Build(Layers(LayerVerdict::kPass, LayerVerdict::kPass, LayerVerdict::kFailed));
  RequestContext ctx;
  RecordingSink sink;
  ChainResult r = f.Run(ctx, sink);
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->code, ErrorCode::kUnavailable);
  EXPECT_EQ(r.layer, &kL3);
  EXPECT_FALSE(sink.started());
}

TEST(ChainTest, ACacheThatPassesWithoutLookingIsAuditedAsABypassNotAMiss) {
  Fixture f;
  f.Build(Layers(LayerVerdict::kPass, LayerVerdict::kPass, LayerVerdict::kAnswered));
  f.layers[1]->bypass = true;
  RequestContext ctx;
  RecordingSink sink;
  f.Run(ctx, sink);
  ASSERT_EQ(ctx.decisions.size(), 3u);
  EXPECT_STREQ(ctx.decisions[0].outcome, "miss");
  EXPECT_STREQ(ctx.decisions[1].outcome, "bypass");
  EXPECT_STREQ(ctx.decisions[2].outcome, "answered");
}

}  // namespace
}  // namespace isartor
