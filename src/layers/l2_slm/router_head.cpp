#include "layers/l2_slm/router_head.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cmath>
#include <memory>

namespace isartor::l2 {
namespace asio = boost::asio;

namespace {
#include "layers/l2_slm/router_head_weights.inc"

constexpr double kMaxTokens = 256.0;  // the embedder's truncation
}  // namespace

double RouterHead::ComplexProbability(std::span<const float> embedding, std::size_t tokens) const {
  if (embedding.size() + 1 != static_cast<std::size_t>(kHeadInputs)) return 1.0;
  double z = kHeadBias;
  for (std::size_t i = 0; i < embedding.size(); ++i) z += double(kHeadWeights[i]) * embedding[i];
  z += double(kHeadWeights[kHeadInputs - 1]) * std::log1p(double(tokens)) / std::log1p(kMaxTokens);
  return 1.0 / (1.0 + std::exp(-z));
}

asio::awaitable<Result<RouteDecision>> Classify(embed::Embedder& embedder, const RouterHead& head,
                                                std::string text) {
  auto started = std::chrono::steady_clock::now();
  // EmbedAsync calls back on a worker thread: hop back to this coroutine's executor before
  // resuming. std::function needs a copyable callback, hence the shared handler.
  auto embedding = co_await asio::async_initiate<decltype(asio::use_awaitable),
                                                 void(Result<embed::Embedding>)>(
      [&embedder, &text](auto handler) {
        auto ex = asio::get_associated_executor(handler);
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        embedder.EmbedAsync(std::move(text), [ex, shared](Result<embed::Embedding> r) {
          asio::post(ex, [shared, r = std::move(r)]() mutable { (*shared)(std::move(r)); });
        });
      },
      asio::use_awaitable);
  if (!embedding.ok()) co_return embedding.error();
  RouteDecision d;
  d.p_complex = head.ComplexProbability(embedding->vector, embedding->tokens.size());
  d.local = d.p_complex < head.threshold();
  d.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  co_return d;
}

}  // namespace isartor::l2
