// Request translation between the dialects, for a client whose dialect differs from the
// upstream provider's. See docs/dialect.md for the field mapping table.
#pragma once

#include <boost/json/object.hpp>

#include "common/result.h"

namespace isartor::dialect {

// Anthropic Messages request -> OpenAI Chat Completions request.
// Maps: system, and every role:"system" turn inside messages, -> ONE leading system message
// (joined with "\n\n", in order: many chat templates accept a system message only first);
// a turn of text blocks only -> one string (joined with "\n\n": llama-cpp-python's chat
// formats drop array content); text/image blocks -> content parts (base64 images
// become data: URLs); assistant tool_use -> tool_calls (input serialised as the arguments
// string); tool_result blocks -> role:"tool" messages placed before the rest of that user
// message; thinking blocks are dropped; tools[].input_schema -> function.parameters;
// tool_choice auto/any/tool/none -> "auto"/"required"/{function}/"none" and
// disable_parallel_tool_use -> parallel_tool_calls:false; stop_sequences -> stop;
// max_tokens, temperature, top_p, stream copied; stream:true adds
// stream_options.include_usage:true; metadata.user_id -> user. Dropped: top_k, thinking,
// service_tier, container, mcp_servers (no OpenAI equivalent).
// Returns kInvalidArgument for content the target cannot express (document blocks, server
// tools without input_schema, non-object bodies of the expected fields). Thread-safe.
Result<boost::json::object> AnthropicRequestToOpenAI(const boost::json::object& body);

// OpenAI Chat Completions request -> Anthropic Messages request.
// Maps: system/developer messages -> `system` (joined with "\n\n"); text parts -> text blocks;
// image_url data: URLs -> base64 image sources, other URLs -> url sources; assistant
// tool_calls -> tool_use blocks (arguments must parse as a JSON object); role:"tool"
// messages -> user messages with tool_result blocks; consecutive messages of the same role
// are merged; assistant messages with neither text nor tool calls are dropped;
// max_completion_tokens / max_tokens / default_max_tokens -> max_tokens; stop -> stop_sequences;
// temperature clamped to [0,1]; top_p, stream copied; tools -> {name, description,
// input_schema}; tool_choice "none"/"auto"/"required"/{function} -> {type:none/auto/any/tool};
// parallel_tool_calls:false -> disable_parallel_tool_use; user -> metadata.user_id.
// Dropped: stream_options, n==1, seed, frequency/presence_penalty, logit_bias, logprobs,
// response_format {type:"text"}. Returns kInvalidArgument for n > 1, a response_format other
// than text, audio/file parts, or unparseable tool_call arguments. Thread-safe.
Result<boost::json::object> OpenAIRequestToAnthropic(const boost::json::object& body,
                                                     int default_max_tokens);

}  // namespace isartor::dialect
