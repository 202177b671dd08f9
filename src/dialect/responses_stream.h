// The OpenAI Responses API on the streaming side: live translation of a Chat Completions (or
// Anthropic) stream into Responses events, and accumulation of a Responses stream into the
// complete response (for the caches).
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "dialect/dialect.h"
#include "dialect/responses_events.h"
#include "dialect/sse.h"

namespace isartor::dialect {

class StreamTranslator;

// Chat chunks (or Anthropic events, translated to chat chunks first) -> Responses events, as
// soon as each input allows. The first chunk emits response.created + response.in_progress
// (id "resp_<chunk id>"); content deltas stream as output_text.delta in one message item; each
// new tool-call index starts a function_call item (call_id = the tool call id) whose argument
// fragments stream as function_call_arguments.delta; finish_reason and a usage chunk are
// remembered; [DONE] closes the open items and emits response.completed (response.incomplete
// for finish_reason length / content_filter). An {"error":...} chunk (or Anthropic `error`)
// becomes response.failed. Not thread-safe; one per stream.
class ResponsesStreamTranslator {
 public:
  // `request` is the client's Responses request (echoed in the response object); copied.
  ResponsesStreamTranslator(Dialect from, boost::json::object request, std::int64_t created_unix);
  ~ResponsesStreamTranslator();

  // Appends the Responses events for `in` to `out`. Returns kUpstreamError for data that is
  // not a JSON object (the translator stays usable). Events after the terminal one are ignored.
  Status Feed(const SseEvent& in, std::vector<SseEvent>& out);
  bool done() const;

 private:
  Status FeedChat(const SseEvent& in, std::vector<SseEvent>& out);

  Dialect from_;
  boost::json::object request_;
  std::int64_t created_;
  std::unique_ptr<StreamTranslator> anthropic_to_chat_;  // only when from_ is kAnthropic
  std::unique_ptr<ResponsesEventWriter> writer_;         // from the first chunk on
  std::string finish_reason_;
  boost::json::object usage_;
};

// Rebuilds the response of a Responses stream: complete at response.completed or
// response.incomplete, whose `response` is the answer; response.failed, `error` or data that
// is not a JSON object fail it for good. Remembers the response id and the last
// sequence_number so a cut stream can still be ended properly (CutEvent).
class ResponsesAccumulator {
 public:
  Status Feed(const SseEvent& event);
  bool complete() const { return complete_; }
  bool failed() const { return failed_; }
  // REQUIRES: complete(); else kUpstreamError.
  Result<boost::json::object> Finish() const;
  // The response.failed event that ends a stream cut after it started: the last response
  // object seen (id, model, ...) with status "failed" and error {code:"server_error", message},
  // sequence_number one past the last one seen.
  SseEvent CutEvent(std::string_view message) const;

 private:
  bool complete_ = false;
  bool failed_ = false;
  Error error_;
  boost::json::object last_response_;
  std::int64_t last_sequence_ = -1;
  boost::json::object final_;
};

}  // namespace isartor::dialect
