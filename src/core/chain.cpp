#include "core/chain.h"

#include <chrono>

namespace isartor {
namespace {

const char* Outcome(const Layer& layer, const LayerResult& r) {
  bool cache = layer.info().kind == LayerKind::kCache;
  switch (r.verdict) {
    case LayerVerdict::kPass: return r.bypassed ? "bypass" : cache ? "miss" : "passed";
    case LayerVerdict::kAnswered: return cache ? "hit" : "answered";
    case LayerVerdict::kFailed:
      return r.error && r.error->code == ErrorCode::kBlocked ? "blocked" : "error";
  }
  return "error";
}

}  // namespace

Chain::Chain(std::vector<std::unique_ptr<Layer>> layers) : layers_(std::move(layers)) {}

void Chain::AddObserver(ChainObserver* observer) {
  observers_.Add(observer);
  for (const auto& layer : layers_) observer->LayerRegistered(*layer);
}

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
    const bool scored_before = !ctx.similarity.empty();
    observers_.LayerStarted(ctx, layer);
    LayerResult r = co_await layer.Handle(ctx, sink);
    ctx.publish_answer = nullptr;
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    ctx.decisions.push_back({layer.info().name.c_str(), Outcome(layer, r), seconds * 1000.0,
                             std::move(ctx.decision_detail)});
    LayerDecision& decision = ctx.decisions.back();
    decision.scored = !scored_before && !ctx.similarity.empty();
    if (r.error && decision.detail.empty()) decision.detail = r.error->message;
    if (r.verdict == LayerVerdict::kFailed && !r.error) {
      r.error = MakeError(ErrorCode::kInternal, "layer failed");
    }
    // Once bytes reached the client, nobody else may answer: the layer ended the response.
    const bool ends = r.verdict != LayerVerdict::kFailed || layer.essential() || sink.started();
    observers_.LayerDecided(ctx, LayerStep{layer, r, decision, seconds,
                                           r.verdict == LayerVerdict::kFailed && !ends});
    if (r.verdict == LayerVerdict::kPass) continue;
    if (r.verdict == LayerVerdict::kFailed) {
      if (!ends) continue;
      result.layer = &layer.info();
      result.error = std::move(*r.error);
      co_return result;
    }
    result.layer = &layer.info();
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
