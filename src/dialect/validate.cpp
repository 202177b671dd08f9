#include "dialect/validate.h"

#include <string>

#include "dialect/json_util.h"
#include "dialect/responses_request.h"

namespace isartor::dialect {
namespace {

namespace json = boost::json;
using internal::AsInt;

Status Invalid(const std::string& where, const std::string& what) {
  return MakeError(ErrorCode::kInvalidArgument, where + ": " + what);
}

std::string At(std::string_view base, std::size_t i) {
  return std::string(base) + "[" + std::to_string(i) + "]";
}

Status CheckNonNegativeNumber(const json::object& body, std::string_view key) {
  const json::value* v = body.if_contains(key);
  if (!v || v->is_null()) return {};
  if (!v->is_number()) return Invalid(std::string(key), "must be a number");
  boost::system::error_code ec;
  double d = v->to_number<double>(ec);
  if (ec || d < 0) return Invalid(std::string(key), "must be a non-negative number");
  return {};
}

Status CheckPositiveInt(const json::object& body, std::string_view key, bool required) {
  const json::value* v = body.if_contains(key);
  if (!v || v->is_null()) {
    return required ? Invalid(std::string(key), "is required") : Status();
  }
  auto i = AsInt(*v);
  if (!i || *i < 1) return Invalid(std::string(key), "must be a positive integer");
  return {};
}

Status CheckStringList(const json::value& v, const std::string& where, bool allow_single) {
  if (allow_single && v.is_string()) return {};
  const auto* arr = v.if_array();
  if (!arr) {
    return Invalid(where, allow_single ? "must be a string or an array of strings"
                                       : "must be an array of strings");
  }
  for (std::size_t i = 0; i < arr->size(); ++i) {
    if (!(*arr)[i].is_string()) return Invalid(At(where, i), "must be a string");
  }
  return {};
}

// Array of objects each carrying a string "type".
Status CheckTypedParts(const json::array& parts, const std::string& where) {
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto* part = parts[i].if_object();
    if (!part) return Invalid(At(where, i), "must be an object");
    if (!internal::GetString(*part, "type")) {
      return Invalid(At(where, i) + ".type", "must be a string");
    }
  }
  return {};
}

Status CheckOpenAIToolCalls(const json::value& v, const std::string& where) {
  const auto* arr = v.if_array();
  if (!arr) return Invalid(where, "must be an array");
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const auto* call = (*arr)[i].if_object();
    if (!call) return Invalid(At(where, i), "must be an object");
    const auto* fn = internal::GetObject(*call, "function");
    if (!fn || !internal::GetString(*fn, "name")) {
      return Invalid(At(where, i) + ".function.name", "must be a string");
    }
  }
  return {};
}

Status CheckOpenAIMessage(const json::object& m, const std::string& where) {
  const json::string* role = internal::GetString(m, "role");
  if (!role) return Invalid(where + ".role", "must be a string");
  static constexpr std::string_view kRoles[] = {"system", "developer", "user",
                                                "assistant", "tool", "function"};
  bool known = false;
  for (auto r : kRoles) known = known || *role == r;
  if (!known) {
    return Invalid(where + ".role",
                   "must be one of system, developer, user, assistant, tool, function");
  }
  const json::value* content = m.if_contains("content");
  bool assistant = *role == "assistant";
  if (!content || content->is_null()) {
    if (!assistant) return Invalid(where + ".content", "is required");
  } else if (const auto* parts = content->if_array()) {
    if (Status s = CheckTypedParts(*parts, where + ".content"); !s.ok()) return s;
  } else if (!content->is_string()) {
    return Invalid(where + ".content", "must be a string or an array of content parts");
  }
  if (*role == "tool" && !internal::GetString(m, "tool_call_id")) {
    return Invalid(where + ".tool_call_id", "must be a string");
  }
  if (const json::value* calls = m.if_contains("tool_calls"); calls && !calls->is_null()) {
    if (Status s = CheckOpenAIToolCalls(*calls, where + ".tool_calls"); !s.ok()) return s;
  }
  return {};
}

// A string, or an array of {type:"text", text} blocks (Anthropic `system`, and system turns).
Status CheckSystemText(const json::value& v, const std::string& where) {
  if (v.is_string()) return {};
  const auto* blocks = v.if_array();
  if (!blocks) return Invalid(where, "must be a string or an array of text blocks");
  for (std::size_t i = 0; i < blocks->size(); ++i) {
    const auto* b = (*blocks)[i].if_object();
    if (!b || internal::StringOr(*b, "type") != "text" || !internal::GetString(*b, "text")) {
      return Invalid(At(where, i), "must be a text block {type:\"text\", text}");
    }
  }
  return {};
}

Status CheckAnthropicMessage(const json::object& m, const std::string& where) {
  const json::string* role = internal::GetString(m, "role");
  if (!role) return Invalid(where + ".role", "must be a string");
  if (*role != "user" && *role != "assistant" && *role != "system") {
    return Invalid(where + ".role", "must be one of user, assistant, system");
  }
  const json::value* content = m.if_contains("content");
  if (!content) return Invalid(where + ".content", "is required");
  // Claude Code sends mid-conversation system turns; they hold text only.
  if (*role == "system") return CheckSystemText(*content, where + ".content");
  if (const auto* blocks = content->if_array()) return CheckTypedParts(*blocks, where + ".content");
  if (!content->is_string()) {
    return Invalid(where + ".content", "must be a string or an array of content blocks");
  }
  return {};
}

