// Writes the Responses API event stream (response.created ... response.completed) from a
// sequence of "text arrived / a tool call started / arguments arrived / done" calls. One writer
// builds both the events and the final response object, so a translated stream, a translated
// JSON answer and a cache replay always agree on ids, items and usage.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dialect/sse.h"

namespace isartor::dialect {

// The response object as it stands before any output: id, object:"response", created_at,
// status "in_progress", model, and the request's parameters echoed as the API does
// (instructions, max_output_tokens, parallel_tool_calls, temperature, top_p, text, tool_choice,
// the function tools that were passed on, store:false, previous_response_id:null, ...).
// `request` is the client's Responses request (may be empty). Thread-safe (pure function).
boost::json::object ResponsesSkeleton(const boost::json::object& request, std::string id,
                                      std::string model, std::int64_t created_at);

// Responses usage from a Chat Completions usage object ({} when absent):
// input_tokens = prompt_tokens, output_tokens = completion_tokens, cached / reasoning details.
boost::json::object ResponsesUsageFromChat(const boost::json::object& usage);

// Not thread-safe; one writer per response. Every event carries `type` (also as the SSE
// `event:` name) and a `sequence_number` counting from 0.
class ResponsesEventWriter {
 public:
  explicit ResponsesEventWriter(boost::json::object skeleton);

  // response.created and response.in_progress. Call once, first.
  void Start(std::vector<SseEvent>& out);
  // Appends assistant text: opens a message item (output_item.added, content_part.added) when
  // none is open, then output_text.delta. `item_id` names a newly opened message ("" = derived
  // from the response id and output index).
  void Text(std::string_view delta, std::vector<SseEvent>& out, std::string item_id = "");
  // Starts a function_call item keyed by `key` (e.g. the chat tool-call index); closes an open
  // message first. A key already started is ignored.
  void StartFunctionCall(std::int64_t key, std::string call_id, std::string name,
                         std::vector<SseEvent>& out, std::string item_id = "");
  // function_call_arguments.delta for the call started under `key` (ignored if unknown).
  void Arguments(std::int64_t key, std::string_view delta, std::vector<SseEvent>& out);
  // Closes the open message and function calls (their .done events).
  void CloseOpenItems(std::vector<SseEvent>& out) {
    CloseMessage(out);
    CloseCalls(out);
  }
  // A complete item of another type (reasoning, ...): output_item.added then .done.
  void WholeItem(boost::json::object item, std::vector<SseEvent>& out);
  // Closes every open item, then response.completed (status "completed") or, when
  // finish_reason is "length" / "content_filter", response.incomplete with incomplete_details
  // {reason: max_output_tokens / content_filter}. `usage` is a Responses usage object.
  void Finish(std::string_view finish_reason, boost::json::object usage,
              std::vector<SseEvent>& out);
  // Closes every open item, then emits `final_response` as response.completed, or as
  // response.incomplete / response.failed when its status says so (cache replays).
  void FinishWith(boost::json::object final_response, std::vector<SseEvent>& out);
  // response.failed with error {code, message}; the items streamed so far are in its output.
  void Fail(std::string_view code, std::string_view message, std::vector<SseEvent>& out);

  bool started() const { return started_; }
  bool done() const { return done_; }
  // The response object as of now (after Finish: the complete one).
  const boost::json::object& response() const { return response_; }
  std::int64_t sequence() const { return seq_; }

 private:
  struct OpenCall {
    std::size_t output_index;
    std::string arguments;
  };
  void Emit(std::string_view type, boost::json::object data, std::vector<SseEvent>& out);
  void CloseMessage(std::vector<SseEvent>& out);
  void CloseCalls(std::vector<SseEvent>& out);
  std::string ItemId(std::string_view prefix) const;

  boost::json::object response_;
  boost::json::array output_;
  std::int64_t seq_ = 0;
  bool started_ = false;
  bool done_ = false;
  long open_message_ = -1;  // output index of the open message item, -1 if none
  std::string text_;        // text of the open message
  std::map<std::int64_t, OpenCall> calls_;  // open function calls by key
  std::map<std::int64_t, bool> seen_calls_;
};

}  // namespace isartor::dialect
