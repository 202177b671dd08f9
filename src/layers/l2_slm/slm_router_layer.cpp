#include "layers/l2_slm/slm_router_layer.h"

#include <boost/json/serialize.hpp>
#include <cstdio>

#include "layers/l2_slm/quality_guard.h"
#include "layers/l2_slm/route_policy.h"
#include "layers/l2_slm/sidecar_exchange.h"
#include "obs/log.h"

namespace isartor {
namespace asio = boost::asio;

namespace {

constexpr std::size_t kMaxSidecarBody = 4u << 20;
// Connecting to a server on the internal network is fast or broken: fail over to L3 quickly.
constexpr std::chrono::milliseconds kMaxConnectTimeout{2000};

int64_t NowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string Fixed(double v, const char* format) {
  char buf[32];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

}  // namespace

const LayerInfo& SlmRouterLayer::Info() {
  static const LayerInfo info{"l2", "L2_SLM", "L2 SLM Router", LayerKind::kLocalModel,
                              /*deflects=*/true};
  return info;
}

Result<std::unique_ptr<SlmRouterLayer>> SlmRouterLayer::Create(
    const Config& config, HttpClient* client, std::shared_ptr<embed::Embedder> embedder) {
  auto endpoint = ParseEndpoint(config.layer2_sidecar_url);
  if (!endpoint.ok()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "ISARTOR__LAYER2__SIDECAR_URL: " + endpoint.error().message);
  }
  if (!embedder) return MakeError(ErrorCode::kInvalidArgument, "L2 needs the MiniLM embedder");
  return std::unique_ptr<SlmRouterLayer>(
      new SlmRouterLayer(config, std::move(*endpoint), client, std::move(embedder)));
}

SlmRouterLayer::SlmRouterLayer(const Config& config, Endpoint sidecar, HttpClient* client,
                               std::shared_ptr<embed::Embedder> embedder)
    : sidecar_(std::move(sidecar)),
      model_(config.layer2_model_name),
      client_(client),
      embedder_(std::move(embedder)),
      timeout_(std::chrono::seconds(config.layer2_timeout_seconds)),
      max_answer_tokens_(config.layer2_max_answer_tokens),
      stop_sequences_(config.layer2_stop_sequences) {}

std::string SlmRouterLayer::State() const {
  std::string state = "active (" + model_ + " at " + sidecar_.url +
                      ", router: MiniLM head, threshold " + Fixed(head_.threshold(), "%.2f");
  if (sidecar_failing_.load(std::memory_order_relaxed)) {
    state += "; sidecar failing: ";
    state += ErrorCodeName(static_cast<ErrorCode>(last_error_code_.load(std::memory_order_relaxed)));
  }
  return state + ")";
}

SlmRouterStats SlmRouterLayer::stats() const {
  auto r = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  return {r(ineligible_), r(routed_big_), r(routed_local_), r(answered_), r(rejected_), r(failed_)};
}

LayerResult SlmRouterLayer::Failed(Error error) {
  failed_.fetch_add(1, std::memory_order_relaxed);
  return LayerResult::Fail(std::move(error));
}

asio::awaitable<LayerResult> SlmRouterLayer::Handle(RequestContext& ctx, ResponseSink& sink) {
  if (auto reason = l2::IneligibleReason(ctx)) {
    ineligible_.fetch_add(1, std::memory_order_relaxed);
    Diag(LogLevel::kDebug, "request " + ctx.request_id + ": L2 pass (" + *reason + ")");
    co_return LayerResult::Pass();
  }
  auto decision = co_await l2::Classify(*embedder_, head_, ctx.view.last_user_text);
  if (!decision.ok()) co_return Failed(decision.error());
  if (!decision->local) {
    routed_big_.fetch_add(1, std::memory_order_relaxed);
    Diag(LogLevel::kDebug, "request " + ctx.request_id + ": L2 pass (p_complex " +
                               Fixed(decision->p_complex, "%.3f") + ")");
    co_return LayerResult::Pass();
  }
  routed_local_.fetch_add(1, std::memory_order_relaxed);
  co_return co_await AnswerLocally(ctx, sink, *decision);
}

asio::awaitable<LayerResult> SlmRouterLayer::AnswerLocally(RequestContext& ctx,
                                                           ResponseSink& sink,
                                                           const l2::RouteDecision& decision) {
  OutboundRequest request;
  request.target = sidecar_.base_path + "/chat/completions";
  request.body = boost::json::serialize(
      l2::SidecarRequest(ctx, model_, max_answer_tokens_, stop_sequences_));
  request.headers = {{"content-type", "application/json"},
                     {"accept", "application/json"},
                     {"user-agent", "isartor/" ISARTOR_VERSION},
                     // Not x-request-id: llama-cpp-python's server rejects (400) any value
                     // that is not a UUID there.
                     {"x-isartor-request-id", ctx.request_id}};
  auto response = co_await client_->Send(sidecar_, request, std::min(timeout_, kMaxConnectTimeout),
                                         timeout_);
  if (!response.ok()) {
    sidecar_failing_.store(true, std::memory_order_relaxed);
    last_error_code_.store(static_cast<int>(response.error().code), std::memory_order_relaxed);
    co_return Failed(MakeError(response.error().code, "L2 sidecar: " + response.error().message));
  }
  auto body = co_await (*response)->ReadAll(timeout_, kMaxSidecarBody);
  if (!body.ok()) co_return Failed(body.error());
  sidecar_failing_.store(false, std::memory_order_relaxed);
  if ((*response)->status() / 100 != 2) {
    co_return Failed(MakeError(ErrorCode::kUpstreamError,
                               "L2 sidecar answered " + std::to_string((*response)->status())));
  }
  auto answer = l2::ParseSidecarResponse(*body);
  if (!answer.ok()) co_return Failed(answer.error());
  if (auto reason = l2::RejectReason(answer->text, answer->finish_reason)) {
    rejected_.fetch_add(1, std::memory_order_relaxed);
    co_return LayerResult::Fail(
        MakeError(ErrorCode::kUpstreamError, "L2 quality guard rejected the answer: " + *reason));
  }
  if (sink.client_gone()) co_return Failed(MakeError(ErrorCode::kCancelled, "client gone"));
  auto client_body = l2::ClientAnswerBody(ctx.dialect, *answer, model_, ctx.request_id, NowUnix());
  if (!client_body.ok()) co_return Failed(client_body.error());

  ctx.prompt_tokens = answer->prompt_tokens;
  ctx.completion_tokens = answer->completion_tokens;
  auto stored = std::make_shared<StoredAnswer>();
  stored->body = *client_body;
  stored->total_tokens = answer->prompt_tokens + answer->completion_tokens;
  AnswerMeta meta{&Info(),
                  {{"X-Isartor-L2-Route", "p_complex=" + Fixed(decision.p_complex, "%.3f") +
                                              "; decision_ms=" +
                                              Fixed(decision.seconds * 1000, "%.2f")}}};
  Status sent = co_await sink.SendComplete(200, std::move(*client_body), meta);
  LayerResult result;
  result.verdict = LayerVerdict::kAnswered;
  result.status = sent.ok() ? 200 : 499;
  if (sent.ok()) {
    answered_.fetch_add(1, std::memory_order_relaxed);
    result.answer = std::move(stored);
  }
  co_return result;
}

}  // namespace isartor
