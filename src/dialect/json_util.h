// Internal helpers shared by the dialect sources: non-throwing Boost.JSON access, the
// finish_reason <-> stop_reason and usage mappings. Not part of the module's public contract.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace isartor::dialect::internal {

namespace json = boost::json;

// Field accessors: return nullptr / nullopt / fallback when the key is absent or of another type.
const json::string* GetString(const json::object& o, std::string_view key);
const json::object* GetObject(const json::object& o, std::string_view key);
const json::array* GetArray(const json::object& o, std::string_view key);
std::string StringOr(const json::object& o, std::string_view key, std::string_view fallback = "");
// An integer-valued number (int64, uint64 within range, or a double with no fraction).
std::optional<std::int64_t> GetInt(const json::object& o, std::string_view key);
std::optional<std::int64_t> AsInt(const json::value& v);

// Parses text that must be a JSON object. Never throws. kInvalidArgument otherwise, the message
// prefixed with `what`.
Result<json::object> ParseObject(std::string_view text, std::string_view what);

// Concatenated text of a content value: a string is itself; an array contributes the "text" of
// each {type:"text"} part (and of nested tool_result content), joined with `sep`.
std::string FlattenText(const json::value& content, std::string_view sep = "\n");

// OpenAI finish_reason -> Anthropic stop_reason and back. Unknown values map to the
// "normal stop" of the target dialect.
std::string StopReasonFromFinish(std::string_view finish_reason);
std::string FinishFromStopReason(std::string_view stop_reason);

// usage objects. Anthropic input_tokens excludes cached tokens; OpenAI prompt_tokens includes them.
json::object AnthropicUsageFromOpenAI(const json::object& usage);
json::object OpenAIUsageFromAnthropic(const json::object& usage);

// Splits text into pieces of at most max_bytes (>= 4) without cutting a UTF-8 sequence.
std::vector<std::string> SplitUtf8(std::string_view text, std::size_t max_bytes);

// serialize() that never throws (returns "null" on failure).
std::string Serialize(const json::value& v);

}  // namespace isartor::dialect::internal
