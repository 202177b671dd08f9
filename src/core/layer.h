// The one small interface every layer implements (L1a exact cache, L1b semantic cache, L2 local
// model, L3 upstream). A layer answers the request, passes it on, or fails. It never knows which
// layers come before or after it: the Chain walks them and owns the policy.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "core/layer_info.h"
#include "core/request_context.h"
#include "core/response_sink.h"
#include "core/stored_answer.h"

namespace isartor {

enum class LayerVerdict {
  kAnswered,  // the layer wrote the answer to the sink
  kPass,      // not mine: the next layer should try (never an error)
  kFailed,    // the layer broke; the chain decides what that means
};

struct LayerResult {
  LayerVerdict verdict = LayerVerdict::kPass;
  int status = 0;                           // kAnswered: HTTP status sent to the client
  std::optional<Error> error;               // kFailed: what went wrong
  // kAnswered with a complete 2xx answer that may be stored by earlier layers (if the layer did
  // not already hand it to ctx.publish_answer before finishing the response).
  std::shared_ptr<const StoredAnswer> answer;
  // kPass without looking (a cache that was not consulted: no-cache, prompt too long, tools):
  // audited as "bypass" rather than "miss", matching isartor_cache_events_total.
  bool bypassed = false;

  static LayerResult Pass() { return {}; }
  static LayerResult Bypass() {
    LayerResult r;
    r.bypassed = true;
    return r;
  }
  static LayerResult Fail(Error e) {
    LayerResult r;
    r.verdict = LayerVerdict::kFailed;
    r.error = std::move(e);
    return r;
  }
};

// Attributes a layer adds to its own trace span (keys as exported, e.g. "isartor.similarity").
// Implemented by the tracer; used by one request's coroutine at a time.
class SpanAttributes {
 public:
  virtual ~SpanAttributes() = default;
  virtual void SetString(std::string_view key, std::string_view value) = 0;
  virtual void SetInt(std::string_view key, int64_t value) = 0;
  virtual void SetDouble(std::string_view key, double value) = 0;
};

class Layer {
 public:
  virtual ~Layer() = default;
  // Who the layer is (see layer_info.h). The same object for the layer's life.
  virtual const LayerInfo& info() const = 0;
  // True for a layer whose failure fails the request (L3). Cache and L2 failures are skipped.
  virtual bool essential() const { return false; }
  // "active", "disabled (ISARTOR__CACHE_MODE=semantic)", ... for /health and the banner.
  virtual std::string State() const = 0;
  virtual bool enabled() const { return true; }

  // Tries to answer. May be called concurrently for different requests.
  virtual boost::asio::awaitable<LayerResult> Handle(RequestContext& ctx, ResponseSink& sink) = 0;

  // A later layer answered `ctx` with `answer` (complete, 2xx); caches store it here.
  // Must not block on I/O. Called at most once per request.
  virtual void OnAnswer(const RequestContext& ctx, std::shared_ptr<const StoredAnswer> answer) {
    (void)ctx;
    (void)answer;
  }

  // Called after Handle() for the layer's span (only when the request is traced): the layer's
  // own facts about its decision, read from `ctx`. Must not block.
  virtual void AddSpanAttributes(const RequestContext& ctx, SpanAttributes& out) const {
    (void)ctx;
    (void)out;
  }
};

}  // namespace isartor
