#include "dialect/responses_request.h"

#include "dialect/json_util.h"

namespace isartor::dialect {
namespace {

namespace json = boost::json;
using internal::AsInt;
using internal::GetArray;
using internal::GetObject;
using internal::GetString;
using internal::StringOr;

Error Invalid(const std::string& where, const std::string& what) {
  return MakeError(ErrorCode::kInvalidArgument, where + ": " + what);
}

std::string At(std::string_view base, std::size_t i) {
  return std::string(base) + "[" + std::to_string(i) + "]";
}

constexpr std::string_view kNoState =
    "this gateway keeps no server-side response state (store is always false); send the whole "
    "conversation in `input` instead";

Status CheckNumber(const json::object& body, std::string_view key) {
  const json::value* v = body.if_contains(key);
  if (!v || v->is_null()) return {};
  boost::system::error_code ec;
  if (!v->is_number() || v->to_number<double>(ec) < 0 || ec) {
    return Invalid(std::string(key), "must be a non-negative number");
  }
  return {};
}

Status CheckContent(const json::value& content, const std::string& where) {
  if (content.is_string()) return {};
  const auto* parts = content.if_array();
  if (!parts) return Invalid(where, "must be a string or an array of content parts");
  for (std::size_t i = 0; i < parts->size(); ++i) {
    const auto* part = (*parts)[i].if_object();
    if (!part || !GetString(*part, "type")) return Invalid(At(where, i) + ".type", "must be a string");
  }
  return {};
}

Status CheckItem(const json::object& item, const std::string& where) {
  std::string type = StringOr(item, "type", "message");
  if (type == "message") {
    std::string role = StringOr(item, "role");
    if (role != "user" && role != "assistant" && role != "system" && role != "developer") {
      return Invalid(where + ".role", "must be one of user, assistant, system, developer");
    }
    const json::value* content = item.if_contains("content");
    if (!content) return Invalid(where + ".content", "is required");
    return CheckContent(*content, where + ".content");
  }
  if (type == "function_call") {
    for (const char* key : {"call_id", "name", "arguments"}) {
      if (!GetString(item, key)) return Invalid(where + "." + key, "must be a string");
    }
    return {};
  }
  if (type == "function_call_output") {
    if (!GetString(item, "call_id")) return Invalid(where + ".call_id", "must be a string");
    const json::value* output = item.if_contains("output");
    if (!output) return Invalid(where + ".output", "is required");
    return CheckContent(*output, where + ".output");
  }
  return {};
}

// Text of a content part list or string, for tool outputs (chat tool messages take text).
std::string PartsText(const json::value& content) {
  if (const auto* s = content.if_string()) return std::string(*s);
  std::string out;
  if (const auto* parts = content.if_array()) {
    for (const auto& p : *parts) {
      const auto* po = p.if_object();
      if (!po) continue;
      const json::string* text = GetString(*po, "text");
      if (!text) text = GetString(*po, "refusal");
      if (!text) continue;
      if (!out.empty()) out += '\n';
      out.append(text->data(), text->size());
    }
  }
  return out;
}

// Responses content parts -> chat content (a lone text part becomes a string).
Result<json::value> ChatContent(const json::value& content, const std::string& where, bool skip) {
  if (content.is_string()) return json::value(content.as_string());
  json::array out;
  const auto& parts = content.as_array();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto& part = parts[i].as_object();
    std::string type = StringOr(part, "type");
    if (type == "input_text" || type == "output_text" || type == "text") {
      out.push_back(json::object{{"type", "text"}, {"text", StringOr(part, "text")}});
    } else if (type == "refusal") {
      out.push_back(json::object{{"type", "text"}, {"text", StringOr(part, "refusal")}});
    } else if (type == "input_image") {
      const json::string* url = GetString(part, "image_url");
      if (!url) {
        if (skip) continue;
        return Invalid(At(where, i), "input_image needs image_url (file_id needs server-side files)");
      }
      json::object image{{"url", *url}};
      if (const json::string* detail = GetString(part, "detail")) image["detail"] = *detail;
      out.push_back(json::object{{"type", "image_url"}, {"image_url", std::move(image)}});
    } else {
      if (skip) continue;
      return Invalid(At(where, i) + ".type", "'" + type + "' parts cannot be sent to this upstream");
    }
  }
  if (out.size() == 1 && StringOr(out[0].as_object(), "type") == "text") {
    return json::value(out[0].as_object().at("text"));
  }
  return json::value(std::move(out));
}

json::array& ToolCallsOf(json::array& messages) {
  json::object& last = messages.back().as_object();
  if (!last.contains("tool_calls")) last["tool_calls"] = json::array();
  return last["tool_calls"].as_array();
}

Result<json::array> ChatMessages(const json::object& body, std::vector<std::string>& dropped,
                                 bool skip) {
  json::array messages;
  if (const json::string* instructions = GetString(body, "instructions");
      instructions && !instructions->empty()) {
    messages.push_back(json::object{{"role", "system"}, {"content", *instructions}});
  }
  const json::value& input = body.at("input");
  if (input.is_string()) {
    messages.push_back(json::object{{"role", "user"}, {"content", input.as_string()}});
    return messages;
  }
  bool open_calls = false;  // the last message is an assistant message we may add tool calls to
  const auto& items = input.as_array();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& item = items[i].as_object();
    std::string where = At("input", i);
    std::string type = StringOr(item, "type", "message");
    if (type == "message") {
      std::string role = StringOr(item, "role");
      if (role == "developer") role = "system";
      auto content = ChatContent(item.at("content"), where + ".content", skip);
      if (!content.ok()) return content.error();
      messages.push_back(json::object{{"role", role}, {"content", std::move(*content)}});
      open_calls = role == "assistant";
    } else if (type == "function_call") {
      if (!open_calls) {
        messages.push_back(json::object{{"role", "assistant"}, {"content", nullptr}});
        open_calls = true;
      }
      ToolCallsOf(messages).push_back(json::object{
          {"id", item.at("call_id")},
          {"type", "function"},
          {"function", json::object{{"name", item.at("name")}, {"arguments", item.at("arguments")}}}});
    } else if (type == "function_call_output") {
      messages.push_back(json::object{{"role", "tool"},
                                      {"tool_call_id", item.at("call_id")},
                                      {"content", PartsText(item.at("output"))}});
      open_calls = false;
    } else if (type == "reasoning") {
      // Reasoning summaries / encrypted content only mean something to the model that wrote them.
      if (dropped.empty() || dropped.back() != "reasoning items") dropped.push_back("reasoning items");
    } else if (!skip) {
      return Invalid(where + ".type", "'" + type + "' items cannot be sent to this upstream "
                                      "(only message, function_call, function_call_output)");
    }
  }
  return messages;
}

