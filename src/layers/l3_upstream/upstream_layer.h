// L3: forwards the request to the upstream LLM (the primary, then each fallback in order) and
// relays its answer. Streams are relayed chunk by chunk as the upstream produces them; when the
// client's dialect differs from the provider's, request, response and stream are translated.
// Retries (with backoff) and fallbacks happen only before the first byte reached the client;
// which fault leads to which is written above Handle() in upstream_layer.cpp.
// Thread-safe: Handle() runs concurrently; targets are fixed at construction.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/forwarder.h"
#include "core/layer.h"
#include "dialect/dialect.h"
#include "layers/l3_upstream/upstream_faults.h"
#include "net/endpoint.h"
#include "obs/metrics.h"
#include "upstream/http_client.h"

namespace isartor {

struct UpstreamTarget {
  std::string label;            // "primary", "fallback 1", ...
  dialect::Dialect provider;
  Endpoint endpoint;
  std::string api_key;          // empty = pass the client's key through
  bool responses_api = false;   // also serves POST <base>/responses (OpenAI Responses API)

  // The dialect this target is spoken to in for a request of `client` dialect: Responses
  // requests pass through when the target serves them, else go out as `provider`.
  dialect::Dialect WireFor(dialect::Dialect client) const {
    return client == dialect::Dialect::kResponses && responses_api ? client : provider;
  }
};

class UpstreamLayer : public Layer, public Forwarder {
 public:
  // Builds the targets from config. Fails (kInvalidArgument) on an unparseable URL.
  // `client` and `metrics` are borrowed and must outlive the layer.
  static Result<std::unique_ptr<UpstreamLayer>> Create(const Config& config, HttpClient* client,
                                                       Metrics* metrics);

  const LayerInfo& info() const override {
    static const LayerInfo kInfo{"l3", "L3_Cloud", "L3 Cloud Logic", LayerKind::kUpstream,
                                 /*deflects=*/false};
    return kInfo;
  }
  // isartor.provider, isartor.upstream.status_code, isartor.upstream.ttfb_ms.
  void AddSpanAttributes(const RequestContext& ctx, SpanAttributes& out) const override {
    if (!ctx.upstream_provider.empty()) out.SetString("isartor.provider", ctx.upstream_provider);
    if (ctx.upstream_status) {
      out.SetInt("isartor.upstream.status_code", ctx.upstream_status);
      out.SetDouble("isartor.upstream.ttfb_ms", ctx.upstream_ttfb_ms);
    }
  }
  bool essential() const override { return true; }
  std::string State() const override;
  boost::asio::awaitable<LayerResult> Handle(RequestContext& ctx, ResponseSink& sink) override;

  const std::vector<UpstreamTarget>& targets() const { return targets_; }
  // Forwarder: see core/forwarder.h (forward.cpp).
  boost::asio::awaitable<Status> Forward(RequestContext& ctx, ResponseSink& sink,
                                         std::string path) override;

  struct ForwardedAnswer {
    int status = 0;
    std::string body;
  };
  // Forwards an Anthropic count_tokens request (ctx.body / ctx.raw_body, the client's headers)
  // to the primary target's /messages/count_tokens, without retries. Returns its status and
  // body, whatever the status. Errors: kNotFound when the primary does not speak Anthropic;
  // kBlocked (offline mode), kUnavailable, kDeadlineExceeded from the client.
  // Thread-safe like Handle().
  boost::asio::awaitable<Result<ForwardedAnswer>> CountTokens(RequestContext& ctx) const;

 private:
  UpstreamLayer(const Config& config, std::vector<UpstreamTarget> targets, HttpClient* client,
                Metrics* metrics);
  Result<OutboundRequest> BuildRequest(RequestContext& ctx, const UpstreamTarget& target) const;
  Result<boost::json::object> ResponsesRequestForUpstream(RequestContext& ctx,
                                                          dialect::Dialect wire) const;
  boost::asio::awaitable<LayerResult> Relay(RequestContext& ctx, ResponseSink& sink,
                                            const UpstreamTarget& target,
                                            UpstreamResponse& response, double ttfb_seconds);
  boost::asio::awaitable<LayerResult> RelayStream(RequestContext& ctx, ResponseSink& sink,
                                                  const UpstreamTarget& target,
                                                  UpstreamResponse& response);
  boost::asio::awaitable<LayerResult> RelayJson(RequestContext& ctx, ResponseSink& sink,
                                                const UpstreamTarget& target,
                                                UpstreamResponse& response);

  std::vector<UpstreamTarget> targets_;
  HttpClient* client_;
  Metrics* metrics_;
  std::chrono::milliseconds timeout_;
  std::chrono::milliseconds total_timeout_;
  std::size_t max_response_bytes_;
  std::chrono::milliseconds connect_timeout_;
  int max_retries_;
  int anthropic_default_max_tokens_;
  UpstreamFaultCounters faults_;
};

}  // namespace isartor
