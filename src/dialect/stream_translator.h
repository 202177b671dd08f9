// Live translation of a streamed answer from the upstream's dialect to the client's.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "common/result.h"
#include "dialect/dialect.h"
#include "dialect/sse.h"

namespace isartor::dialect {

class ResponsesStreamTranslator;

// Converts events one by one, emitting output as soon as the input allows (the client sees the
// first token when the upstream sends it). Not thread-safe; one translator per stream.
//
// OpenAI -> Anthropic: the first chunk emits message_start (id, model, usage zeros); text
// deltas open a text block (content_block_start) then content_block_delta/text_delta; each new
// tool call (by tool-call index) closes the open block and opens a tool_use block (id, name,
// input {}), argument fragments become input_json_delta; finish_reason closes the open block;
// a usage chunk is remembered; `[DONE]` emits message_delta (stop_reason mapped from
// finish_reason, usage.output_tokens and input_tokens) and message_stop. Only choice 0 is
// translated. An {"error":...} chunk becomes an Anthropic `error` event.
//
// Anthropic -> OpenAI: message_start emits the role chunk {role:"assistant", content:""};
// text deltas become content chunks; tool_use starts become tool_calls deltas carrying index,
// id, type and name (arguments ""), input_json_delta fragments become tool_calls argument
// deltas at the same index; message_delta emits the finish chunk (finish_reason mapped from
// stop_reason); message_stop emits a usage chunk (choices: [], usage) when usage was seen,
// then `data: [DONE]`. ping, content_block_stop, thinking deltas are dropped. An `error` event
// becomes a data-only {"error":{...}} chunk (no [DONE] follows).
//
// from == to passes events through unchanged.
class StreamTranslator {
 public:
  // created_unix fills `created` in OpenAI chunks (the caller's clock).
  // To kResponses (from kOpenAI / kAnthropic) the work is done by a ResponsesStreamTranslator;
  // `responses_request` is the client's Responses request, echoed in the response object.
  StreamTranslator(Dialect from, Dialect to, std::int64_t created_unix = 0,
                   const boost::json::object* responses_request = nullptr);
  ~StreamTranslator();

  // Appends the translated events for `in` to `out` (possibly none).
  // Returns kUpstreamError when `in` carries data that is not a JSON object (the terminal
  // [DONE] excepted); the translator stays usable. Events after the terminal one are ignored.
  Status Feed(const SseEvent& in, std::vector<SseEvent>& out);

  // True once the terminal event was emitted.
  bool done() const { return done_; }

 private:
  Status FeedOpenAIChunk(const boost::json::object& chunk, std::vector<SseEvent>& out);
  void FinishAnthropic(std::vector<SseEvent>& out);
  void EmitAnthropic(std::string_view type, boost::json::object data, std::vector<SseEvent>& out);
  void EnsureMessageStart(const boost::json::object& chunk, std::vector<SseEvent>& out);
  void CloseBlock(std::vector<SseEvent>& out);
  void OpenBlock(boost::json::object content_block, std::vector<SseEvent>& out);
  void OpenAIToolDeltas(const boost::json::array& calls, std::vector<SseEvent>& out);

  Status FeedAnthropicEvent(std::string_view type, const boost::json::object& ev,
                            std::vector<SseEvent>& out);
  void AnthropicBlockStart(std::int64_t index, const boost::json::object& block,
                           std::vector<SseEvent>& out);
  void AnthropicBlockDelta(std::int64_t index, const boost::json::object& delta,
                           std::vector<SseEvent>& out);
  void EmitToolArguments(std::int64_t tool_index, std::string_view arguments,
                         std::vector<SseEvent>& out);
  void FinishOpenAI(std::vector<SseEvent>& out);
  void EmitChunk(boost::json::object delta, boost::json::value finish_reason,
                 std::vector<SseEvent>& out);

  Dialect from_;
  Dialect to_;
  std::unique_ptr<ResponsesStreamTranslator> responses_;
  std::int64_t created_;
  bool done_ = false;

  // OpenAI -> Anthropic state.
  bool started_ = false;
  std::int64_t next_block_ = 0;
  std::int64_t open_block_ = -1;            // index of the open Anthropic block, -1 if none
  bool open_is_text_ = false;
  std::map<std::int64_t, std::int64_t> tool_blocks_;  // OpenAI tool-call index -> block index
  std::string finish_reason_;
  boost::json::object usage_;

  // Anthropic -> OpenAI state.
  std::string id_;
  std::string model_;
  struct ToolState {
    std::int64_t tool_index = 0;  // OpenAI tool-call index
    bool sent_arguments = false;
    std::string start_input;      // serialised content_block.input, sent if no delta comes
  };
  std::map<std::int64_t, ToolState> block_tools_;  // by Anthropic block index
  std::int64_t next_tool_ = 0;
  boost::json::object anthropic_usage_;
  bool has_usage_ = false;
};

}  // namespace isartor::dialect
