// Rebuilds the complete (non-streaming) response from a stream of SSE events, for storing a
// streamed answer in the cache and for answering a stream:false client from a streaming
// upstream.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/result.h"
#include "dialect/dialect.h"
#include "dialect/sse.h"

namespace isartor::dialect {

class ResponsesAccumulator;

// Feed every event of one stream in order, then call Finish() once complete() is true.
// Not thread-safe; one accumulator per stream. Memory grows with the answer's size.
class StreamAccumulator {
 public:
  explicit StreamAccumulator(Dialect dialect);
  ~StreamAccumulator();
  StreamAccumulator(StreamAccumulator&&) noexcept;

  // Consumes one event.
  // OpenAI: each `data:` holds a chat.completion.chunk; choices[].delta content / refusal /
  // tool_calls (merged by tool-call index, argument fragments concatenated) and finish_reason
  // are accumulated per choice index; a usage object (stream_options.include_usage) is kept;
  // `data: [DONE]` completes the stream.
  // Anthropic: message_start, content_block_start/delta/stop (text_delta, input_json_delta,
  // thinking_delta, signature_delta), message_delta (stop_reason, stop_sequence, usage merged
  // over message_start's usage), message_stop completes; ping and unknown event types are
  // ignored. The type comes from the `event:` line, or data.type when it is missing.
  // Returns kUpstreamError for an error event (OpenAI {"error":...} chunk, Anthropic `error`)
  // or an event whose data is not a JSON object; the accumulator is then failed: complete()
  // stays false forever and every later Feed returns the first error. Events after completion
  // are ignored (OK).
  Status Feed(const SseEvent& event);

  // True once the terminal event was fed and no error occurred.
  bool complete() const { return complete_; }
  bool failed() const { return failed_; }

  // The equivalent non-streaming response in the same dialect:
  // OpenAI {id, object:"chat.completion", created, model, [system_fingerprint], choices:[{index,
  // message:{role, content (null when none), [refusal], [tool_calls]}, logprobs:null,
  // finish_reason}], [usage]};
  // Anthropic: message_start's message with `content` rebuilt (tool_use `input` parsed from the
  // concatenated partial_json; {} when none), stop_reason, stop_sequence and merged usage.
  // Returns kUpstreamError when !complete() (cut or failed stream), when no data event preceded
  // the terminal one, or when a tool call's accumulated JSON does not parse.
  Result<boost::json::object> Finish() const;
  // Responses (kResponses streams are accumulated by ResponsesAccumulator, see
  // responses_stream.h): that accumulator; nullptr for the other dialects.
  const ResponsesAccumulator* responses() const { return responses_.get(); }

 private:
  struct ToolCall {
    std::string id;
    std::string name;
    std::string arguments;
  };
  struct Choice {
    std::string content;
    bool has_content = false;
    std::string refusal;
    bool has_refusal = false;
    std::map<std::int64_t, ToolCall> tool_calls;  // by tool-call index
    boost::json::value finish_reason;             // null until sent
  };
  struct Block {
    boost::json::object start;  // content_block from content_block_start
    std::string text;           // text_delta / thinking_delta
    std::string partial_json;   // input_json_delta
    std::string signature;      // signature_delta
  };

  Status Fail(std::string message);
  Status FeedOpenAI(const boost::json::object& chunk);
  Status FeedAnthropic(std::string_view type, const boost::json::object& event);
  Result<boost::json::object> FinishOpenAI() const;
  Result<boost::json::object> FinishAnthropic() const;

  Dialect dialect_;
  std::unique_ptr<ResponsesAccumulator> responses_;
  bool complete_ = false;
  bool failed_ = false;
  bool saw_data_ = false;
  Error error_;
  boost::json::object meta_;   // OpenAI id/created/model/...; Anthropic message_start.message
  boost::json::object usage_;
  bool has_usage_ = false;
  std::map<std::int64_t, Choice> choices_;  // OpenAI, by choice index
  std::map<std::int64_t, Block> blocks_;    // Anthropic, by content block index
  boost::json::object stop_;                // Anthropic stop_reason / stop_sequence
};

}  // namespace isartor::dialect
