// Replays a complete response as a stream, for cache hits on stream:true requests.
#pragma once

#include <boost/json/object.hpp>

#include <vector>

#include "dialect/dialect.h"
#include "dialect/sse.h"

namespace isartor::dialect {

// Returns a well-formed stream of `dialect` carrying `response` (a non-streaming response of
// the same dialect), ending with the terminal event. Text and tool arguments are cut into
// pieces of at most 64 bytes (never inside a UTF-8 sequence).
// OpenAI: per choice a role chunk (content "" or null as in the response), content chunks,
// refusal chunks, for each tool call a chunk with index/id/type/name and then argument chunks,
// a finish chunk; then a usage chunk (choices: []) when the response has usage; then [DONE].
// Anthropic: message_start (the message with content [], stop_reason null and usage with
// output_tokens 0), per content block content_block_start / deltas (text_delta,
// input_json_delta, thinking_delta + signature_delta; other block types are sent whole in
// content_block_start) / content_block_stop, message_delta (stop_reason, stop_sequence,
// usage.output_tokens), message_stop.
// Feeding the result to a StreamAccumulator of the same dialect gives back the same content,
// tool calls, finish/stop reason, usage, id and model. Never fails (missing fields become
// empty ones); thread-safe (pure function).
std::vector<SseEvent> ResponseToSse(Dialect dialect, const boost::json::object& response);

}  // namespace isartor::dialect
