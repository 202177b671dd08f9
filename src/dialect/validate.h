// Schema validation of client requests, before anything else looks at them.
#pragma once

#include <boost/json/value.hpp>

#include "common/result.h"
#include "dialect/dialect.h"

namespace isartor::dialect {

// Checks that `body` is a request of `dialect` the gateway can act on. Strict on what matters
// for routing, caching and translation; unknown fields are accepted (forward compatibility)
// and passed through untouched by the rest of the gateway.
//
// Returns OK or kInvalidArgument whose message names the offending field with a JSON-path-like
// location, e.g. "messages[2].role: must be one of user, assistant".
//
// Checked (both dialects): body is an object; `model` is a non-empty string when present, and
// present at all when model_required (the gateway substitutes its default model when the client
// names none, so the default is not to require it); `messages` is a non-empty array of objects;
// each role is valid for the dialect; content has an accepted shape; `stream` is a boolean;
// temperature / top_p are non-negative numbers; token limits are positive integers; tools is
// an array of well-formed tool objects; stop / stop_sequences are strings.
// OpenAI: roles system|developer|user|assistant|tool|function; content is a string, an array of
// parts each with a string `type`, or null/absent only for assistant messages; tool messages
// need a string `tool_call_id`; assistant tool_calls entries need `function.name`;
// `n` is a positive integer; `stream_options` is an object.
// Anthropic: roles user|assistant|system (Claude Code sends system turns inside `messages`);
// user/assistant content is a string or an array of blocks each with a string `type`, system
// content a string or an array of text blocks; `max_tokens` is required; `system` is a string
// or an array of text blocks.
// Thread-safe (pure function).
Status ValidateRequest(Dialect dialect, const boost::json::value& body,
                       bool model_required = false);

// POST /v1/messages/count_tokens: an Anthropic Messages request without `max_tokens` (which is
// optional there) and with `model` required. Same errors as ValidateRequest. Thread-safe.
Status ValidateCountTokensRequest(const boost::json::value& body);

}  // namespace isartor::dialect
