// Everything a layer may know about one request: parsed once at the HTTP edge, then read by
// every layer. Layers never see raw HTTP.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dialect/dialect.h"
#include "dialect/request_view.h"

namespace isartor {

struct StoredAnswer;

// Per-request state an observer keeps in the context (tracing keeps its spans here; see
// otel/request_spans.h). Owned by the context; only the observer that made it knows its type.
class ObserverState {
 public:
  virtual ~ObserverState() = default;
};

// What one layer decided for this request, for the audit trail (AU-2).
struct LayerDecision {
  const char* layer;     // LayerInfo::name ("l1a", ...); points into the layer's LayerInfo
  const char* outcome;   // "hit" | "miss" | "answered" | "error" | "blocked" | "bypass"
  double ms = 0;
  std::string detail;    // e.g. "veto: numbers differ", an error message
  bool scored = false;   // this layer measured ctx.similarity (the audit event shows it)
};

struct RequestContext {
  std::string request_id;
  dialect::Dialect dialect = dialect::Dialect::kOpenAI;  // the client's route
  boost::json::object body;     // the client's request, model already resolved (aliases)
  std::string raw_body;         // the bytes the client sent
  bool body_rewritten = false;  // model was mapped: upstream gets serialize(body), not raw_body
  dialect::RequestView view;    // dialect-neutral summary of `body`
  std::string resolved_model;
  bool stream = false;
  std::string tenant;           // hex hash of the presented key ("anonymous" when none), or
                                // of client_identity with ISARTOR__TLS_CLIENT_CERT_TENANT
  std::string client_identity;  // verified TLS client certificate's identity (mTLS), or empty
  std::string session;          // x-isartor-session-id / x-session-id / x-thread-id, or empty
  std::string exact_key;        // L1a's cache key, computed once per request (lookup and store)
  bool no_cache = false;        // Cache-Control: no-cache -> skip lookups
  bool no_store = false;        // Cache-Control: no-store -> skip storing
  std::string client_authorization;  // passed upstream only when no upstream key is configured
  std::string client_api_key;        // x-api-key, same rule
  std::string anthropic_version;
  std::string anthropic_beta;
  std::string traceparent;       // the client's; while a layer runs, that layer's span's
  // Tracing's state for this request (null: not traced): the request's span and the running
  // layer's (otel/request_spans.h). Shared so a context stays copyable (tests copy them).
  std::shared_ptr<ObserverState> trace;
  std::chrono::steady_clock::time_point start;
  // Set by the Chain for the layer it is running: that layer calls it with its complete 2xx
  // answer BEFORE the last byte reaches the client, so a client that repeats the question at
  // once already finds it cached. Calling it more than once, or when no-store, does nothing.
  std::function<void(std::shared_ptr<const StoredAnswer>)> publish_answer;
  // Filled in by the chain and the layers on the way: shown in headers, logs, audit events.
  std::vector<LayerDecision> decisions;
  std::string decision_detail;  // a layer may explain its verdict; the chain moves it into decisions
  // Headers a layer adds to its answer (L3: X-Isartor-Dropped-Tools when a translation had to
  // leave out tools the upstream cannot run).
  std::vector<std::pair<std::string, std::string>> answer_headers;
  int upstream_status = 0;      // L3: the status the upstream answered (0 = no answer)
  bool upstream_complete = false;  // L3: the upstream's whole answer was read (stream: its
                                   // terminal event arrived)
  std::string upstream_request_id; // L3: the UUID sent upstream as x-request-id
  double upstream_ms = 0;
  double upstream_ttfb_ms = 0;
  std::string similarity;       // L1b hit score, as text
  std::string upstream_provider;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
};

}  // namespace isartor
