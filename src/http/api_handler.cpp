#include "http/api_handler.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "common/sha256.h"
#include "dialect/error_body.h"
#include "dialect/request_json.h"
#include "dialect/validate.h"
#include "http/models_route.h"
#include "obs/chain_metrics.h"
#include "obs/log.h"

namespace isartor {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using dialect::Dialect;

namespace {

// Unique and unguessable enough for correlation: a random per-thread prefix drawn once, then a
// counter (RAND_bytes per request took a lock and a getpid syscall on the hot path).
std::string NewRequestId() {
  thread_local std::string prefix = [] {
    unsigned char raw[8];
    if (RAND_bytes(raw, sizeof raw) != 1) return std::string("req_0000000000000000");
    return "req_" + ToHex(std::string_view(reinterpret_cast<char*>(raw), sizeof raw));
  }();
  thread_local uint64_t counter = 0;
  char suffix[24];
  std::snprintf(suffix, sizeof suffix, "%08llx", static_cast<unsigned long long>(++counter));
  return prefix + suffix;
}

// A client-supplied id is kept only if short and printable, so it cannot inject into logs/headers.
std::string RequestIdFrom(const HttpRequest& req) {
  auto it = req.find("x-request-id");
  if (it == req.end()) return NewRequestId();
  std::string id(it->value());
  if (id.empty() || id.size() > 128) return NewRequestId();
  for (unsigned char c : id) {
    if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') return NewRequestId();
  }
  return id;
}

std::string HeaderValue(const HttpRequest& req, std::string_view name) {
  auto it = req.find(name);
  return it == req.end() ? std::string() : std::string(it->value());
}

std::string PresentedKey(const HttpRequest& req) {
  std::string auth = HeaderValue(req, "authorization");
  if (auth.size() > 7 && (auth.rfind("Bearer ", 0) == 0 || auth.rfind("bearer ", 0) == 0)) {
    return auth.substr(7);
  }
  return HeaderValue(req, "x-api-key");
}

constexpr std::array<std::string_view, 3> kSessionHeaders = {"x-isartor-session-id",
                                                             "x-session-id", "x-thread-id"};

bool IsModelsPath(std::string_view path) {
  return path == "/v1/models" || path.rfind("/v1/models/", 0) == 0;
}

// A request that failed validation is still audited with what could be read from it.
void NoteRejectedRequest(const json::value& parsed, RequestContext& ctx) {
  const auto* body = parsed.if_object();
  if (!body) return;
  if (const json::value* m = body->if_contains("model"); m && m->is_string()) {
    ctx.resolved_model = std::string(m->get_string());
  }
  if (const json::value* st = body->if_contains("stream"); st && st->is_bool()) {
    ctx.stream = st->get_bool();
  }
}

}  // namespace

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kPayloadTooLarge: return 413;
    case ErrorCode::kHeaderTooLarge: return 431;
    case ErrorCode::kUnavailable: return 502;
    case ErrorCode::kUpstreamError: return 502;
    case ErrorCode::kBlocked: return 503;
    case ErrorCode::kDeadlineExceeded: return 504;
    case ErrorCode::kCancelled: return 499;
    case ErrorCode::kDataLoss:
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

ApiHandler::ApiHandler(ApiHandlerDeps deps)
    : deps_(std::move(deps)), started_(std::chrono::steady_clock::now()) {
  if (!deps_.config->gateway_api_key.empty()) {
    gateway_key_hash_ = Sha256(deps_.config->gateway_api_key);
  }
}

asio::awaitable<void> ApiHandler::Reject(const std::string& target, ErrorCode code,
                                         const std::string& message, ServerStream& stream) {
  Dialect d = target.rfind("/v1/messages", 0) == 0    ? Dialect::kAnthropic
              : target.rfind("/v1/responses", 0) == 0 ? Dialect::kResponses
                                                      : Dialect::kOpenAI;
  ClientSink sink(stream, d, false, NewRequestId(), false, std::chrono::seconds(10));
  std::string body = dialect::ErrorBody(d, dialect::ErrorType(d, code), message);
  (void)co_await sink.SendRaw(HttpStatusFor(code), "application/json", body, nullptr);
  deps_.metrics->RecordRequest(deps_.metrics->NoLayer(), FamilyOf(d, target), HttpStatusFor(code), 0);
}

// Free coroutines, not lambdas: GCC 12 miscompiles capturing lambdas inside coroutines.
asio::awaitable<bool> ApiHandler::SendSimple(ServerStream& stream, std::string request_id,
                                             bool keep_alive, int status, std::string type,
                                             std::string body) {
  ClientSink sink(stream, Dialect::kOpenAI, false, std::move(request_id), keep_alive,
                  std::chrono::seconds(30));
  (void)co_await sink.SendRaw(status, std::move(type), std::move(body), nullptr);
  co_return keep_alive && !sink.must_close();
}

// Unknown routes answer in the dialect of their path (an Anthropic SDK calling a Messages API
// route we lack gets an error it can parse) and are logged: a client needing one shows here.
asio::awaitable<bool> ApiHandler::NoRoute(const HttpRequest& req, const std::string& path,
                                          std::string request_id, bool keep_alive,
                                          ServerStream& stream) {
  Dialect d = path.rfind("/v1/messages", 0) == 0    ? Dialect::kAnthropic
              : path.rfind("/v1/responses", 0) == 0 ? Dialect::kResponses
                                                    : Dialect::kOpenAI;
  Diag(LogLevel::kInfo, "request " + request_id + ": no route for " +
                            std::string(req.method_string()) + " " + path);
  deps_.metrics->RecordRequest(deps_.metrics->NoLayer(), FamilyOf(d, path), 404, 0);
  ClientSink sink(stream, d, false, std::move(request_id), keep_alive, std::chrono::seconds(30));
  (void)co_await sink.SendRaw(404, "application/json",
                              dialect::ErrorBody(d, dialect::ErrorTypeForStatus(d, 404),
                                                 "no route for " + path),
                              nullptr);
  co_return keep_alive && !sink.must_close();
}

asio::awaitable<void> ApiHandler::SendError(ClientSink& sink, Dialect d, ErrorCode code,
                                            std::string message) {
  std::string body = dialect::ErrorBody(d, dialect::ErrorType(d, code), message);
  (void)co_await sink.SendRaw(HttpStatusFor(code), std::string("application/json"),
                              std::move(body), nullptr);
}

asio::awaitable<bool> ApiHandler::Handle(HttpRequest& req, ServerStream& stream) {
  auto start = std::chrono::steady_clock::now();
  std::string target(req.target());
  std::string path = target.substr(0, target.find('?'));
  bool keep_alive = req.keep_alive();
  RequestContext ctx;
  ctx.request_id = RequestIdFrom(req);
  ctx.client_identity = stream.peer_identity();
  ctx.start = start;

  bool is_get = req.method() == http::verb::get;
  if (is_get && path == "/healthz") co_return co_await SendSimple(stream, ctx.request_id, keep_alive, 200, "application/json",
                                       R"({"status":"ok"})");
  if (is_get && path == "/metrics") {
    co_return co_await SendSimple(stream, ctx.request_id, keep_alive, 200,
                                  "text/plain; version=0.0.4; charset=utf-8",
                                  deps_.metrics->Render());
  }
  if (is_get && path == "/health") {
    json::object health{{"status", "ok"}, {"version", ISARTOR_VERSION}};
    health["uptime_seconds"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    json::object layers;
    for (const auto& layer : deps_.chain->layers()) {
      layers[layer->info().name] = layer->State();
    }
    health["layers"] = std::move(layers);
    if (deps_.health_extras) deps_.health_extras(health);
    co_return co_await SendSimple(stream, ctx.request_id, keep_alive, 200, "application/json",
                                  json::serialize(health));
  }

  Dialect d;
  if (path == "/v1/chat/completions") d = Dialect::kOpenAI;
  else if (path == "/v1/messages" || path == kCountTokensPath) d = Dialect::kAnthropic;
  else if (path == "/v1/responses") d = Dialect::kResponses;
  else if (path == "/v1/embeddings") d = Dialect::kOpenAI;
  else if (IsModelsPath(path)) {
    d = req.find("anthropic-version") != req.end() ? Dialect::kAnthropic : Dialect::kOpenAI;
  }
  else co_return co_await NoRoute(req, path, ctx.request_id, keep_alive, stream);
  ctx.dialect = d;
  ClientSink sink(stream, d, false, ctx.request_id, keep_alive, std::chrono::seconds(60));
  sink.set_audited(true);
  sink.set_keep_text(deps_.keep_answer_text);
  const ChainObservers& observers = deps_.chain->observers();
  std::string traceparent = HeaderValue(req, "traceparent");
  observers.RequestStarted(ctx, RequestStart{req.method_string(), path, traceparent});
  co_await HandleApi(req, d, sink, ctx);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RequestEnd facts{path, sink.layer(), sink.status(), seconds, sink.AnswerSha256(),
                   &sink.answer_text()};
  facts.completed = sink.complete();
  facts.bytes_sent = sink.bytes_sent();
  if (!facts.completed) {
    // What the client got: a stream it cut is not "200, completed".
    facts.end = sink.client_gone() ? "client_closed" : "incomplete";
    if (sink.client_gone()) facts.status = 499;
  }
  observers.RequestEnded(ctx, facts);
  co_return keep_alive && !sink.must_close();
}

asio::awaitable<void> ApiHandler::HandleApi(HttpRequest& req, Dialect d, ClientSink& sink,
                                            RequestContext& ctx) {
  const Config& config = *deps_.config;
  std::string presented = PresentedKey(req);
  if (!gateway_key_hash_.empty()) {
    std::string presented_hash = Sha256(presented);
    if (presented.empty() ||
        CRYPTO_memcmp(presented_hash.data(), gateway_key_hash_.data(), presented_hash.size()) != 0) {
      deps_.chain->observers().RequestRead(ctx, std::string(req.target()));
      co_return co_await SendError(sink, d, ErrorCode::kUnauthenticated,
                              std::string(presented.empty() ? "missing API key" : "invalid API key"));
    }
  }
  if (config.tls_client_cert_tenant && !ctx.client_identity.empty()) {
    ctx.tenant = Sha256Hex("tenant-cert:" + ctx.client_identity).substr(0, 16);
  } else {
    ctx.tenant = presented.empty() ? "anonymous" : Sha256Hex("tenant:" + presented).substr(0, 16);
  }
  std::string target(req.target());
  std::string path = target.substr(0, target.find('?'));
  if (IsModelsPath(path)) {
    if (req.method() != http::verb::get) co_return co_await SendError(sink, d, ErrorCode::kNotFound, std::string("use GET"));
    // Built by a plain function: GCC 12 miscompiles lambdas that capture inside coroutines.
    ModelsAnswer models = AnswerModels(config, path, d == Dialect::kAnthropic,
                                       deps_.embeddings.embedder ? deps_.embeddings.local_model : "");
    (void)co_await sink.SendRaw(models.status, std::string("application/json"),
                                std::move(models.body), nullptr);
    co_return;
  }
  if (req.method() != http::verb::post) {
    deps_.chain->observers().RequestRead(ctx, std::string(req.target()));
    co_return co_await SendError(sink, d, ErrorCode::kNotFound, std::string("use POST"));
  }

  auto parsed_or = dialect::ParseRequestJson(req.body());
  if (!parsed_or.ok()) {
    deps_.chain->observers().RequestRead(ctx, target);
    co_return co_await SendError(sink, d, ErrorCode::kInvalidArgument,
                                 "invalid JSON body: " + parsed_or.error().message);
  }
  json::value& parsed = *parsed_or;
  if (path == "/v1/embeddings") {
    if (!parsed.is_object()) co_return co_await SendError(sink, d, ErrorCode::kInvalidArgument, std::string("body: must be a JSON object"));
    ctx.body = std::move(parsed.as_object());
    ctx.raw_body = std::move(req.body());
    if (gateway_key_hash_.empty()) {
      ctx.client_authorization = HeaderValue(req, "authorization");
      ctx.client_api_key = HeaderValue(req, "x-api-key");
    }
    deps_.chain->observers().RequestRead(ctx, target);
    co_return co_await ServeEmbeddings(deps_.embeddings, ctx, sink);
  }
  bool count_tokens = path == kCountTokensPath;
  Status valid = count_tokens ? dialect::ValidateCountTokensRequest(parsed)
                              : dialect::ValidateRequest(d, parsed);
  if (!valid.ok()) {
    NoteRejectedRequest(parsed, ctx);
    deps_.chain->observers().RequestRead(ctx, target);
    co_return co_await SendError(sink, d, ErrorCode::kInvalidArgument, valid.error().message);
  }
  ctx.body = std::move(parsed.as_object());
  ctx.raw_body = std::move(req.body());
  const json::value* model = ctx.body.if_contains("model");
  std::string requested = model && model->is_string() ? std::string(model->as_string()) : "";
  ctx.resolved_model = config.ResolveModel(requested);
  if (ctx.resolved_model != requested) {
    ctx.body["model"] = ctx.resolved_model;
    ctx.body_rewritten = true;
  }
  auto view = dialect::ViewRequest(d, ctx.body);
  if (!view.ok()) co_return co_await SendError(sink, d, ErrorCode::kInvalidArgument, view.error().message);
  ctx.view = std::move(*view);
  ctx.stream = ctx.view.stream;
  sink.set_client_wants_stream(ctx.stream);
  for (std::string_view h : kSessionHeaders) {
    ctx.session = HeaderValue(req, h);
    if (!ctx.session.empty()) break;
  }
  std::string cache_control = HeaderValue(req, "cache-control");
  ctx.no_cache = cache_control.find("no-cache") != std::string::npos;
  ctx.no_store = cache_control.find("no-store") != std::string::npos;
  if (gateway_key_hash_.empty()) {
    ctx.client_authorization = HeaderValue(req, "authorization");
    ctx.client_api_key = HeaderValue(req, "x-api-key");
  }
  ctx.anthropic_version = HeaderValue(req, "anthropic-version");
  ctx.anthropic_beta = HeaderValue(req, "anthropic-beta");
  ctx.traceparent = HeaderValue(req, "traceparent");

  deps_.chain->observers().RequestRead(ctx, std::string(req.target()));
  if (count_tokens) co_return co_await HandleCountTokens(sink, ctx);
  ChainResult result = co_await deps_.chain->Run(ctx, sink);
  if (!result.error || sink.started()) co_return;
  const Error& error = *result.error;
  if (error.code == ErrorCode::kCancelled) co_return;
  std::string type(dialect::ErrorType(d, error.code));
  std::string message = error.message;
  AnswerMeta meta{result.layer, {}};
  if (error.code == ErrorCode::kBlocked) {
    type = "offline_mode_active";
    message = "offline mode is active: layer " +
              (result.layer ? result.layer->name : std::string("none")) +
              " would reach an external destination (" + error.message + ")";
    // Retrying cannot help: both official SDKs (and so Claude Code) honour this header and
    // show the message at once instead of retrying a 503 for minutes.
    meta.headers.emplace_back("x-should-retry", "false");
  }
  (void)co_await sink.SendRaw(HttpStatusFor(error.code), std::string("application/json"),
                              dialect::ErrorBody(d, type, message), std::move(meta));
}

}  // namespace isartor
