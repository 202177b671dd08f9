#include "dialect/responses_response.h"

#include "dialect/json_util.h"
#include "dialect/responses_events.h"
#include "dialect/translate_response.h"

namespace isartor::dialect {
namespace {

namespace json = boost::json;
using internal::GetArray;
using internal::GetInt;
using internal::GetObject;
using internal::StringOr;

constexpr std::size_t kPiece = 64;

}  // namespace

Result<json::object> ChatResponseToResponses(const json::object& chat, const json::object& request,
                                             std::int64_t created_unix) {
  const auto* choices = GetArray(chat, "choices");
  if (!choices || choices->empty() || !(*choices)[0].is_object()) {
    return MakeError(ErrorCode::kUpstreamError, "upstream answer has no choices");
  }
  const auto& choice = (*choices)[0].as_object();
  std::string id = "resp_" + StringOr(chat, "id", "isartor");
  ResponsesEventWriter writer(ResponsesSkeleton(request, id, StringOr(chat, "model"),
                                                GetInt(chat, "created").value_or(created_unix)));
  std::vector<SseEvent> ignored;
  writer.Start(ignored);
  if (const auto* message = GetObject(choice, "message")) {
    std::string text = StringOr(*message, "content");
    if (text.empty()) text = StringOr(*message, "refusal");
    if (!text.empty()) writer.Text(text, ignored);
    if (const auto* calls = GetArray(*message, "tool_calls")) {
      std::int64_t key = 0;
      for (const auto& cv : *calls) {
        const auto* call = cv.if_object();
        const auto* fn = call ? GetObject(*call, "function") : nullptr;
        if (!fn) continue;
        writer.StartFunctionCall(key, StringOr(*call, "id"), StringOr(*fn, "name"), ignored);
        writer.Arguments(key, StringOr(*fn, "arguments"), ignored);
        ++key;
      }
    }
  }
  const auto* usage = GetObject(chat, "usage");
  writer.Finish(StringOr(choice, "finish_reason", "stop"),
                ResponsesUsageFromChat(usage ? *usage : json::object()), ignored);
  return writer.response();
}

Result<json::object> ToResponsesResponse(Dialect from, const json::object& answer,
                                         const json::object& request, std::int64_t created_unix) {
  if (from != Dialect::kAnthropic) return ChatResponseToResponses(answer, request, created_unix);
  auto chat = AnthropicResponseToOpenAI(answer, created_unix);
  if (!chat.ok()) return chat.error();
  return ChatResponseToResponses(*chat, request, created_unix);
}

std::vector<SseEvent> ResponsesToSse(const json::object& response) {
  json::object skeleton = response;
  skeleton["status"] = "in_progress";
  skeleton["output"] = json::array();
  skeleton["usage"] = nullptr;
  ResponsesEventWriter writer(std::move(skeleton));
  std::vector<SseEvent> out;
  writer.Start(out);
  std::int64_t key = 0;
  if (const auto* output = GetArray(response, "output")) {
    for (const auto& iv : *output) {
      const auto* item = iv.if_object();
      if (!item) continue;
      std::string type = StringOr(*item, "type");
      const auto* content = GetArray(*item, "content");
      bool one_text = type == "message" && content && content->size() == 1 &&
                      (*content)[0].is_object() &&
                      StringOr((*content)[0].as_object(), "type") == "output_text";
      if (one_text) {
        std::string id = StringOr(*item, "id");
        auto pieces = internal::SplitUtf8(StringOr((*content)[0].as_object(), "text"), kPiece);
        writer.Text("", out, id);
        for (const auto& p : pieces) writer.Text(p, out);
        writer.CloseOpenItems(out);  // a following message item must not join this one
      } else if (type == "function_call") {
        writer.StartFunctionCall(key, StringOr(*item, "call_id"), StringOr(*item, "name"), out,
                                 StringOr(*item, "id"));
        for (const auto& p : internal::SplitUtf8(StringOr(*item, "arguments"), kPiece)) {
          writer.Arguments(key, p, out);
        }
        ++key;
      } else {
        writer.WholeItem(*item, out);
      }
    }
  }
  writer.FinishWith(response, out);
  return out;
}

}  // namespace isartor::dialect
