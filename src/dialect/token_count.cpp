#include "dialect/token_count.h"

#include "dialect/json_util.h"

namespace isartor::dialect {
namespace {

namespace json = boost::json;
using internal::StringOr;

void Add(std::string& out, std::string_view text) {
  if (text.empty()) return;
  if (!out.empty()) out += '\n';
  out += text;
}

void AddBlocks(std::string& out, const json::value& content) {
  const json::array* blocks = content.if_array();
  if (!blocks) {
    Add(out, internal::FlattenText(content));
    return;
  }
  for (const auto& bv : *blocks) {
    const json::object* b = bv.if_object();
    if (!b) continue;
    std::string type = StringOr(*b, "type");
    if (type == "text") {
      Add(out, StringOr(*b, "text"));
    } else if (type == "tool_use") {
      Add(out, StringOr(*b, "name"));
      if (const json::value* input = b->if_contains("input")) Add(out, internal::Serialize(*input));
    } else if (type == "tool_result") {
      if (const json::value* c = b->if_contains("content")) AddBlocks(out, *c);
    } else if (type == "thinking") {
      Add(out, StringOr(*b, "thinking"));
    }
  }
}

}  // namespace

std::string TextForTokenCount(const json::object& body) {
  std::string out;
  if (const json::value* system = body.if_contains("system"); system && !system->is_null()) {
    AddBlocks(out, *system);
  }
  if (const json::array* msgs = internal::GetArray(body, "messages")) {
    for (const auto& mv : *msgs) {
      const json::object* m = mv.if_object();
      if (!m) continue;
      if (const json::value* c = m->if_contains("content")) AddBlocks(out, *c);
    }
  }
  if (const json::array* tools = internal::GetArray(body, "tools")) {
    for (const auto& tv : *tools) {
      const json::object* t = tv.if_object();
      if (!t) continue;
      Add(out, StringOr(*t, "name"));
      Add(out, StringOr(*t, "description"));
      if (const json::value* schema = t->if_contains("input_schema")) {
        Add(out, internal::Serialize(*schema));
      }
    }
  }
  return out;
}

std::string CountTokensAnswer(int64_t input_tokens) {
  return internal::Serialize(json::object{{"input_tokens", input_tokens}});
}

}  // namespace isartor::dialect
