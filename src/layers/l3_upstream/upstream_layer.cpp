#include "layers/l3_upstream/upstream_layer.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <random>

#include "common/uuid.h"
#include "dialect/responses_request.h"
#include "dialect/translate_request.h"
#include "obs/log.h"

namespace isartor {
namespace asio = boost::asio;
using dialect::Dialect;

namespace {

Dialect ProviderDialect(const std::string& provider) {
  return provider == "anthropic" ? Dialect::kAnthropic : Dialect::kOpenAI;
}

bool RetryableStatus(int status) {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

// Exponential backoff with jitter: ~100ms, 200ms, 400ms... capped at 2s (and at Retry-After).
std::chrono::milliseconds Backoff(int attempt, const std::string& retry_after) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  long base = std::min(2000L, 100L << std::min(attempt, 5));
  long ms = base / 2 + static_cast<long>(rng() % static_cast<unsigned>(base / 2 + 1));
  if (!retry_after.empty()) {
    char* end = nullptr;
    long secs = std::strtol(retry_after.c_str(), &end, 10);
    if (end && *end == '\0' && secs >= 0) ms = std::min(2000L, std::max(ms, secs * 1000));
  }
  return std::chrono::milliseconds(ms);
}

}  // namespace

// A Responses request for a chat or Anthropic upstream. What the target cannot take is named
// in the answer's headers, never dropped silently.
Result<boost::json::object> UpstreamLayer::ResponsesRequestForUpstream(RequestContext& ctx,
                                                                       Dialect wire) const {
  auto chat = dialect::ResponsesRequestToChat(ctx.body);
  if (!chat.ok()) return chat.error();
  auto join = [](const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
  };
  if (!chat->dropped_tools.empty()) {
    ctx.answer_headers.emplace_back("X-Isartor-Dropped-Tools", join(chat->dropped_tools));
  }
  if (!chat->dropped_params.empty()) {
    ctx.answer_headers.emplace_back("X-Isartor-Dropped-Params", join(chat->dropped_params));
  }
  if (wire != Dialect::kAnthropic) return std::move(chat->body);
  return dialect::OpenAIRequestToAnthropic(chat->body, anthropic_default_max_tokens_);
}

Result<std::unique_ptr<UpstreamLayer>> UpstreamLayer::Create(const Config& config,
                                                             HttpClient* client,
                                                             Metrics* metrics) {
  std::vector<UpstreamTarget> targets;
  auto primary = ParseEndpoint(config.EffectiveL3Url());
  if (!primary.ok()) return MakeError(ErrorCode::kInvalidArgument,
                                      "ISARTOR__EXTERNAL_LLM_URL: " + primary.error().message);
  targets.push_back({"primary", ProviderDialect(config.llm_provider), *primary,
                     config.external_llm_api_key, config.L3SpeaksResponses()});
  int n = 0;
  for (const auto& fb : config.fallback_providers) {
    auto ep = ParseEndpoint(fb.url);
    if (!ep.ok()) return MakeError(ErrorCode::kInvalidArgument,
                                   "ISARTOR__FALLBACK_PROVIDERS: " + ep.error().message);
    targets.push_back({"fallback " + std::to_string(++n), ProviderDialect(fb.provider), *ep,
                       fb.api_key, fb.responses_api});
  }
  auto layer = std::unique_ptr<UpstreamLayer>(
      new UpstreamLayer(config, std::move(targets), client, metrics));
  layer->faults_.Register(metrics);
  return layer;
}

UpstreamLayer::UpstreamLayer(const Config& config, std::vector<UpstreamTarget> targets,
                             HttpClient* client, Metrics* metrics)
    : targets_(std::move(targets)),
      client_(client),
      metrics_(metrics),
      timeout_(std::chrono::seconds(config.l3_timeout_secs)),
      total_timeout_(std::chrono::seconds(config.l3_total_timeout_secs)),
      max_response_bytes_(config.l3_max_response_bytes),
      connect_timeout_(std::chrono::seconds(config.l3_connect_timeout_secs)),
      max_retries_(config.l3_max_retries),
      anthropic_default_max_tokens_(config.anthropic_default_max_tokens) {}

std::string UpstreamLayer::State() const {
  std::string where = std::string(dialect::DialectName(targets_[0].provider)) + " at " +
                      targets_[0].endpoint.url;
  if (!client_->Allows(targets_[0].endpoint)) {
    return "blocked (offline mode: " + where + " is not internal)";
  }
  return "active (" + where + ")";
}

Result<OutboundRequest> UpstreamLayer::BuildRequest(RequestContext& ctx,
                                                    const UpstreamTarget& target) const {
  OutboundRequest out;
  Dialect wire = target.WireFor(ctx.dialect);
  bool to_anthropic = wire == Dialect::kAnthropic;
  out.target = target.endpoint.base_path + (to_anthropic                 ? "/messages"
                                            : wire == Dialect::kResponses ? "/responses"
                                                                          : "/chat/completions");
  ctx.answer_headers.clear();
  if (ctx.dialect == wire) {
    // Fidelity: the client's bytes unless the model had to be mapped.
    out.body = ctx.body_rewritten ? boost::json::serialize(ctx.body) : ctx.raw_body;
  } else if (ctx.dialect == Dialect::kResponses) {
    auto translated = ResponsesRequestForUpstream(ctx, wire);
    if (!translated.ok()) return translated.error();
    out.body = boost::json::serialize(*translated);
  } else {
    auto translated = to_anthropic
                          ? dialect::OpenAIRequestToAnthropic(ctx.body, anthropic_default_max_tokens_)
                          : dialect::AnthropicRequestToOpenAI(ctx.body);
    if (!translated.ok()) return translated.error();
    out.body = boost::json::serialize(*translated);
  }
  out.headers.emplace_back("content-type", "application/json");
  out.headers.emplace_back("accept", ctx.stream ? "text/event-stream" : "application/json");
  // Answers are parsed, cached and re-framed here: a compressed one would be bytes we cannot read.
  out.headers.emplace_back("accept-encoding", "identity");
  out.headers.emplace_back("user-agent", "isartor/" ISARTOR_VERSION);
  // A UUID: llama-cpp-python's server answers an empty 400 to any other x-request-id. Ours
  // (req_...) rides along and both are in the l3_call audit event.
  out.headers.emplace_back("x-request-id", ctx.upstream_request_id);
  out.headers.emplace_back("x-isartor-request-id", ctx.request_id);
  if (!ctx.traceparent.empty()) out.headers.emplace_back("traceparent", ctx.traceparent);
  if (to_anthropic) {
    std::string key = target.api_key;
    if (key.empty()) {
      key = ctx.client_api_key;
      if (key.empty() && ctx.client_authorization.rfind("Bearer ", 0) == 0) {
        key = ctx.client_authorization.substr(7);
      }
    }
    if (!key.empty()) out.headers.emplace_back("x-api-key", key);
    out.headers.emplace_back("anthropic-version",
                             ctx.anthropic_version.empty() ? "2023-06-01" : ctx.anthropic_version);
    if (!ctx.anthropic_beta.empty()) out.headers.emplace_back("anthropic-beta", ctx.anthropic_beta);
  } else {
    std::string auth = target.api_key.empty() ? ctx.client_authorization
                                              : "Bearer " + target.api_key;
    if (auth.empty() && !ctx.client_api_key.empty()) auth = "Bearer " + ctx.client_api_key;
    if (!auth.empty()) out.headers.emplace_back("authorization", auth);
  }
  return out;
}

// The fault policy (docs/hardening.md has it as a table). Before any byte reached the client:
// a connection fault (refused, reset before or during the answer) or 429/502/503/504 is retried
// on the same upstream up to max_retries_ times, then the next fallback is tried; a timeout, a
// 500, or an answer we cannot use (not JSON, too large, compressed, wrong content type) moves
// on to the next fallback at once, since repeating it on the same upstream rarely helps. The
// last upstream's own error status (429 with its Retry-After, 503...) reaches the client as is.
// Once a stream started, nothing is retried: the client gets the dialect's terminal error event.
asio::awaitable<LayerResult> UpstreamLayer::Handle(RequestContext& ctx, ResponseSink& sink) {
  Error last = MakeError(ErrorCode::kUnavailable, "no upstream configured");
  ctx.upstream_request_id = UuidForId(ctx.request_id);
  enum class Next { kRetry, kFallback };
  for (std::size_t t = 0; t < targets_.size(); ++t) {
    const UpstreamTarget& target = targets_[t];
    bool last_target = t + 1 == targets_.size();
    if (t > 0) faults_.CountFallback();
    auto request = BuildRequest(ctx, target);
    if (!request.ok()) co_return LayerResult::Fail(request.error());
    ctx.upstream_provider = std::string(dialect::DialectName(target.WireFor(ctx.dialect)));
    for (int attempt = 0; attempt <= max_retries_; ++attempt) {
      if (sink.client_gone()) co_return LayerResult::Fail(MakeError(ErrorCode::kCancelled, "client gone"));
      if (attempt > 0) faults_.CountRetry();
      auto started = std::chrono::steady_clock::now();
      auto response = co_await client_->Send(target.endpoint, *request, connect_timeout_,
                                              std::min(timeout_, total_timeout_));
      double ttfb = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      bool last_attempt = attempt == max_retries_;
      std::string retry_after;
      Next next = Next::kRetry;
      if (!response.ok()) {
        last = response.error();
        Diag(LogLevel::kWarn, "request " + ctx.request_id + ": " + target.label + " upstream: " +
                                  last.message);
        if (last.code == ErrorCode::kDeadlineExceeded) faults_.Count(UpstreamFault::kTimeout);
        if (last.code == ErrorCode::kUnavailable) faults_.Count(UpstreamFault::kConnection);
        // Blocked destinations and timeouts are not retried (a timeout may have been served).
        if (last.code != ErrorCode::kUnavailable) next = Next::kFallback;
      } else {
        UpstreamResponse& answer = **response;
        answer.SetDeadline(started + total_timeout_);
        int status = answer.status();
        if (status == 429) faults_.Count(UpstreamFault::kStatus429);
        if (status / 100 == 5) faults_.Count(UpstreamFault::kStatus5xx);
        bool retryable = RetryableStatus(status) && !(last_attempt && last_target);
        if (retryable || (status / 100 == 5 && !last_target)) {
          last = MakeError(ErrorCode::kUnavailable,
                           target.label + " answered " + std::to_string(status));
          retry_after = answer.Header("retry-after");
          (void)co_await answer.ReadAll(timeout_, 1 << 20);  // keep the connection reusable
          Diag(LogLevel::kWarn, "request " + ctx.request_id + ": " + last.message +
                                    (retryable ? ", retrying" : ", trying the next upstream"));
          if (!retryable) next = Next::kFallback;
        } else {
          LayerResult result = co_await Relay(ctx, sink, target, answer, ttfb);
          if (result.verdict != LayerVerdict::kFailed || sink.started() || !result.error ||
              result.error->code == ErrorCode::kCancelled) {
            co_return result;
          }
          // Nothing reached the client yet: another attempt can still answer it.
          last = *result.error;
          Diag(LogLevel::kWarn, "request " + ctx.request_id + ": " + last.message);
          if (last.code != ErrorCode::kUnavailable) next = Next::kFallback;
        }
      }
      if (next == Next::kFallback || last_attempt) break;
      asio::steady_timer timer(co_await asio::this_coro::executor);
      timer.expires_after(Backoff(attempt, retry_after));
      co_await timer.async_wait(asio::use_awaitable);
    }
  }
  co_return LayerResult::Fail(last);
}

asio::awaitable<Result<UpstreamLayer::ForwardedAnswer>> UpstreamLayer::CountTokens(
    RequestContext& ctx) const {
  const UpstreamTarget& primary = targets_.front();
  if (primary.provider != Dialect::kAnthropic || ctx.dialect != Dialect::kAnthropic) {
    co_return MakeError(ErrorCode::kNotFound, "the primary upstream does not speak Anthropic");
  }
  ctx.upstream_request_id = UuidForId(ctx.request_id);
  auto request = BuildRequest(ctx, primary);
  if (!request.ok()) co_return request.error();
  request->target = primary.endpoint.base_path + "/messages/count_tokens";
  auto response = co_await client_->Send(primary.endpoint, *request, connect_timeout_, timeout_);
  if (!response.ok()) co_return response.error();
  auto body = co_await (*response)->ReadAll(timeout_, 1 << 20);
  if (!body.ok()) co_return body.error();
  co_return ForwardedAnswer{(*response)->status(), std::move(*body)};
}

}  // namespace isartor
