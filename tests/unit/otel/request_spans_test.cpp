#include "otel/request_spans.h"
#include "../core/recording_sink.h"

#include <gtest/gtest.h>

#include "collecting_sink.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "core/chain.h"

namespace isartor::otel {
namespace {


const LayerInfo kL1a{"l1a", "L1a_ExactCache", "L1a Exact Cache", LayerKind::kCache, true};
const LayerInfo kL3{"l3", "L3_Cloud", "L3 Cloud Logic", LayerKind::kUpstream, false};

// Passes (a cache miss) or answers like an upstream; remembers the traceparent it was given.
class ProbeLayer : public Layer {
 public:
  ProbeLayer(const LayerInfo& id, bool answer) : id_(id), answer_(answer) {}
  const LayerInfo& info() const override { return id_; }
  std::string State() const override { return "active"; }
  boost::asio::awaitable<LayerResult> Handle(RequestContext& ctx, ResponseSink& sink) override {
    seen_traceparent = ctx.traceparent;
    if (!answer_) co_return LayerResult::Pass();
    ctx.upstream_provider = "openai";
    ctx.upstream_status = 200;
    ctx.upstream_ttfb_ms = 12.5;
    (void)co_await sink.SendComplete(200, "{}", AnswerMeta{&id_, {}});
    LayerResult r;
    r.verdict = LayerVerdict::kAnswered;
    r.status = 200;
    co_return r;
  }
  // What an upstream layer reports about its call (as L3 does).
  void AddSpanAttributes(const RequestContext& ctx, SpanAttributes& out) const override {
    if (!ctx.upstream_provider.empty()) out.SetString("isartor.provider", ctx.upstream_provider);
    if (ctx.upstream_status) out.SetDouble("isartor.upstream.ttfb_ms", ctx.upstream_ttfb_ms);
  }
  std::string seen_traceparent;

 private:
  const LayerInfo& id_;
  bool answer_;
};

const Attribute* Find(const SpanData& s, const std::string& key) {
  for (const auto& a : s.attributes) {
    if (a.key == key) return &a;
  }
  return nullptr;
}

constexpr const char* kClient = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(RequestSpansTest, ChainMakesOneChildPerLayerUnderTheRequestSpan) {
  CollectingSink spans;
  Tracer tracer(&spans);
  RequestTracer observer(&tracer);
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(std::make_unique<ProbeLayer>(kL1a, false));
  layers.push_back(std::make_unique<ProbeLayer>(kL3, true));
  auto* l3 = static_cast<ProbeLayer*>(layers[1].get());
  Chain chain(std::move(layers));
  chain.AddObserver(&observer);

  RequestContext ctx;
  ctx.request_id = "req_1";
  ctx.resolved_model = "gpt-4o-mini";
  Span root = StartRequestSpan(&tracer, ctx, "POST", "/v1/chat/completions", kClient);
  ctx.traceparent = kClient;
  RecordingSink sink;
  boost::asio::io_context ioc;
  auto done = boost::asio::co_spawn(ioc, chain.Run(ctx, sink), boost::asio::use_future);
  ioc.run();
  ChainResult result = done.get();
  FinishRequestSpan(root, ctx, result.layer, 200);

  ASSERT_EQ(spans.spans.size(), 3u);  // L1a, L3, then the root
  const SpanData& l1a_span = spans.spans[0];
  const SpanData& l3_span = spans.spans[1];
  const SpanData& root_span = spans.spans[2];
  EXPECT_EQ(IdHex(root_span.trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(IdHex(root_span.parent_span_id), "00f067aa0ba902b7");
  EXPECT_EQ(l1a_span.parent_span_id, root_span.span_id);
  EXPECT_EQ(l3_span.parent_span_id, root_span.span_id);
  EXPECT_EQ(l3_span.name, "L3_Cloud");
  EXPECT_EQ(std::get<bool>(Find(l1a_span, "isartor.hit")->value), false);
  EXPECT_EQ(std::get<bool>(Find(l3_span, "isartor.hit")->value), true);
  EXPECT_EQ(std::get<std::string>(Find(l3_span, "isartor.provider")->value), "openai");
  EXPECT_EQ(std::get<std::string>(Find(l3_span, "isartor.model")->value), "gpt-4o-mini");
  EXPECT_DOUBLE_EQ(std::get<double>(Find(l3_span, "isartor.upstream.ttfb_ms")->value), 12.5);
  EXPECT_EQ(std::get<int64_t>(Find(l3_span, "http.response.status_code")->value), 200);
  EXPECT_EQ(std::get<std::string>(Find(root_span, "isartor.final_layer")->value), "L3_Cloud");
  // The upstream is told the L3 span is its parent, in the client's trace.
  EXPECT_EQ(l3->seen_traceparent, "00-4bf92f3577b34da6a3ce929d0e0e4736-" +
                                       IdHex(l3_span.span_id) + "-01");
}

TEST(RequestSpansTest, WithoutATracerTheClientsTraceparentPassesThroughUnchanged) {
  RequestTracer observer(nullptr);
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(std::make_unique<ProbeLayer>(kL3, true));
  auto* l3 = static_cast<ProbeLayer*>(layers[0].get());
  Chain chain(std::move(layers));
  chain.AddObserver(&observer);
  RequestContext ctx;
  Span root = StartRequestSpan(nullptr, ctx, "POST", "/v1/messages", kClient);
  EXPECT_FALSE(root.recording());
  ctx.traceparent = kClient;
  RecordingSink sink;
  boost::asio::io_context ioc;
  auto done = boost::asio::co_spawn(ioc, chain.Run(ctx, sink), boost::asio::use_future);
  ioc.run();
  (void)done.get();
  EXPECT_EQ(l3->seen_traceparent, kClient);
}

}  // namespace
}  // namespace isartor::otel
