#include "dialect/translate_request.h"

#include <algorithm>
#include <string>

#include "dialect/json_util.h"

namespace isartor::dialect {
namespace {

namespace json = boost::json;
using internal::GetArray;
using internal::GetObject;
using internal::GetString;
using internal::StringOr;

Error Invalid(std::string msg) { return MakeError(ErrorCode::kInvalidArgument, std::move(msg)); }

// ---------------------------------------------------------------- Anthropic -> OpenAI

Result<json::object> ImageBlockToPart(const json::object& block) {
  const json::object* source = GetObject(block, "source");
  if (!source) return Invalid("image block without source");
  std::string type = StringOr(*source, "type");
  std::string url;
  if (type == "base64") {
    url = "data:" + StringOr(*source, "media_type", "image/png") + ";base64," +
          StringOr(*source, "data");
  } else if (type == "url") {
    url = StringOr(*source, "url");
  } else {
    return Invalid("image source type '" + type + "' cannot be expressed in OpenAI");
  }
  return json::object{{"type", "image_url"}, {"image_url", json::object{{"url", url}}}};
}

json::value ToolResultContent(const json::object& block) {
  const json::value* c = block.if_contains("content");
  std::string text = c ? internal::FlattenText(*c) : std::string();
  if (const json::value* e = block.if_contains("is_error"); e && *e == json::value(true)) {
    text = "Error: " + text;
  }
  return json::string(text);
}

// Emits the OpenAI message for what one Anthropic message held besides its tool results.
void EmitConverted(const std::string& role, json::array parts, json::array tool_calls,
                   const std::string& assistant_text, json::array& out) {
  if (role == "assistant") {
    if (assistant_text.empty() && tool_calls.empty()) return;
    json::object msg{{"role", "assistant"}};
    msg["content"] = assistant_text.empty() && !tool_calls.empty()
                         ? json::value(nullptr)
                         : json::value(json::string(assistant_text));
    if (!tool_calls.empty()) msg["tool_calls"] = std::move(tool_calls);
    out.push_back(std::move(msg));
    return;
  }
  if (parts.empty()) return;  // the message held only tool results
  json::object msg{{"role", role}};
  // Text-only turns become one string: llama-cpp-python's chat formats (and other servers)
  // silently drop array content, so the model would never see the question.
  bool text_only = true;
  for (const auto& p : parts) {
    const auto* po = p.if_object();
    text_only = text_only && po && StringOr(*po, "type") == "text";
  }
  if (text_only) {
    std::string joined;
    for (const auto& p : parts) {
      std::string text = StringOr(p.get_object(), "text");
      if (text.empty()) continue;
      if (!joined.empty()) joined += "\n\n";
      joined += text;
    }
    msg["content"] = std::move(joined);
  } else {
    msg["content"] = std::move(parts);
  }
  out.push_back(std::move(msg));
}

// One Anthropic message may become several OpenAI messages (tool results are separate).
Status AppendAnthropicMessage(const json::object& m, json::array& out) {
  std::string role = StringOr(m, "role");
  const json::value* content = m.if_contains("content");
  if (!content) return Invalid("message without content");
  if (content->is_string()) {
    out.push_back(json::object{{"role", role}, {"content", content->get_string()}});
    return {};
  }
  const json::array* blocks = content->if_array();
  if (!blocks) return Invalid("content must be a string or an array");
  json::array parts;
  json::array tool_calls;
  std::string assistant_text;
  for (const auto& bv : *blocks) {
    const json::object* b = bv.if_object();
    if (!b) return Invalid("content block must be an object");
    std::string type = StringOr(*b, "type");
    if (type == "text") {
      if (role == "assistant") {
        assistant_text += StringOr(*b, "text");
      } else {
        parts.push_back(json::object{{"type", "text"}, {"text", StringOr(*b, "text")}});
      }
    } else if (type == "image") {
      auto part = ImageBlockToPart(*b);
      if (!part.ok()) return part.error();
      parts.push_back(std::move(*part));
    } else if (type == "tool_use") {
      const json::value* input = b->if_contains("input");
      std::string args = input ? internal::Serialize(*input) : "{}";
      tool_calls.push_back(json::object{
          {"id", StringOr(*b, "id")},
          {"type", "function"},
          {"function", json::object{{"name", StringOr(*b, "name")}, {"arguments", args}}}});
    } else if (type == "tool_result") {
      out.push_back(json::object{{"role", "tool"},
                                 {"tool_call_id", StringOr(*b, "tool_use_id")},
                                 {"content", ToolResultContent(*b)}});
    } else if (type == "thinking" || type == "redacted_thinking") {
      continue;  // reasoning traces have no Chat Completions input form
    } else {
      return Invalid("content block type '" + type + "' cannot be expressed in OpenAI");
    }
  }
  EmitConverted(role, std::move(parts), std::move(tool_calls), assistant_text, out);
  return {};
}

Result<json::array> AnthropicToolsToOpenAI(const json::array& tools) {
  json::array out;
  for (const auto& tv : tools) {
    const json::object* t = tv.if_object();
    if (!t) return Invalid("tools entries must be objects");
    const json::value* schema = t->if_contains("input_schema");
    if (!schema) {
      return Invalid("tool '" + StringOr(*t, "name") +
                     "' is a server tool and cannot be expressed in OpenAI");
    }
    json::object fn{{"name", StringOr(*t, "name")}, {"parameters", *schema}};
    if (const json::value* d = t->if_contains("description")) fn["description"] = *d;
    out.push_back(json::object{{"type", "function"}, {"function", std::move(fn)}});
  }
  return out;
}

void AnthropicToolChoiceToOpenAI(const json::object& tc, json::object& out) {
  std::string type = StringOr(tc, "type");
  if (type == "any") {
    out["tool_choice"] = "required";
  } else if (type == "tool") {
    out["tool_choice"] = json::object{{"type", "function"},
                                      {"function", json::object{{"name", StringOr(tc, "name")}}}};
  } else if (type == "none") {
    out["tool_choice"] = "none";
  } else {
    out["tool_choice"] = "auto";
  }
  if (const json::value* d = tc.if_contains("disable_parallel_tool_use");
      d && *d == json::value(true)) {
    out["parallel_tool_calls"] = false;
  }
}

// ---------------------------------------------------------------- OpenAI -> Anthropic

Result<json::object> ImagePartToBlock(const json::object& part) {
  const json::value* iu = part.if_contains("image_url");
  std::string url;
  if (iu && iu->is_string()) url = std::string(iu->get_string());
  if (iu && iu->is_object()) url = StringOr(iu->get_object(), "url");
  if (url.empty()) return Invalid("image_url part without url");
  json::object source;
  if (url.starts_with("data:")) {
    std::size_t semi = url.find(";base64,");
    if (semi == std::string::npos) return Invalid("image data URL must be base64-encoded");
    source = json::object{{"type", "base64"},
                          {"media_type", url.substr(5, semi - 5)},
                          {"data", url.substr(semi + 8)}};
  } else {
    source = json::object{{"type", "url"}, {"url", url}};
  }
  return json::object{{"type", "image"}, {"source", std::move(source)}};
}

Result<json::array> OpenAIContentToBlocks(const json::value* content) {
  json::array blocks;
  if (!content || content->is_null()) return blocks;
  if (const auto* s = content->if_string()) {
    if (!s->empty()) blocks.push_back(json::object{{"type", "text"}, {"text", *s}});
    return blocks;
  }
  const json::array* parts = content->if_array();
  if (!parts) return Invalid("content must be a string or an array");
  for (const auto& pv : *parts) {
    const json::object* p = pv.if_object();
    if (!p) return Invalid("content parts must be objects");
    std::string type = StringOr(*p, "type");
    if (type == "text") {
      blocks.push_back(json::object{{"type", "text"}, {"text", StringOr(*p, "text")}});
    } else if (type == "image_url") {
      auto block = ImagePartToBlock(*p);
      if (!block.ok()) return block.error();
      blocks.push_back(std::move(*block));
    } else {
      return Invalid("content part type '" + type + "' cannot be expressed in Anthropic");
    }
  }
  return blocks;
}

Result<json::array> ToolCallsToBlocks(const json::array& calls) {
  json::array blocks;
  for (const auto& cv : calls) {
    const json::object* c = cv.if_object();
    const json::object* fn = c ? GetObject(*c, "function") : nullptr;
    if (!fn) return Invalid("tool_calls entries need a function object");
    std::string args = StringOr(*fn, "arguments");
    json::value input = json::object();
    if (!args.empty()) {
      auto parsed = internal::ParseObject(args, "tool_calls arguments");
      if (!parsed.ok()) return parsed.error();
      input = std::move(*parsed);
    }
    blocks.push_back(json::object{{"type", "tool_use"},
                                  {"id", StringOr(*c, "id")},
                                  {"name", StringOr(*fn, "name")},
                                  {"input", std::move(input)}});
  }
  return blocks;
}

// Appends blocks for `role`, merging into the previous message when it has the same role
// (Anthropic expects alternating turns; tool results ride in user messages).
void PushBlocks(json::array& messages, std::string_view role, json::array blocks) {
  if (blocks.empty()) return;
  if (!messages.empty()) {
    json::object& last = messages.back().get_object();
    if (StringOr(last, "role") == role) {
      json::array& existing = last["content"].get_array();
      for (auto& b : blocks) existing.push_back(std::move(b));
      return;
    }
  }
  messages.push_back(json::object{{"role", role}, {"content", std::move(blocks)}});
}

Status ConvertOpenAIMessages(const json::array& in, json::object& out) {
  std::string system;
  json::array messages;
  for (const auto& mv : in) {
    const json::object* m = mv.if_object();
    if (!m) return Invalid("messages entries must be objects");
    std::string role = StringOr(*m, "role");
    const json::value* content = m->if_contains("content");
    if (role == "system" || role == "developer") {
      std::string text = content ? internal::FlattenText(*content) : std::string();
      if (!system.empty() && !text.empty()) system += "\n\n";
      system += text;
      continue;
    }
    if (role == "tool" || role == "function") {
      std::string text = content ? internal::FlattenText(*content) : std::string();
      std::string id = StringOr(*m, role == "tool" ? "tool_call_id" : "name");
      PushBlocks(messages, "user",
                 json::array{json::object{
                     {"type", "tool_result"}, {"tool_use_id", id}, {"content", text}}});
      continue;
    }
    auto blocks = OpenAIContentToBlocks(content);
    if (!blocks.ok()) return blocks.error();
    if (role == "assistant") {
      if (const json::array* calls = GetArray(*m, "tool_calls")) {
        auto tool_blocks = ToolCallsToBlocks(*calls);
        if (!tool_blocks.ok()) return tool_blocks.error();
        for (auto& b : *tool_blocks) blocks->push_back(std::move(b));
      }
    } else if (role != "user") {
      return Invalid("role '" + role + "' cannot be expressed in Anthropic");
    }
    PushBlocks(messages, role, std::move(*blocks));
  }
  // Found by fuzz/translate_fuzzer: a conversation of system/developer messages only (or of
  // empty assistant turns) is valid OpenAI but would become an Anthropic request without
  // messages, which every Anthropic upstream refuses. Say so here, in the client's terms.
  if (messages.empty()) {
    return Invalid("messages: no user or assistant message with content; the Anthropic upstream "
                   "needs at least one besides the system prompt");
  }
  if (!system.empty()) out["system"] = system;
  out["messages"] = std::move(messages);
  return {};
}

Status ConvertOpenAITools(const json::object& body, json::object& out) {
  if (const json::array* tools = GetArray(body, "tools")) {
    json::array converted;
    for (const auto& tv : *tools) {
      const json::object* t = tv.if_object();
      const json::object* fn = t ? GetObject(*t, "function") : nullptr;
      if (!fn) return Invalid("only function tools can be expressed in Anthropic");
      json::object tool{{"name", StringOr(*fn, "name")}};
      if (const json::value* d = fn->if_contains("description")) tool["description"] = *d;
      const json::value* params = fn->if_contains("parameters");
      tool["input_schema"] = params && params->is_object()
                                 ? *params
                                 : json::value(json::object{{"type", "object"},
                                                            {"properties", json::object()}});
      converted.push_back(std::move(tool));
    }
    if (!converted.empty()) out["tools"] = std::move(converted);
  }
  json::object choice;
  if (const json::value* tc = body.if_contains("tool_choice")) {
    if (const auto* s = tc->if_string()) {
      choice["type"] = *s == "required" ? "any" : *s == "none" ? "none" : "auto";
    } else if (const auto* o = tc->if_object()) {
      const json::object* fn = GetObject(*o, "function");
      choice["type"] = "tool";
      choice["name"] = fn ? StringOr(*fn, "name") : std::string();
    }
  }
  if (const json::value* p = body.if_contains("parallel_tool_calls");
      p && *p == json::value(false) && out.contains("tools")) {
    if (choice.empty()) choice["type"] = "auto";
    choice["disable_parallel_tool_use"] = true;
  }
  if (!choice.empty()) out["tool_choice"] = std::move(choice);
  return {};
}

Status CheckOpenAIOnlyFeatures(const json::object& body) {
  if (auto n = internal::GetInt(body, "n"); n && *n > 1) {
    return Invalid("n > 1 cannot be expressed in Anthropic");
  }
  if (const json::object* rf = GetObject(body, "response_format")) {
    if (StringOr(*rf, "type", "text") != "text") {
      return Invalid("response_format cannot be expressed in Anthropic");
    }
  }
  return {};
}

}  // namespace

Result<json::object> AnthropicRequestToOpenAI(const json::object& body) {
  json::object out;
  if (const json::value* model = body.if_contains("model")) out["model"] = *model;
  const json::array* in = GetArray(body, "messages");
  if (!in) return Invalid("messages: must be an array");
  // The top-level system prompt and every system turn inside `messages` (Claude Code sends
  // those) become ONE leading system message, in order: many chat templates (Llama 3, Gemma,
  // Mistral) reject a system message anywhere but first.
  std::string system;
  auto add_system = [&system](const json::value& v) {
    std::string text = internal::FlattenText(v);
    if (text.empty()) return;
    if (!system.empty()) system += "\n\n";
    system += text;
  };
  if (const json::value* top = body.if_contains("system"); top && !top->is_null()) add_system(*top);
  json::array messages;
  for (const auto& mv : *in) {
    const json::object* m = mv.if_object();
    if (!m) return Invalid("messages entries must be objects");
    if (StringOr(*m, "role") == "system") {
      if (const json::value* c = m->if_contains("content")) add_system(*c);
      continue;
    }
    if (Status s = AppendAnthropicMessage(*m, messages); !s.ok()) return s.error();
  }
  // Found by fuzz/translate_fuzzer: messages of thinking blocks only are valid Anthropic but
  // translate to nothing, and an OpenAI request without a conversation is refused upstream.
  if (messages.empty()) {
    return Invalid("messages: no content the OpenAI upstream can carry (thinking blocks are "
                   "dropped in translation)");
  }
  if (!system.empty()) {
    messages.insert(messages.begin(),
                    json::value(json::object{{"role", "system"}, {"content", system}}));
  }
  out["messages"] = std::move(messages);
  for (std::string_view key : {"max_tokens", "temperature", "top_p", "stream"}) {
    if (const json::value* v = body.if_contains(key)) out[key] = *v;
  }
  if (const json::value* stop = body.if_contains("stop_sequences"); stop && stop->is_array()) {
    out["stop"] = *stop;
  }
  if (const json::array* tools = GetArray(body, "tools"); tools && !tools->empty()) {
    auto converted = AnthropicToolsToOpenAI(*tools);
    if (!converted.ok()) return converted.error();
    out["tools"] = std::move(*converted);
  }
  if (const json::object* tc = GetObject(body, "tool_choice")) {
    AnthropicToolChoiceToOpenAI(*tc, out);
  }
  if (const json::value* s = body.if_contains("stream"); s && *s == json::value(true)) {
    out["stream_options"] = json::object{{"include_usage", true}};
  }
  if (const json::object* md = GetObject(body, "metadata")) {
    if (const json::string* uid = GetString(*md, "user_id")) out["user"] = *uid;
  }
  return out;
}

Result<json::object> OpenAIRequestToAnthropic(const json::object& body, int default_max_tokens) {
  if (Status s = CheckOpenAIOnlyFeatures(body); !s.ok()) return s.error();
  json::object out;
  if (const json::value* model = body.if_contains("model")) out["model"] = *model;
  const json::array* in = GetArray(body, "messages");
  if (!in) return Invalid("messages: must be an array");
  if (Status s = ConvertOpenAIMessages(*in, out); !s.ok()) return s.error();
  auto max_tokens = internal::GetInt(body, "max_completion_tokens");
  if (!max_tokens) max_tokens = internal::GetInt(body, "max_tokens");
  out["max_tokens"] = max_tokens.value_or(default_max_tokens);
  if (const json::value* t = body.if_contains("temperature"); t && t->is_number()) {
    boost::system::error_code ec;
    double d = t->to_number<double>(ec);
    out["temperature"] = ec ? json::value(*t) : json::value(std::clamp(d, 0.0, 1.0));
  }
  for (std::string_view key : {"top_p", "stream"}) {
    if (const json::value* v = body.if_contains(key); v && !v->is_null()) out[key] = *v;
  }
  if (const json::value* stop = body.if_contains("stop")) {
    if (stop->is_string()) out["stop_sequences"] = json::array{*stop};
    if (stop->is_array()) out["stop_sequences"] = *stop;
  }
  if (Status s = ConvertOpenAITools(body, out); !s.ok()) return s.error();
  if (const json::string* user = GetString(body, "user")) {
    out["metadata"] = json::object{{"user_id", *user}};
  }
  return out;
}

}  // namespace isartor::dialect