std::string ToolLabel(const json::object& tool) {
  std::string type = StringOr(tool, "type");
  std::string name = StringOr(tool, "name");
  return name.empty() ? type : type + ":" + name;
}

}  // namespace

Status ValidateResponsesRequest(const json::object& body) {
  if (const json::value* m = body.if_contains("model")) {
    if (!m->is_string() || m->as_string().empty()) return Invalid("model", "must be a non-empty string");
  }
  for (const char* key : {"previous_response_id", "conversation"}) {
    if (const json::value* v = body.if_contains(key); v && !v->is_null()) {
      return Invalid(key, std::string(kNoState));
    }
  }
  if (const json::value* v = body.if_contains("background"); v && v->is_bool() && v->get_bool()) {
    return Invalid("background", std::string(kNoState));
  }
  for (const char* key : {"stream", "store", "parallel_tool_calls"}) {
    if (const json::value* v = body.if_contains(key); v && !v->is_null() && !v->is_bool()) {
      return Invalid(key, "must be a boolean");
    }
  }
  if (const json::value* v = body.if_contains("instructions"); v && !v->is_null() && !v->is_string()) {
    return Invalid("instructions", "must be a string");
  }
  if (const json::value* v = body.if_contains("max_output_tokens"); v && !v->is_null()) {
    auto n = AsInt(*v);
    if (!n || *n < 1) return Invalid("max_output_tokens", "must be a positive integer");
  }
  for (const char* key : {"temperature", "top_p"}) {
    if (Status s = CheckNumber(body, key); !s.ok()) return s;
  }
  const json::value* input = body.if_contains("input");
  if (!input) return Invalid("input", "is required");
  if (const auto* items = input->if_array()) {
    for (std::size_t i = 0; i < items->size(); ++i) {
      const auto* item = (*items)[i].if_object();
      if (!item) return Invalid(At("input", i), "must be an object");
      if (Status s = CheckItem(*item, At("input", i)); !s.ok()) return s;
    }
  } else if (!input->is_string()) {
    return Invalid("input", "must be a string or an array of input items");
  }
  if (const json::value* tools = body.if_contains("tools"); tools && !tools->is_null()) {
    const auto* arr = tools->if_array();
    if (!arr) return Invalid("tools", "must be an array");
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const auto* tool = (*arr)[i].if_object();
      if (!tool || !GetString(*tool, "type")) return Invalid(At("tools", i) + ".type", "must be a string");
      if (StringOr(*tool, "type") == "function" && !GetString(*tool, "name")) {
        return Invalid(At("tools", i) + ".name", "must be a string");
      }
    }
  }
  return {};
}

