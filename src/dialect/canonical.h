// The canonical form of a request: the input of the exact-cache key.
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

#include "dialect/dialect.h"

namespace isartor::dialect {

// Returns a deterministic serialisation of everything in `body` that can change the answer, so
// that two requests get the same string iff they must get the same answer.
//
// Format: "<dialect>:" ("openai:" / "anthropic:") followed by compact JSON with object keys
// sorted (bytewise) at every depth and no whitespace. Strings are JSON-escaped by Boost.JSON.
// Numbers with an integral value print as integers (1 and 1.0 are the same temperature);
// other doubles print in Boost.JSON's shortest round-trip form.
//
// Included: every field, unknown ones too (messages with roles, content, tool calls and tool
// results, tools, tool_choice, response_format, temperature, top_p, top_k, max_tokens, stop,
// n, seed, logprobs, ...). `model` is replaced by resolved_model (after aliases / default).
// Excluded, because they change the transport or bookkeeping but not the answer:
//   both dialects: stream, stream_options, metadata;
//   OpenAI: user, store, safety_identifier, prompt_cache_key, service_tier.
// Normalised, because both spellings mean the same input:
//   OpenAI message content [{"type":"text","text":T}] (one part with only those keys) == T;
//   Anthropic message content [{"type":"text","text":T}] == T, and likewise `system`.
// The tenant and session are NOT part of this string; the cache adds them to the key.
// Never fails; thread-safe (pure function).
std::string CanonicalRequest(Dialect dialect, const boost::json::object& body,
                             std::string_view resolved_model);

}  // namespace isartor::dialect
