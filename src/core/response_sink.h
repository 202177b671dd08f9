// How a layer answers the client. Implemented by the HTTP edge, which owns the wire format:
// status lines, X-Isartor-* headers, SSE framing and JSON->SSE replay.
// A sink is used by one coroutine at a time (the request's); it is not thread-safe.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "core/layer_info.h"

namespace isartor {

struct AnswerMeta {
  const LayerInfo* layer = nullptr;  // the answering layer; null: the gateway itself
  std::vector<std::pair<std::string, std::string>> headers;  // extra response headers
};

class ResponseSink {
 public:
  virtual ~ResponseSink() = default;

  // Sends a complete answer. `body` is a JSON document in the client's dialect (a response, or
  // an error body when status is not 2xx). When the client asked for a stream and the status is
  // 2xx, the edge replays the body as a well-formed SSE stream of the client's dialect.
  // Errors: kCancelled when the client is gone.
  virtual boost::asio::awaitable<Status> SendComplete(int status, std::string body,
                                                      const AnswerMeta& meta) = 0;

  // Starts a streamed 200 answer (text/event-stream); then WriteEvents() any number of times
  // with already framed SSE bytes of the client's dialect, then EndStream().
  // `clean` = false ends the response abnormally (connection closed without the final chunk) so
  // the client sees a cut stream rather than a short but apparently complete one.
  virtual boost::asio::awaitable<Status> BeginStream(const AnswerMeta& meta) = 0;
  virtual boost::asio::awaitable<Status> WriteEvents(std::string_view sse_bytes) = 0;
  virtual boost::asio::awaitable<Status> EndStream(bool clean) = 0;

  // True once any byte of the answer was sent (no retry or fallback is possible after that).
  virtual bool started() const = 0;
  // True once the edge noticed the client disconnected.
  virtual bool client_gone() const = 0;
  // `hook` runs (on the request's strand) when the client disconnects while a layer waits on
  // an upstream, so the layer can cancel it. Pass nullptr to clear.
  virtual void SetCancelHook(std::function<void()> hook) = 0;
};

}  // namespace isartor
