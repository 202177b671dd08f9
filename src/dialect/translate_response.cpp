#include "dialect/translate_response.h"

#include "dialect/json_util.h"

namespace isartor::dialect {
namespace {

namespace json = boost::json;
using internal::GetArray;
using internal::GetObject;
using internal::StringOr;

Error Bad(std::string msg) { return MakeError(ErrorCode::kUpstreamError, std::move(msg)); }

}  // namespace

Result<json::object> OpenAIResponseToAnthropic(const json::object& response) {
  const json::array* choices = GetArray(response, "choices");
  const json::object* choice =
      choices && !choices->empty() ? (*choices)[0].if_object() : nullptr;
  if (!choice) return Bad("OpenAI response has no choices");
  const json::object* message = GetObject(*choice, "message");
  json::array content;
  if (message) {
    std::string text;
    if (const json::value* c = message->if_contains("content")) text = internal::FlattenText(*c);
    if (text.empty()) text = StringOr(*message, "refusal");
    if (!text.empty()) content.push_back(json::object{{"type", "text"}, {"text", text}});
    if (const json::array* calls = GetArray(*message, "tool_calls")) {
      for (const auto& cv : *calls) {
        const json::object* call = cv.if_object();
        const json::object* fn = call ? GetObject(*call, "function") : nullptr;
        if (!fn) continue;
        std::string args = StringOr(*fn, "arguments");
        json::object input;
        if (!args.empty()) {
          auto parsed = internal::ParseObject(args, "tool call arguments");
          if (!parsed.ok()) return Bad(parsed.error().message);
          input = std::move(*parsed);
        }
        content.push_back(json::object{{"type", "tool_use"},
                                       {"id", StringOr(*call, "id")},
                                       {"name", StringOr(*fn, "name")},
                                       {"input", std::move(input)}});
      }
    }
  }
  json::object out;
  out["id"] = StringOr(response, "id");
  out["type"] = "message";
  out["role"] = "assistant";
  out["model"] = StringOr(response, "model");
  out["content"] = std::move(content);
  out["stop_reason"] = internal::StopReasonFromFinish(StringOr(*choice, "finish_reason", "stop"));
  out["stop_sequence"] = nullptr;
  const json::object* usage = GetObject(response, "usage");
  out["usage"] = internal::AnthropicUsageFromOpenAI(usage ? *usage : json::object());
  return out;
}

Result<json::object> AnthropicResponseToOpenAI(const json::object& response,
                                               std::int64_t created_unix) {
  const json::array* blocks = GetArray(response, "content");
  if (!blocks) return Bad("Anthropic response has no content array");
  std::string text;
  bool has_text = false;
  json::array tool_calls;
  for (const auto& bv : *blocks) {
    const json::object* b = bv.if_object();
    if (!b) continue;
    std::string type = StringOr(*b, "type");
    if (type == "text") {
      text += StringOr(*b, "text");
      has_text = true;
    } else if (type == "tool_use") {
      const json::value* input = b->if_contains("input");
      tool_calls.push_back(json::object{
          {"id", StringOr(*b, "id")},
          {"type", "function"},
          {"function", json::object{{"name", StringOr(*b, "name")},
                                    {"arguments", input ? internal::Serialize(*input) : "{}"}}}});
    }
  }
  json::object message{{"role", "assistant"}};
  message["content"] = (!has_text && !tool_calls.empty()) ? json::value(nullptr)
                                                          : json::value(json::string(text));
  if (!tool_calls.empty()) message["tool_calls"] = std::move(tool_calls);
  json::object choice;
  choice["index"] = 0;
  choice["message"] = std::move(message);
  choice["logprobs"] = nullptr;
  choice["finish_reason"] = internal::FinishFromStopReason(StringOr(response, "stop_reason"));
  json::object out;
  out["id"] = StringOr(response, "id");
  out["object"] = "chat.completion";
  out["created"] = created_unix;
  out["model"] = StringOr(response, "model");
  out["choices"] = json::array{std::move(choice)};
  const json::object* usage = GetObject(response, "usage");
  out["usage"] = internal::OpenAIUsageFromAnthropic(usage ? *usage : json::object());
  return out;
}

}  // namespace isartor::dialect
