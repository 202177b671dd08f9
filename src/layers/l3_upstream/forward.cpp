// The part of L3 that forwards requests outside the layer chain (embeddings for upstream
// models): same targets, keys and egress rules, no translation, no caching.
#include "layers/l3_upstream/upstream_layer.h"
#include "obs/log.h"

namespace isartor {
namespace asio = boost::asio;

asio::awaitable<Status> UpstreamLayer::Forward(RequestContext& ctx, ResponseSink& sink,
                                               std::string path) {
  Error last = MakeError(ErrorCode::kNotFound,
                         "no OpenAI-compatible upstream is configured for " + path);
  for (const auto& target : targets_) {
    if (target.provider != dialect::Dialect::kOpenAI) continue;
    auto request = BuildRequest(ctx, target);
    if (!request.ok()) co_return request.error();
    request->target = target.endpoint.base_path + path;
    request->body = ctx.raw_body;
    ctx.upstream_provider = "openai";
    auto response = co_await client_->Send(target.endpoint, *request, connect_timeout_, timeout_);
    if (!response.ok()) {
      last = response.error();
      Diag(LogLevel::kWarn, "request " + ctx.request_id + ": " + target.label + " upstream: " +
                                last.message);
      continue;
    }
    auto body = co_await (*response)->ReadAll(timeout_, 256u << 20);
    if (!body.ok()) {
      last = body.error();
      continue;
    }
    ctx.upstream_status = (*response)->status();
    AnswerMeta meta{&info(), {}};
    (void)co_await sink.SendComplete((*response)->status(), std::move(*body), meta);
    co_return Status::Ok();
  }
  co_return last;
}

}  // namespace isartor
