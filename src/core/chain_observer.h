// What happens to a request, told to the modules that watch it: metrics (obs/), traces (otel/)
// and the audit trail (obs/audit_trail). They are observers registered once at start
// (Chain::AddObserver); core/ knows none of them. The Chain reports the layer events; the HTTP
// edge reports the request's start, its arrival in full, and its end, through the same list.
//
// Threading: every method is called concurrently for different requests, and for one request
// from its coroutine only, in order: RequestStarted, RequestRead, (LayerStarted, LayerDecided)*
// per layer run, RequestEnded. RequestRead and the layer events may be missing (a request
// rejected before it was read). Observers must not block (no I/O beyond a buffered write) and
// must not throw.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/layer.h"
#include "core/request_context.h"

namespace isartor {

// The HTTP request as it arrived (before authentication or parsing).
struct RequestStart {
  std::string_view method;       // "POST"
  std::string_view path;         // "/v1/chat/completions"
  std::string_view traceparent;  // the client's header, possibly empty
};

// What the client got, as the edge saw it when the response ended.
struct RequestEnd {
  std::string_view route;            // the request path
  const LayerInfo* layer = nullptr;  // the layer that answered; null: the gateway itself
  int status = 0;                    // 499 when the client went away before the end
  double seconds = 0;                // since the request arrived
  std::string answer_sha256;         // of every answer byte sent
  const std::string* answer_text = nullptr;  // only when the audit keeps content
  // Whether the client received the whole answer, and if not why: "complete",
  // "client_closed" (the client went away: status is then 499) or "incomplete" (the answer
  // was cut on our side, e.g. the upstream cut a stream).
  bool completed = true;
  std::string end = "complete";
  std::size_t bytes_sent = 0;
};

// One layer's turn, as the Chain reports it after the layer's Handle() returned.
struct LayerStep {
  const Layer& layer;
  const LayerResult& result;
  const LayerDecision& decision;  // also appended to ctx.decisions
  double seconds = 0;             // inside the layer
  bool failure_skipped = false;   // the layer failed and the chain goes on to the next layer
};

class ChainObserver {
 public:
  virtual ~ChainObserver() = default;
  // Once per layer, in chain order, when the observer is added (before any request).
  virtual void LayerRegistered(const Layer& layer) { (void)layer; }
  virtual void RequestStarted(RequestContext& ctx, const RequestStart& start) {
    (void)ctx;
    (void)start;
  }
  // The edge read the request (authenticated, parsed, or about to reject it with what it could
  // read). `route` is the request target.
  virtual void RequestRead(const RequestContext& ctx, std::string_view route) {
    (void)ctx;
    (void)route;
  }
  // `layer` is about to handle the request. An observer may set ctx.traceparent (the layer
  // propagates it upstream).
  virtual void LayerStarted(RequestContext& ctx, const Layer& layer) {
    (void)ctx;
    (void)layer;
  }
  virtual void LayerDecided(RequestContext& ctx, const LayerStep& step) {
    (void)ctx;
    (void)step;
  }
  virtual void RequestEnded(const RequestContext& ctx, const RequestEnd& end) {
    (void)ctx;
    (void)end;
  }
};

// The registered observers, told in registration order. Adding is not thread-safe (start-up
// only); notifying is (the list is fixed while serving).
class ChainObservers {
 public:
  void Add(ChainObserver* observer) { observers_.push_back(observer); }
  bool empty() const { return observers_.empty(); }

  void RequestStarted(RequestContext& ctx, const RequestStart& start) const {
    for (ChainObserver* o : observers_) o->RequestStarted(ctx, start);
  }
  void RequestRead(const RequestContext& ctx, std::string_view route) const {
    for (ChainObserver* o : observers_) o->RequestRead(ctx, route);
  }
  void LayerStarted(RequestContext& ctx, const Layer& layer) const {
    for (ChainObserver* o : observers_) o->LayerStarted(ctx, layer);
  }
  void LayerDecided(RequestContext& ctx, const LayerStep& step) const {
    for (ChainObserver* o : observers_) o->LayerDecided(ctx, step);
  }
  void RequestEnded(const RequestContext& ctx, const RequestEnd& end) const {
    for (ChainObserver* o : observers_) o->RequestEnded(ctx, end);
  }

 private:
  std::vector<ChainObserver*> observers_;  // borrowed
};

}  // namespace isartor
