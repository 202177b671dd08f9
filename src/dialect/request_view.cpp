#include "dialect/request_view.h"

#include "dialect/json_util.h"
#include "dialect/responses_request.h"

namespace isartor::dialect {
namespace {

namespace json = boost::json;
using internal::GetArray;
using internal::StringOr;

bool IsImagePart(const json::object& part) {
  std::string type = StringOr(part, "type");
  return type == "image_url" || type == "image" || type == "input_image";
}

struct MessageFacts {
  bool has_image = false;
  bool has_tool_call = false;    // OpenAI tool_calls / function_call, Anthropic tool_use
  bool has_tool_result = false;  // Anthropic tool_result block
};

MessageFacts Inspect(const json::object& m) {
  MessageFacts f;
  if (const auto* calls = GetArray(m, "tool_calls"); calls && !calls->empty()) {
    f.has_tool_call = true;
  }
  if (const json::value* fc = m.if_contains("function_call"); fc && !fc->is_null()) {
    f.has_tool_call = true;
  }
  if (const auto* parts = GetArray(m, "content")) {
    for (const auto& p : *parts) {
      const auto* po = p.if_object();
      if (!po) continue;
      std::string type = StringOr(*po, "type");
      f.has_image = f.has_image || IsImagePart(*po);
      f.has_tool_call = f.has_tool_call || type == "tool_use";
      f.has_tool_result = f.has_tool_result || type == "tool_result";
      // Images can also sit inside Anthropic tool_result content.
      if (const auto* inner = GetArray(*po, "content")) {
        for (const auto& ip : *inner) {
          if (const auto* ipo = ip.if_object()) f.has_image = f.has_image || IsImagePart(*ipo);
        }
      }
    }
  }
  return f;
}

void AppendLine(std::string& to, const std::string& text) {
  if (text.empty()) return;
  if (!to.empty()) to += '\n';
  to += text;
}

}  // namespace

Result<RequestView> ViewRequest(Dialect dialect, const boost::json::object& body) {
  if (dialect == Dialect::kResponses) {
    // The same conversation model as chat: view the request's chat form.
    auto chat = ResponsesRequestToChat(body, /*skip_unsupported=*/true);
    if (!chat.ok()) return chat.error();
    if (const json::value* tools = body.if_contains("tools"); tools && tools->is_array() &&
                                                              !tools->as_array().empty()) {
      chat->body["tools"] = *tools;  // hosted tools count as tools too
    }
    chat->body["stream"] = body.contains("stream") ? body.at("stream") : json::value(false);
    auto view = ViewRequest(Dialect::kOpenAI, chat->body);
    if (view.ok()) view->dialect = Dialect::kResponses;
    return view;
  }
  const json::array* messages = GetArray(body, "messages");
  if (!messages) {
    return MakeError(ErrorCode::kInvalidArgument, "messages: must be an array");
  }
  RequestView view;
  view.dialect = dialect;
  view.model = StringOr(body, "model");
  if (const json::value* s = body.if_contains("stream"); s && s->is_bool()) {
    view.stream = s->get_bool();
  }
  if (dialect == Dialect::kAnthropic) {
    if (const json::value* system = body.if_contains("system")) {
      view.system_text = internal::FlattenText(*system);
    }
  }
  const auto* tools = GetArray(body, "tools");
  const auto* functions = GetArray(body, "functions");
  view.has_tools = (tools && !tools->empty()) || (functions && !functions->empty());

  for (const auto& mv : *messages) {
    const auto* m = mv.if_object();
    if (!m) continue;
    std::string role = StringOr(*m, "role");
    const json::value* content = m->if_contains("content");
    std::string text = content ? internal::FlattenText(*content) : std::string();
    MessageFacts facts = Inspect(*m);
    view.has_images = view.has_images || facts.has_image;
    if (role == "system" || role == "developer") {
      AppendLine(view.system_text, text);
      continue;
    }
    if (role == "function") role = "tool";
    bool tool_result = role == "tool" || facts.has_tool_result;
    view.turn_has_tool_activity = tool_result || facts.has_tool_call;
    if (role == "user" && !text.empty() && !facts.has_tool_result) view.last_user_text = text;
    if (role == "user" && facts.has_tool_result && content && content->is_array()) {
      // A user message mixing tool results and new text still asks something new.
      std::string own;
      for (const auto& p : content->get_array()) {
        if (const auto* po = p.if_object(); po && StringOr(*po, "type") == "text") {
          AppendLine(own, StringOr(*po, "text"));
        }
      }
      if (!own.empty()) view.last_user_text = own;
    }
    view.turns.push_back(Turn{std::move(role), std::move(text)});
  }
  return view;
}

}  // namespace isartor::dialect
