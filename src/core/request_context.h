// Everything a layer may know about one request: parsed once at the HTTP edge, then read by
// every layer. Layers never see raw HTTP.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "dialect/dialect.h"
#include "dialect/request_view.h"

namespace isartor {

struct StoredAnswer;

struct RequestContext {
  std::string request_id;
  dialect::Dialect dialect = dialect::Dialect::kOpenAI;  // the client's route
  boost::json::object body;     // the client's request, model already resolved (aliases)
  std::string raw_body;         // the bytes the client sent
  bool body_rewritten = false;  // model was mapped: upstream gets serialize(body), not raw_body
  dialect::RequestView view;    // dialect-neutral summary of `body`
  std::string resolved_model;
  bool stream = false;
  std::string tenant;           // hex hash of the presented key ("anonymous" when none)
  std::string session;          // x-isartor-session-id / x-session-id / x-thread-id, or empty
  bool no_cache = false;        // Cache-Control: no-cache -> skip lookups
  bool no_store = false;        // Cache-Control: no-store -> skip storing
  std::string client_authorization;  // passed upstream only when no upstream key is configured
  std::string client_api_key;        // x-api-key, same rule
  std::string anthropic_version;
  std::string anthropic_beta;
  std::string traceparent;
  std::chrono::steady_clock::time_point start;
  // Set by the Chain for the layer it is running: that layer calls it with its complete 2xx
  // answer BEFORE the last byte reaches the client, so a client that repeats the question at
  // once already finds it cached. Calling it more than once, or when no-store, does nothing.
  std::function<void(std::shared_ptr<const StoredAnswer>)> publish_answer;
  // Filled in by layers on the way: shown in headers and logs.
  std::string similarity;       // L1b hit score, as text
  std::string upstream_provider;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
};

}  // namespace isartor
