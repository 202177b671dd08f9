#include "dialect/json_util.h"

#include <cmath>
#include <limits>

namespace isartor::dialect::internal {

const json::string* GetString(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v ? v->if_string() : nullptr;
}

const json::object* GetObject(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v ? v->if_object() : nullptr;
}

const json::array* GetArray(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v ? v->if_array() : nullptr;
}

std::string StringOr(const json::object& o, std::string_view key, std::string_view fallback) {
  const json::string* s = GetString(o, key);
  return s ? std::string(*s) : std::string(fallback);
}

std::optional<std::int64_t> AsInt(const json::value& v) {
  if (const auto* i = v.if_int64()) return *i;
  if (const auto* u = v.if_uint64()) {
    if (*u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return static_cast<std::int64_t>(*u);
    }
    return std::nullopt;
  }
  if (const auto* d = v.if_double()) {
    // 2^62 keeps the cast well-defined; token counts never come near it.
    if (std::isfinite(*d) && std::trunc(*d) == *d && std::fabs(*d) < 4.6e18) {
      return static_cast<std::int64_t>(*d);
    }
  }
  return std::nullopt;
}

std::optional<std::int64_t> GetInt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v ? AsInt(*v) : std::nullopt;
}

Result<json::object> ParseObject(std::string_view text, std::string_view what) {
  boost::system::error_code ec;
  json::value v;
  try {
    v = json::parse(text, ec);
  } catch (const std::exception& e) {  // bad_alloc on absurd input
    return MakeError(ErrorCode::kInvalidArgument, std::string(what) + ": " + e.what());
  }
  if (ec) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(what) + ": invalid JSON (" + ec.message() + ")");
  }
  if (!v.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, std::string(what) + ": not a JSON object");
  }
  return std::move(v.get_object());
}

std::string FlattenText(const json::value& content, std::string_view sep) {
  if (const auto* s = content.if_string()) return std::string(*s);
  const auto* arr = content.if_array();
  if (!arr) return {};
  std::string out;
  bool first = true;
  for (const auto& part : *arr) {
    const auto* po = part.if_object();
    if (!po) continue;
    std::string type = StringOr(*po, "type");
    std::string piece;
    if (type == "text") {
      piece = StringOr(*po, "text");
    } else if (type == "tool_result") {
      const json::value* c = po->if_contains("content");
      if (!c) continue;
      piece = FlattenText(*c, sep);
    } else {
      continue;
    }
    if (!first) out += sep;
    out += piece;
    first = false;
  }
  return out;
}

std::string StopReasonFromFinish(std::string_view finish_reason) {
  if (finish_reason == "length") return "max_tokens";
  if (finish_reason == "tool_calls" || finish_reason == "function_call") return "tool_use";
  if (finish_reason == "content_filter") return "refusal";
  return "end_turn";
}

std::string FinishFromStopReason(std::string_view stop_reason) {
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded") {
    return "length";
  }
  if (stop_reason == "tool_use") return "tool_calls";
  if (stop_reason == "refusal") return "content_filter";
  return "stop";  // end_turn, stop_sequence, pause_turn
}

json::object AnthropicUsageFromOpenAI(const json::object& usage) {
  json::object out;
  std::int64_t prompt = GetInt(usage, "prompt_tokens").value_or(0);
  std::int64_t cached = 0;
  if (const auto* details = GetObject(usage, "prompt_tokens_details")) {
    cached = GetInt(*details, "cached_tokens").value_or(0);
  }
  out["input_tokens"] = prompt - cached;
  if (cached > 0) out["cache_read_input_tokens"] = cached;
  out["output_tokens"] = GetInt(usage, "completion_tokens").value_or(0);
  return out;
}

json::object OpenAIUsageFromAnthropic(const json::object& usage) {
  std::int64_t input = GetInt(usage, "input_tokens").value_or(0);
  std::int64_t cache_read = GetInt(usage, "cache_read_input_tokens").value_or(0);
  std::int64_t cache_write = GetInt(usage, "cache_creation_input_tokens").value_or(0);
  std::int64_t output = GetInt(usage, "output_tokens").value_or(0);
  json::object out;
  out["prompt_tokens"] = input + cache_read + cache_write;
  out["completion_tokens"] = output;
  out["total_tokens"] = input + cache_read + cache_write + output;
  if (cache_read > 0) out["prompt_tokens_details"] = json::object{{"cached_tokens", cache_read}};
  return out;
}

std::vector<std::string> SplitUtf8(std::string_view text, std::size_t max_bytes) {
  std::vector<std::string> out;
  if (max_bytes < 4) max_bytes = 4;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = std::min(text.size(), pos + max_bytes);
    // Back off while the cut would land on a continuation byte (10xxxxxx).
    while (end < text.size() && end > pos + 1 &&
           (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
      --end;
    }
    out.emplace_back(text.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

std::string Serialize(const json::value& v) {
  try {
    return json::serialize(v);
  } catch (const std::exception&) {
    return "null";
  }
}

}  // namespace isartor::dialect::internal