Status CheckTools(Dialect dialect, const json::object& body) {
  const json::value* v = body.if_contains("tools");
  if (!v || v->is_null()) return {};
  const auto* tools = v->if_array();
  if (!tools) return Invalid("tools", "must be an array");
  for (std::size_t i = 0; i < tools->size(); ++i) {
    const auto* tool = (*tools)[i].if_object();
    std::string where = At("tools", i);
    if (!tool) return Invalid(where, "must be an object");
    if (dialect == Dialect::kOpenAI) {
      std::string type = internal::StringOr(*tool, "type", "function");
      const auto* fn = internal::GetObject(*tool, "function");
      if (type == "function" && (!fn || !internal::GetString(*fn, "name"))) {
        return Invalid(where + ".function.name", "must be a string");
      }
    } else if (!internal::GetString(*tool, "name")) {
      return Invalid(where + ".name", "must be a string");
    }
  }
  return {};
}

Status CheckCommon(Dialect dialect, const json::object& body, bool model_required) {
  const json::value* model = body.if_contains("model");
  if (!model || model->is_null()) {
    if (model_required) return Invalid("model", "is required");
  } else if (!model->is_string() || model->get_string().empty()) {
    return Invalid("model", "must be a non-empty string");
  }
  if (const json::value* s = body.if_contains("stream"); s && !s->is_null() && !s->is_bool()) {
    return Invalid("stream", "must be a boolean");
  }
  for (std::string_view key : {"temperature", "top_p"}) {
    if (Status s = CheckNonNegativeNumber(body, key); !s.ok()) return s;
  }
  return CheckTools(dialect, body);
}

Status CheckMessages(Dialect dialect, const json::object& body) {
  const json::value* v = body.if_contains("messages");
  if (!v) return Invalid("messages", "is required");
  const auto* msgs = v->if_array();
  if (!msgs) return Invalid("messages", "must be an array");
  if (msgs->empty()) return Invalid("messages", "must not be empty");
  for (std::size_t i = 0; i < msgs->size(); ++i) {
    const auto* m = (*msgs)[i].if_object();
    std::string where = At("messages", i);
    if (!m) return Invalid(where, "must be an object");
    Status s = dialect == Dialect::kOpenAI ? CheckOpenAIMessage(*m, where)
                                           : CheckAnthropicMessage(*m, where);
    if (!s.ok()) return s;
  }
  return {};
}

Status CheckOpenAISpecific(const json::object& body) {
  for (std::string_view key : {"max_tokens", "max_completion_tokens", "n"}) {
    if (Status s = CheckPositiveInt(body, key, false); !s.ok()) return s;
  }
  if (const json::value* stop = body.if_contains("stop"); stop && !stop->is_null()) {
    if (Status s = CheckStringList(*stop, "stop", true); !s.ok()) return s;
  }
  if (const json::value* so = body.if_contains("stream_options");
      so && !so->is_null() && !so->is_object()) {
    return Invalid("stream_options", "must be an object");
  }
  return {};
}

Status CheckAnthropicSpecific(const json::object& body, bool max_tokens_required) {
  if (Status s = CheckPositiveInt(body, "max_tokens", max_tokens_required); !s.ok()) return s;
  if (const json::value* stop = body.if_contains("stop_sequences"); stop && !stop->is_null()) {
    if (Status s = CheckStringList(*stop, "stop_sequences", false); !s.ok()) return s;
  }
  const json::value* system = body.if_contains("system");
  if (!system || system->is_null()) return {};
  return CheckSystemText(*system, "system");
}

}  // namespace

Status ValidateRequest(Dialect dialect, const boost::json::value& body, bool model_required) {
  const auto* obj = body.if_object();
  if (!obj) return Invalid("body", "must be a JSON object");
  if (dialect == Dialect::kResponses) return ValidateResponsesRequest(*obj);
  if (Status s = CheckCommon(dialect, *obj, model_required); !s.ok()) return s;
  if (Status s = CheckMessages(dialect, *obj); !s.ok()) return s;
  return dialect == Dialect::kOpenAI ? CheckOpenAISpecific(*obj)
                                     : CheckAnthropicSpecific(*obj, /*max_tokens_required=*/true);
}

Status ValidateCountTokensRequest(const boost::json::value& body) {
  const auto* obj = body.if_object();
  if (!obj) return Invalid("body", "must be a JSON object");
  if (Status s = CheckCommon(Dialect::kAnthropic, *obj, true); !s.ok()) return s;
  if (Status s = CheckMessages(Dialect::kAnthropic, *obj); !s.ok()) return s;
  return CheckAnthropicSpecific(*obj, /*max_tokens_required=*/false);
}

}  // namespace isartor::dialect
