#include "layers/l2_slm/route_policy.h"

#include <boost/json/value.hpp>

namespace isartor::l2 {
namespace json = boost::json;

namespace {

// The sidecar is asked for plain text: a response_format other than text would need grammar
// support that not every OpenAI-compatible server has, and a 270M model rarely honours a schema.
std::optional<std::string> FormatReason(const json::object& body) {
  const json::value* rf = body.if_contains("response_format");
  if (!rf || rf->is_null()) return std::nullopt;
  if (rf->is_object()) {
    const json::value* type = rf->as_object().if_contains("type");
    if (type && type->is_string() && type->as_string() == "text") return std::nullopt;
    if (type && type->is_string()) return "response_format " + std::string(type->as_string());
  }
  return "response_format";
}

bool Truthy(const json::object& body, const char* key) {
  const json::value* v = body.if_contains(key);
  return v && !v->is_null() && !(v->is_bool() && !v->as_bool());
}

}  // namespace

std::optional<std::string> IneligibleReason(const RequestContext& ctx) {
  const auto& view = ctx.view;
  if (view.has_tools) return "tools";
  if (view.turn_has_tool_activity) return "tool activity";
  for (const auto& turn : view.turns) {
    if (turn.role == "tool") return "tool activity";
  }
  if (view.has_images) return "images";
  if (auto reason = FormatReason(ctx.body)) return reason;
  if (const json::value* n = ctx.body.if_contains("n");
      n && n->is_number() && n->to_number<double>() > 1) {
    return "n > 1";
  }
  if (Truthy(ctx.body, "logprobs")) return "logprobs";
  if (Truthy(ctx.body, "thinking")) return "thinking";
  if (view.last_user_text.empty() || view.turns.empty() || view.turns.back().role != "user") {
    return "no user text";
  }
  std::size_t bytes = view.system_text.size();
  for (const auto& turn : view.turns) bytes += turn.text.size();
  if (bytes > kMaxLocalPromptBytes) return "prompt too long";
  return std::nullopt;
}

}  // namespace isartor::l2
