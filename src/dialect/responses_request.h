// The OpenAI Responses API (POST /v1/responses) on the request side: validation, and translation
// to Chat Completions for upstreams that do not speak it (vLLM, llama.cpp, TGI; and, through
// the chat form, Anthropic Messages). See docs/dialect.md for the field mapping table.
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <vector>

#include "common/result.h"

namespace isartor::dialect {

// Checks a Responses request. Returns OK or kInvalidArgument naming the field, e.g.
// "input[3].call_id: must be a string". Checked: body is an object; `model` a non-empty string
// when present; `input` a string or an array of items (messages with role
// user|assistant|system|developer and string or typed-part content; function_call with string
// call_id/name/arguments; function_call_output with string call_id and string or part-array
// output; other typed items are accepted here and judged by the translation); `instructions` a
// string; `stream`/`store` booleans; `max_output_tokens` a positive integer; temperature/top_p
// non-negative numbers; `tools` an array of objects with a string type (function tools need a
// name). Refused because the gateway keeps no server-side state: `previous_response_id`,
// `conversation`, `background: true` (the message says so). Thread-safe (pure function).
Status ValidateResponsesRequest(const boost::json::object& body);

// The result of translating a Responses request to Chat Completions.
struct ChatTranslation {
  boost::json::object body;                  // the chat.completions request
  std::vector<std::string> dropped_tools;    // tools the target cannot run, e.g. "web_search",
                                             // "namespace:mcp__fs", "custom:apply_patch"
  std::vector<std::string> dropped_params;   // parameters the target cannot take ("reasoning")
};

// Responses request -> Chat Completions request.
// instructions -> leading system message; input string -> one user message; message items ->
// messages (developer -> system; input_text/output_text/refusal parts -> text parts, a lone text
// part becomes a string; input_image -> image_url); consecutive function_call items -> one
// assistant message with tool_calls (id = call_id), attached to a directly preceding assistant
// text message; function_call_output -> role:"tool" (array outputs flattened to text);
// reasoning items dropped. tools: function tools -> {type:function,function:{name,description,
// parameters,strict}}; every other tool type is dropped and named in dropped_tools. tool_choice
// auto/none/required kept, {type:function,name} -> {type:function,function:{name}}, a hosted
// tool choice -> "auto". max_output_tokens -> max_tokens; temperature, top_p,
// parallel_tool_calls copied; text.format json_schema/json_object -> response_format;
// user/safety_identifier -> user; stream:true -> stream + stream_options.include_usage.
// reasoning is dropped and named in dropped_params. Bookkeeping fields (store, include,
// metadata, prompt_cache_key, service_tier, truncation, top_logprobs, max_tool_calls) are
// dropped silently. Returns kInvalidArgument for items the chat form cannot express
// (input_file / input_audio parts, unknown item types) unless `skip_unsupported`, which leaves
// them out instead (for the request view of a request that goes to a Responses upstream
// unchanged). Thread-safe (pure function).
Result<ChatTranslation> ResponsesRequestToChat(const boost::json::object& body,
                                               bool skip_unsupported = false);

}  // namespace isartor::dialect
