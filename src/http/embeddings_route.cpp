#include "http/embeddings_route.h"

#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>

#include "dialect/error_body.h"
#include "embed/embedder.h"
#include "http/api_handler.h"

namespace isartor {
namespace asio = boost::asio;
using dialect::Dialect;

namespace {

using Embeddings = std::vector<embed::Embedding>;

// Gathers the callbacks of one batch; the last one resumes the waiting coroutine.
struct Batch {
  std::mutex mu;
  Embeddings results;
  std::optional<Error> error;
  std::size_t pending = 0;
};

// Queues every text at once so the embedder packs them into as few passes as it can, then
// resumes on the request's executor when the last vector is done.
asio::awaitable<Result<Embeddings>> EmbedAll(embed::Embedder& embedder,
                                             std::vector<std::string> texts) {
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(Result<Embeddings>)>(
      [&embedder](auto handler, std::vector<std::string> texts) {
        using Handler = decltype(handler);
        auto shared = std::make_shared<Handler>(std::move(handler));
        auto batch = std::make_shared<Batch>();
        batch->results.resize(texts.size());
        batch->pending = texts.size();
        for (std::size_t i = 0; i < texts.size(); ++i) {
          embedder.EmbedAsync(std::move(texts[i]), [shared, batch, i](Result<embed::Embedding> r) {
            bool last;
            {
              std::lock_guard<std::mutex> lock(batch->mu);
              if (r.ok()) batch->results[i] = std::move(*r);
              else if (!batch->error) batch->error = r.error();
              last = --batch->pending == 0;
            }
            if (!last) return;
            auto executor = asio::get_associated_executor(*shared);
            asio::post(executor, [shared, batch]() mutable {
              if (batch->error) (*shared)(Result<Embeddings>(*batch->error));
              else (*shared)(Result<Embeddings>(std::move(batch->results)));
            });
          });
        }
      },
      asio::use_awaitable, std::move(texts));
}

asio::awaitable<void> SendError(ClientSink& sink, ErrorCode code, std::string message) {
  std::string body = dialect::ErrorBody(Dialect::kOpenAI, dialect::ErrorType(Dialect::kOpenAI, code),
                                        message);
  (void)co_await sink.SendRaw(HttpStatusFor(code), "application/json", std::move(body),
                              nullptr);
}

}  // namespace

asio::awaitable<void> ServeEmbeddings(const EmbeddingsRouteDeps& deps, RequestContext& ctx,
                                      ClientSink& sink) {
  const boost::json::value* model = ctx.body.if_contains("model");
  bool local = model && model->is_string() &&
               (model->as_string() == deps.local_model ||
                model->as_string() == "sentence-transformers/" + deps.local_model);
  if (!local) {
    if (!deps.forwarder) {
      co_return co_await SendError(sink, ErrorCode::kInvalidArgument,
                                   "model: this gateway serves embeddings only for " + deps.local_model);
    }
    Status forwarded = co_await deps.forwarder->Forward(ctx, sink, "/embeddings");
    if (!forwarded.ok() && !sink.started()) {
      co_await SendError(sink, forwarded.error().code, forwarded.error().message);
    }
    co_return;
  }
  auto request = dialect::ParseEmbeddingsRequest(ctx.body, deps.limits);
  if (!request.ok()) co_return co_await SendError(sink, ErrorCode::kInvalidArgument, request.error().message);
  if (!deps.embedder) {
    co_return co_await SendError(sink, ErrorCode::kUnavailable,
                                 "the local embedding model is not loaded (ISARTOR__LOCAL_EMBEDDINGS "
                                 "or the model files; see the startup log)");
  }
  if (Status dims = dialect::CheckDimensions(*request, deps.embedder->dimension()); !dims.ok()) {
    co_return co_await SendError(sink, ErrorCode::kInvalidArgument, dims.error().message);
  }
  auto embedded = co_await EmbedAll(*deps.embedder, request->inputs);
  if (!embedded.ok()) co_return co_await SendError(sink, embedded.error().code, embedded.error().message);
  std::vector<std::vector<float>> vectors;
  vectors.reserve(embedded->size());
  std::int64_t tokens = 0;
  for (auto& e : *embedded) {
    tokens += static_cast<std::int64_t>(e.tokens.size());
    vectors.push_back(std::move(e.vector));
  }
  ctx.prompt_tokens = tokens;
  (void)co_await sink.SendRaw(200, "application/json",
                              dialect::EmbeddingsResponseBody(*request, vectors, tokens),
                              nullptr);
}

}  // namespace isartor
