// Sends a request the layer chain does not handle to the upstream and relays the answer as-is:
// POST /v1/embeddings for a model the gateway does not serve itself.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "common/result.h"
#include "core/request_context.h"
#include "core/response_sink.h"

namespace isartor {

class Forwarder {
 public:
  virtual ~Forwarder() = default;
  // POSTs ctx.raw_body to `path` under the upstream's base URL (the first OpenAI-dialect
  // target that answers) and relays status and body unchanged, JSON only.
  // Returns OK once an answer was sent; kUnavailable / kDeadlineExceeded / kBlocked when no
  // upstream answered (nothing was sent; the caller answers the error); kNotFound when no
  // target speaks the OpenAI dialect. Thread-safe.
  virtual boost::asio::awaitable<Status> Forward(RequestContext& ctx, ResponseSink& sink,
                                                 std::string path) = 0;
};

}  // namespace isartor