Result<ChatTranslation> ResponsesRequestToChat(const json::object& body, bool skip_unsupported) {
  ChatTranslation t;
  if (Status s = ValidateResponsesRequest(body); !s.ok()) return s.error();
  auto messages = ChatMessages(body, t.dropped_params, skip_unsupported);
  if (!messages.ok()) return messages.error();
  json::object& out = t.body;
  if (const json::value* m = body.if_contains("model")) out["model"] = *m;
  out["messages"] = std::move(*messages);
  for (const char* key : {"temperature", "top_p", "parallel_tool_calls"}) {
    if (const json::value* v = body.if_contains(key); v && !v->is_null()) out[key] = *v;
  }
  if (const json::value* v = body.if_contains("max_output_tokens"); v && !v->is_null()) {
    out["max_tokens"] = *v;
  }
  std::string user = StringOr(body, "user");
  if (user.empty()) user = StringOr(body, "safety_identifier");
  if (!user.empty()) out["user"] = user;
  if (const auto* text = GetObject(body, "text")) {
    if (const auto* format = GetObject(*text, "format")) {
      std::string type = StringOr(*format, "type");
      if (type == "json_object") {
        out["response_format"] = json::object{{"type", "json_object"}};
      } else if (type == "json_schema") {
        json::object schema;
        for (const char* key : {"name", "schema", "strict", "description"}) {
          if (const json::value* v = format->if_contains(key)) schema[key] = *v;
        }
        out["response_format"] = json::object{{"type", "json_schema"}, {"json_schema", std::move(schema)}};
      }
    }
  }
  json::array tools;
  if (const auto* in_tools = GetArray(body, "tools")) {
    for (const auto& tv : *in_tools) {
      const auto& tool = tv.as_object();
      if (StringOr(tool, "type") != "function") {
        t.dropped_tools.push_back(ToolLabel(tool));
        continue;
      }
      json::object fn{{"name", tool.at("name")}};
      for (const char* key : {"description", "parameters", "strict"}) {
        if (const json::value* v = tool.if_contains(key); v && !v->is_null()) fn[key] = *v;
      }
      if (!fn.contains("parameters")) fn["parameters"] = json::object{{"type", "object"}, {"properties", json::object()}};
      tools.push_back(json::object{{"type", "function"}, {"function", std::move(fn)}});
    }
  }
  if (!tools.empty()) {
    out["tools"] = std::move(tools);
    if (const json::value* choice = body.if_contains("tool_choice")) {
      if (choice->is_string()) {
        out["tool_choice"] = *choice;
      } else if (const auto* co = choice->if_object(); co && StringOr(*co, "type") == "function") {
        out["tool_choice"] = json::object{
            {"type", "function"}, {"function", json::object{{"name", StringOr(*co, "name")}}}};
      }
    }
  } else {
    out.erase("parallel_tool_calls");  // chat servers refuse it without tools
  }
  if (const json::value* r = body.if_contains("reasoning"); r && !r->is_null()) {
    t.dropped_params.push_back("reasoning");
  }
  if (const json::value* s = body.if_contains("stream"); s && s->is_bool() && s->get_bool()) {
    out["stream"] = true;
    out["stream_options"] = json::object{{"include_usage", true}};
  }
  return t;
}

}  // namespace isartor::dialect
