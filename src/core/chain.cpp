#include "core/chain.h"

#include <chrono>

#include "obs/log.h"

namespace isartor {

Chain::Chain(std::vector<std::unique_ptr<Layer>> layers, Metrics* metrics)
    : layers_(std::move(layers)), metrics_(metrics) {}

boost::asio::awaitable<ChainResult> Chain::Run(RequestContext& ctx, ResponseSink& sink) const {
  ChainResult result;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    Layer& layer = *layers_[i];
    if (!layer.enabled()) continue;
    auto started = std::chrono::steady_clock::now();
    bool published = false;
    ctx.publish_answer = [this, i, &ctx, &published](std::shared_ptr<const StoredAnswer> answer) {
      if (published || ctx.no_store || !answer) return;
      published = true;
      for (std::size_t j = 0; j < i; ++j) {
        if (layers_[j]->enabled()) layers_[j]->OnAnswer(ctx, answer);
      }
    };
    LayerResult r = co_await layer.Handle(ctx, sink);
    ctx.publish_answer = nullptr;
    metrics_->RecordLayerDuration(
        layer.id(), std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
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
    if (r.answer && !ctx.no_store && !published && r.status >= 200 && r.status < 300) {
      for (std::size_t j = 0; j < i; ++j) {
        if (layers_[j]->enabled()) layers_[j]->OnAnswer(ctx, r.answer);
      }
    }
    co_return result;
  }
  result.error = MakeError(ErrorCode::kUnavailable, "no layer could answer the request");
  co_return result;
}

}  // namespace isartor
