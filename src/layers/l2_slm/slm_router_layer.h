// L2: answers simple prompts with a small local model so they never leave the perimeter; hard
// ones pass on to L3. Per request:
//   1. hard rules (route_policy.h): tools, tool activity, images, response_format, ... pass on;
//   2. the router head (router_head.h) over the MiniLM embedding of the last user message decides
//      local vs big model (a few ms, off the I/O thread);
//   3. the local model (an OpenAI-compatible server: llama.cpp, Ollama, vLLM) generates the
//      complete answer through the egress guard;
//   4. the quality guard (quality_guard.h) accepts it, or the request passes on to L3;
//   5. the answer goes to the client (replayed as SSE in the client's dialect when it streams)
//      with X-Isartor-Layer: l2, and back to L1a/L1b as a StoredAnswer.
// Any failure (sidecar down, timeout, bad output, guard rejection, embedder error) returns kFailed
// before anything reached the client, so the chain skips L2 with a metric and L3 answers.
//
// Why the guard decides on the complete answer: "truncated" is only known at the end, and a
// client must never see a local answer that is then abandoned. The price is that a streaming
// client gets its first byte when the local model has finished (bounded by
// ISARTOR__LAYER2__MAX_ANSWER_TOKENS), not at its first token.
// Thread-safe: Handle() runs concurrently; everything else is fixed at construction.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/layer.h"
#include "embed/embedder.h"
#include "layers/l2_slm/router_head.h"
#include "net/endpoint.h"
#include "upstream/http_client.h"

namespace isartor {

// Counters since start, for /metrics (relaxed reads; each is exact, the set is not a snapshot).
struct SlmRouterStats {
  uint64_t ineligible = 0;     // passed on by a hard rule
  uint64_t routed_big = 0;     // the head said "needs the big model"
  uint64_t routed_local = 0;   // the head said "local"
  uint64_t answered = 0;       // answered at L2
  uint64_t rejected = 0;       // local answer refused by the quality guard
  uint64_t failed = 0;         // sidecar / embedder errors (passed on)
};

class SlmRouterLayer : public Layer {
 public:
  // Reads enable_slm_router's settings (layer2_*) from `config`. `client` (created for
  // EgressPurpose::kL2Sidecar; the sidecar endpoint must be registered with its guard) is
  // borrowed and must outlive the layer; the layer owns `embedder`.
  // Errors: kInvalidArgument for an unparseable ISARTOR__LAYER2__SIDECAR_URL or a null embedder.
  static Result<std::unique_ptr<SlmRouterLayer>> Create(const Config& config, HttpClient* client,
                                                        std::shared_ptr<embed::Embedder> embedder);

  // "l2", "L2_SLM", "L2 SLM Router": a local model whose answers deflect.
  static const LayerInfo& Info();
  const LayerInfo& info() const override { return Info(); }
  // "active (gemma-3-270m at http://127.0.0.1:8081/v1, router: MiniLM head, threshold 0.40)",
  // with "; sidecar failing: <error>" appended while the last sidecar call failed.
  std::string State() const override;
  boost::asio::awaitable<LayerResult> Handle(RequestContext& ctx, ResponseSink& sink) override;

  const Endpoint& sidecar() const { return sidecar_; }
  SlmRouterStats stats() const;

 private:
  SlmRouterLayer(const Config& config, Endpoint sidecar, HttpClient* client,
                 std::shared_ptr<embed::Embedder> embedder);
  // Steps 3-5 for a request routed locally.
  boost::asio::awaitable<LayerResult> AnswerLocally(RequestContext& ctx, ResponseSink& sink,
                                                    const l2::RouteDecision& decision);
  LayerResult Failed(Error error);

  Endpoint sidecar_;
  std::string model_;
  HttpClient* client_;
  std::shared_ptr<embed::Embedder> embedder_;
  l2::RouterHead head_;
  std::chrono::milliseconds timeout_;
  int max_answer_tokens_;
  std::vector<std::string> stop_sequences_;

  std::atomic<uint64_t> ineligible_{0}, routed_big_{0}, routed_local_{0}, answered_{0},
      rejected_{0}, failed_{0};
  std::atomic<bool> sidecar_failing_{false};
  std::atomic<int> last_error_code_{0};
};

}  // namespace isartor
