// POST /v1/messages/count_tokens (Claude Code calls it): the Anthropic upstream's own count
// when L3 is one and answers; otherwise an estimate with the MiniLM WordPiece tokenizer, which
// is not the upstream model's tokenizer (the answer says so in X-Isartor-Token-Estimate).
#include <boost/json/parse.hpp>

#include "dialect/error_body.h"
#include "dialect/token_count.h"
#include "http/api_handler.h"
#include "obs/log.h"

namespace isartor {
namespace asio = boost::asio;

asio::awaitable<void> ApiHandler::HandleCountTokens(ClientSink& sink, RequestContext& ctx) {
  using dialect::Dialect;
  if (deps_.upstream) {
    auto forwarded = co_await deps_.upstream->CountTokens(ctx);
    if (forwarded.ok()) {
      ctx.upstream_provider = "anthropic";
      ctx.upstream_status = forwarded->status;
      ctx.upstream_complete = true;
      // A compatible server without the route (404) falls through to the estimate.
      if (forwarded->status != 404) {
        std::string body = forwarded->status / 100 == 2
                               ? std::move(forwarded->body)
                               : dialect::UpstreamErrorBody(Dialect::kAnthropic,
                                                            Dialect::kAnthropic, forwarded->status,
                                                            "primary upstream", forwarded->body);
        (void)co_await sink.SendRaw(forwarded->status, "application/json", std::move(body),
                                    &deps_.upstream->info());
        co_return;
      }
    } else if (forwarded.error().code != ErrorCode::kNotFound) {
      Diag(LogLevel::kInfo, "request " + ctx.request_id + ": count_tokens not forwarded (" +
                                forwarded.error().message + "), answering an estimate");
    }
  }
  std::string text = dialect::TextForTokenCount(ctx.body);
  std::size_t tokens = deps_.count_tokens_estimator ? deps_.count_tokens_estimator(text)
                                                    : (text.size() + 3) / 4;
  AnswerMeta meta{nullptr, {}};
  meta.headers.emplace_back("X-Isartor-Token-Estimate",
                            deps_.count_tokens_estimator ? "wordpiece" : "bytes/4");
  (void)co_await sink.SendRaw(200, "application/json",
                              dialect::CountTokensAnswer(static_cast<int64_t>(tokens)),
                              std::move(meta));
}

}  // namespace isartor
