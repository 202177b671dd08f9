// Non-streaming response translation between the dialects.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>

#include "common/result.h"

namespace isartor::dialect {

// OpenAI chat.completion -> Anthropic message. Uses choices[0] only.
// message.content (and refusal) -> one text block; tool_calls -> tool_use blocks with
// `arguments` parsed into `input` (an empty string gives {}); finish_reason stop -> end_turn,
// length -> max_tokens, tool_calls/function_call -> tool_use, content_filter -> refusal;
// usage prompt/completion_tokens -> input/output_tokens (cached prompt tokens reported as
// cache_read_input_tokens and excluded from input_tokens); id and model copied.
// Returns kUpstreamError when `choices` is missing/empty or tool call arguments are not a
// JSON object. Thread-safe.
Result<boost::json::object> OpenAIResponseToAnthropic(const boost::json::object& response);

// Anthropic message -> OpenAI chat.completion with one choice.
// Text blocks are concatenated into message.content (null when there is none but there are
// tool calls); tool_use -> tool_calls with `input` serialised as `arguments`; thinking and
// other blocks are dropped; stop_reason end_turn/stop_sequence/pause_turn -> stop,
// max_tokens -> length, tool_use -> tool_calls, refusal -> content_filter; usage input (plus
// cache read/creation) / output tokens -> prompt/completion/total_tokens; id and model copied;
// `created` is set to created_unix (the caller's clock; this module reads none).
// Returns kUpstreamError when `content` is not an array. Thread-safe.
Result<boost::json::object> AnthropicResponseToOpenAI(const boost::json::object& response,
                                                      std::int64_t created_unix = 0);

}  // namespace isartor::dialect
