#include "layers/l2_slm/sidecar_exchange.h"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <algorithm>

#include "dialect/responses_response.h"
#include "dialect/translate_response.h"

namespace isartor::l2 {
namespace json = boost::json;
using dialect::Dialect;

namespace {

int64_t IntField(const json::object& o, const char* key, int64_t fallback) {
  const json::value* v = o.if_contains(key);
  if (v && v->is_int64()) return v->as_int64();
  if (v && v->is_uint64()) return static_cast<int64_t>(std::min<uint64_t>(v->as_uint64(), INT64_MAX));
  return fallback;
}

}  // namespace

json::object SidecarRequest(const RequestContext& ctx, const std::string& model,
                            int max_answer_tokens, const std::vector<std::string>& extra_stops) {
  json::array messages;
  if (!ctx.view.system_text.empty()) {
    messages.push_back(json::object{{"role", "system"}, {"content", ctx.view.system_text}});
  }
  for (const auto& turn : ctx.view.turns) {
    messages.push_back(json::object{{"role", turn.role}, {"content", turn.text}});
  }
  int64_t limit = max_answer_tokens;
  limit = std::min(limit, IntField(ctx.body, "max_tokens", limit));
  limit = std::min(limit, IntField(ctx.body, "max_completion_tokens", limit));
  limit = std::min(limit, IntField(ctx.body, "max_output_tokens", limit));  // Responses
  json::object out{{"model", model}, {"messages", std::move(messages)},
                   {"max_tokens", std::max<int64_t>(1, limit)}, {"stream", false}};
  for (const char* key : {"temperature", "top_p"}) {
    if (const json::value* v = ctx.body.if_contains(key); v && v->is_number()) out[key] = *v;
  }
  const char* stop_key = ctx.dialect == Dialect::kAnthropic ? "stop_sequences" : "stop";
  json::array stops;
  if (const json::value* v = ctx.body.if_contains(stop_key); v && v->is_string()) {
    stops.push_back(*v);
  } else if (v && v->is_array()) {
    stops = v->as_array();
  }
  for (const auto& s : extra_stops) stops.push_back(json::string(s));
  if (!stops.empty()) out["stop"] = std::move(stops);
  return out;
}

Result<SidecarAnswer> ParseSidecarResponse(std::string_view body) {
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  auto bad = [](const char* what) {
    return MakeError(ErrorCode::kUpstreamError, std::string("L2 sidecar answer: ") + what);
  };
  if (ec || !parsed.is_object()) return bad("not a JSON object");
  const json::object& o = parsed.as_object();
  const json::value* choices = o.if_contains("choices");
  if (!choices || !choices->is_array() || choices->as_array().empty() ||
      !choices->as_array()[0].is_object()) {
    return bad("no choices");
  }
  const json::object& choice = choices->as_array()[0].as_object();
  const json::value* message = choice.if_contains("message");
  if (!message || !message->is_object()) return bad("no message");
  SidecarAnswer answer;
  const json::value* content = message->as_object().if_contains("content");
  if (content && content->is_string()) {
    answer.text = std::string(content->as_string());
  } else if (content && !content->is_null()) {
    return bad("content is not text");
  }
  if (const json::value* fr = choice.if_contains("finish_reason"); fr && fr->is_string()) {
    answer.finish_reason = std::string(fr->as_string());
  }
  if (const json::value* usage = o.if_contains("usage"); usage && usage->is_object()) {
    answer.prompt_tokens = IntField(usage->as_object(), "prompt_tokens", 0);
    answer.completion_tokens = IntField(usage->as_object(), "completion_tokens", 0);
  }
  return answer;
}

Result<std::string> ClientAnswerBody(Dialect dialect, const SidecarAnswer& answer, const std::string& model,
                             const std::string& request_id, int64_t created_unix) {
  json::object response{
      {"id", "chatcmpl-l2-" + request_id},
      {"object", "chat.completion"},
      {"created", created_unix},
      {"model", model},
      {"choices", json::array{json::object{
                      {"index", 0},
                      {"message", json::object{{"role", "assistant"}, {"content", answer.text}}},
                      {"logprobs", nullptr},
                      {"finish_reason", "stop"}}}},
      {"usage", json::object{{"prompt_tokens", answer.prompt_tokens},
                             {"completion_tokens", answer.completion_tokens},
                             {"total_tokens", answer.prompt_tokens + answer.completion_tokens}}}};
  if (dialect == Dialect::kOpenAI) return json::serialize(response);
  if (dialect == Dialect::kResponses) {
    auto translated = dialect::ChatResponseToResponses(response, json::object(), created_unix);
    if (!translated.ok()) return MakeError(ErrorCode::kInternal, translated.error().message);
    return json::serialize(*translated);
  }
  auto translated = dialect::OpenAIResponseToAnthropic(response);
  if (!translated.ok()) return MakeError(ErrorCode::kInternal, translated.error().message);
  (*translated)["id"] = "msg_l2_" + request_id;
  return json::serialize(*translated);
}

}  // namespace isartor::l2
