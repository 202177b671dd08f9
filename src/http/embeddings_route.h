// POST /v1/embeddings: the local MiniLM model answers for its own name; any other model name
// goes to the upstream unchanged.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>

#include "core/forwarder.h"
#include "core/request_context.h"
#include "dialect/embeddings.h"
#include "http/client_sink.h"

namespace isartor {

namespace embed {
class Embedder;
}

struct EmbeddingsRouteDeps {
  std::shared_ptr<embed::Embedder> embedder;  // null: the local model is off or did not load
  std::string local_model = "all-MiniLM-L6-v2";
  dialect::EmbeddingsLimits limits;
  Forwarder* forwarder = nullptr;  // the upstream, for other models (null: none)
};

// Answers one embeddings request whose JSON body is in ctx.body / ctx.raw_body. Local texts
// are embedded on the embedder's workers as one batch (this coroutine is suspended meanwhile,
// never the I/O thread); the vectors are those of `isartor embed`. Bad requests get 400 in
// OpenAI's error shape; a local model that is off answers 503 saying why.
boost::asio::awaitable<void> ServeEmbeddings(const EmbeddingsRouteDeps& deps, RequestContext& ctx,
                                             ClientSink& sink);

}  // namespace isartor
