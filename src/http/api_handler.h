// The HTTP routes: turns one parsed HTTP request into a RequestContext, runs the layer chain,
// and answers errors in the route's dialect. The one place that maps error codes to statuses.
// Thread-safe: Handle() runs concurrently on many connections.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "core/chain.h"
#include "http/client_sink.h"
#include "http/embeddings_route.h"
#include "http/server_stream.h"
#include "layers/l3_upstream/upstream_layer.h"
#include "obs/metrics.h"

namespace isartor {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

// Status for an error code (one mapping for both dialects; kCancelled -> 499, never sent).
int HttpStatusFor(ErrorCode code);

struct ApiHandlerDeps {
  const Config* config;
  // The chain; each API request's start, arrival and end go to its observers (metrics, traces,
  // the audit trail), which the app registered.
  const Chain* chain;
  Metrics* metrics;  // GET /metrics, and requests rejected before they were read
  // Extra /health fields (license, offline, embedding) filled in by the app.
  std::function<void(boost::json::object&)> health_extras;
  // Keep the answer text for RequestEnd::answer_text (ISARTOR__AUDIT_INCLUDE_CONTENT).
  bool keep_answer_text = false;
  // POST /v1/messages/count_tokens: forwarded to L3 when it speaks Anthropic (null: never),
  // otherwise estimated with `count_tokens_estimator` (null: ~4 bytes per token).
  const UpstreamLayer* upstream = nullptr;
  std::function<std::size_t(std::string_view)> count_tokens_estimator;
  // POST /v1/embeddings: the local model and the upstream for other model names.
  EmbeddingsRouteDeps embeddings;
};

// The Anthropic token-counting route (answered by ApiHandler::HandleCountTokens).
inline constexpr std::string_view kCountTokensPath = "/v1/messages/count_tokens";

class ApiHandler {
 public:
  explicit ApiHandler(ApiHandlerDeps deps);

  // Answers `request` on `stream`. Returns whether the connection may be kept alive.
  boost::asio::awaitable<bool> Handle(HttpRequest& request, ServerStream& stream);

  // An answer for a request rejected before it was read whole (413, 408, 400 header errors).
  boost::asio::awaitable<void> Reject(const std::string& target, ErrorCode code,
                                      const std::string& message,
                                      ServerStream& stream);

 private:
  static boost::asio::awaitable<bool> SendSimple(ServerStream& stream,
                                                 std::string request_id, bool keep_alive,
                                                 int status, std::string type, std::string body);
  static boost::asio::awaitable<void> SendError(ClientSink& sink, dialect::Dialect d,
                                                ErrorCode code, std::string message);
  boost::asio::awaitable<void> HandleApi(HttpRequest& request, dialect::Dialect dialect,
                                         ClientSink& sink, RequestContext& ctx);
  boost::asio::awaitable<bool> NoRoute(const HttpRequest& request, const std::string& path,
                                       std::string request_id, bool keep_alive,
                                       ServerStream& stream);
  // count_tokens after validation (http/count_tokens_route.cpp).
  boost::asio::awaitable<void> HandleCountTokens(ClientSink& sink, RequestContext& ctx);

  ApiHandlerDeps deps_;
  std::chrono::steady_clock::time_point started_;
  std::string gateway_key_hash_;  // SHA-256 of the key: compared in constant time
};

}  // namespace isartor
