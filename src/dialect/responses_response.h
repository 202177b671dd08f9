// The OpenAI Responses API on the answer side: a Chat Completions (or Anthropic) answer as a
// Responses `response` object, and a stored response replayed as a Responses event stream.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <vector>

#include "common/result.h"
#include "dialect/dialect.h"
#include "dialect/sse.h"

namespace isartor::dialect {

// chat.completion (choices[0]) -> response. Text (and refusal) -> one message item with an
// output_text part; tool_calls -> function_call items (call_id = the tool call id, arguments
// unchanged, id "fc_<call_id>"); finish_reason length / content_filter -> status "incomplete"
// with incomplete_details; usage -> input/output/total tokens; id "resp_<chat id>"; the
// request's parameters are echoed (see ResponsesSkeleton). `created_at` is the chat answer's
// `created`, else `created_unix` (the caller's clock).
// Returns kUpstreamError when `choices` is missing or empty. Thread-safe (pure function).
Result<boost::json::object> ChatResponseToResponses(const boost::json::object& chat,
                                                    const boost::json::object& request,
                                                    std::int64_t created_unix);

// An upstream answer of dialect `from` (kOpenAI chat.completion or kAnthropic message) ->
// response; Anthropic goes through AnthropicResponseToOpenAI first. Errors as above.
Result<boost::json::object> ToResponsesResponse(Dialect from, const boost::json::object& answer,
                                                const boost::json::object& request,
                                                std::int64_t created_unix);

// A complete response -> the event stream OpenAI sends for it: response.created,
// response.in_progress, per output item output_item.added / (content_part.added,
// output_text.delta in pieces of at most 64 bytes, output_text.done, content_part.done) or
// (function_call_arguments.delta pieces, function_call_arguments.done) / output_item.done, and
// the response itself as response.completed (response.incomplete / response.failed when its
// status says so). Items of other types are sent whole. Feeding the result to a
// StreamAccumulator(kResponses) gives back the same response. Never fails; thread-safe.
std::vector<SseEvent> ResponsesToSse(const boost::json::object& response);

}  // namespace isartor::dialect
