#include "core/chain.h"

#include <chrono>

#include "obs/log.h"
#include "otel/request_spans.h"

namespace isartor {
namespace {

const char* Outcome(const Layer& layer, const LayerResult& r) {
  bool cache = layer.id() == FinalLayer::kL1a || layer.id() == FinalLayer::kL1b;
  switch (r.verdict) {
    case LayerVerdict::kPass: return r.bypassed ? "bypass" : cache ? "miss" : "passed";
    case LayerVerdict::kAnswered: return cache ? "hit" : "answered";
    case LayerVerdict::kFailed:
      return r.error && r.error->code == ErrorCode::kBlocked ? "blocked" : "error";
  }
  return "error";
}

}  // namespace

Chain::Chain(std::vector<std::unique_ptr<Layer>> layers, Metrics* metrics)
    : layers_(std::move(layers)), metrics_(metrics) {}

void Chain::Publish(std::size_t answering, const RequestContext& ctx,
                    const std::shared_ptr<const StoredAnswer>& answer) const {
  for (std::size_t j = 0; j < answering; ++j) {
    if (layers_[j]->enabled()) layers_[j]->OnAnswer(ctx, answer);
  }
}

boost::asio::awaitable<ChainResult> Chain::Run(RequestContext& ctx, ResponseSink& sink) const {
  ChainResult result;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    Layer& layer = *layers_[i];
    if (!layer.enabled()) continue;
    auto started = std::chrono::steady_clock::now();
    // Shared state captured by value: GCC 12 miscompiles lambdas that capture coroutine-frame
    // locals by reference.
    auto published = std::make_shared<bool>(false);
    RequestContext* ctx_ptr = &ctx;
    ctx.publish_answer = [this, i, ctx_ptr, published](std::shared_ptr<const StoredAnswer> answer) {
      if (*published || ctx_ptr->no_store || !answer) return;
      *published = true;
      Publish(i, *ctx_ptr, answer);
    };
    ctx.decision_detail.clear();
    otel::Span span = otel::StartLayerSpan(ctx, layer.id());
    LayerResult r = co_await layer.Handle(ctx, sink);
    otel::FinishLayerSpan(span, ctx, layer.id(), r);
    ctx.publish_answer = nullptr;
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    metrics_->RecordLayerDuration(layer.id(), seconds);
    ctx.decisions.push_back({FinalLayerShort(layer.id()), Outcome(layer, r), seconds * 1000.0,
                             std::move(ctx.decision_detail)});
    if (r.error && ctx.decisions.back().detail.empty()) {
      ctx.decisions.back().detail = r.error->message;
    }
    if (r.verdict == LayerVerdict::kPass) continue;
    if (r.verdict == LayerVerdict::kFailed) {
      Error error = r.error.value_or(MakeError(ErrorCode::kInternal, "layer failed"));
      metrics_->RecordError(layer.id(), error.code);
      // Once bytes reached the client, nobody else may answer: the layer ended the response.
      if (layer.essential() || sink.started()) {
        result.layer = layer.id();
        result.error = std::move(error);
        co_return result;
      }
      Diag(LogLevel::kWarn, std::string("request ") + ctx.request_id + ": layer " +
                                FinalLayerShort(layer.id()) + " failed, skipped: " + error.message);
      continue;
    }
    result.layer = layer.id();
    result.status = r.status;
    if (r.answer && !ctx.no_store && !*published && r.status >= 200 && r.status < 300) {
      Publish(i, ctx, r.answer);
    }
    co_return result;
  }
  result.error = MakeError(ErrorCode::kUnavailable, "no layer could answer the request");
  co_return result;
}

}  // namespace isartor
