#include "dialect/canonical.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/json_escape.h"
#include "dialect/json_util.h"

namespace isartor::dialect {
namespace {

namespace json = boost::json;

void Write(const json::value& v, std::string& out);

// Direct escaping: building a json::value per string to serialise it was most of the key's cost.
void WriteString(std::string_view s, std::string& out) { AppendJsonString(out, s); }

void WriteObject(const json::object& o, std::string& out) {
  std::vector<const json::key_value_pair*> items;
  items.reserve(o.size());
  for (const auto& kv : o) items.push_back(&kv);
  std::sort(items.begin(), items.end(),
            [](const auto* a, const auto* b) { return a->key() < b->key(); });
  out += '{';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    WriteString(items[i]->key(), out);
    out += ':';
    Write(items[i]->value(), out);
  }
  out += '}';
}

void Write(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::object:
      WriteObject(v.get_object(), out);
      return;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out += ',';
        first = false;
        Write(e, out);
      }
      out += ']';
      return;
    }
    case json::kind::double_: {
      double d = v.get_double();
      if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.0e15) {
        out += std::to_string(static_cast<std::int64_t>(d));
        return;
      }
      out += internal::Serialize(v);
      return;
    }
    case json::kind::string:
      WriteString(v.get_string(), out);
      return;
    default:  // int64, uint64, bool, null
      out += internal::Serialize(v);
      return;
  }
}

// [{"type":"text","text":T}] -> T; anything else unchanged.
void CollapseSingleText(json::value& content) {
  auto* arr = content.if_array();
  if (!arr || arr->size() != 1) return;
  auto* part = (*arr)[0].if_object();
  if (!part || part->size() != 2) return;
  const json::string* type = internal::GetString(*part, "type");
  const json::string* text = internal::GetString(*part, "text");
  if (!type || *type != "text" || !text) return;
  json::string collapsed = *text;
  content = std::move(collapsed);
}

// Responses: input "T" == [{"role":"user","content":"T"}] == [{"type":"message","role":"user",
// "content":[{"type":"input_text","text":T}]}]; `include` only shapes bookkeeping output.
// Item ids (Codex mints fresh ones per run) and client_metadata (session ids) do not change it.
void NormalizeResponsesInput(json::object& body) {
  body.erase("include");
  body.erase("client_metadata");
  json::value* input = body.if_contains("input");
  if (!input) return;
  if (input->is_string()) {
    json::string text = input->get_string();
    *input = json::array{json::object{{"role", "user"}, {"content", std::move(text)}}};
  }
  auto* items = input->if_array();
  if (!items) return;
  for (auto& item : *items) {
    auto* io = item.if_object();
    if (!io) continue;
    if (const auto* type = internal::GetString(*io, "type"); type && *type == "message") io->erase("type");
    io->erase("id");
    auto* content = io->if_contains("content");
    auto* parts = content ? content->if_array() : nullptr;
    if (!parts || parts->size() != 1) continue;
    auto* part = (*parts)[0].if_object();
    if (!part || part->size() != 2) continue;
    const json::string* type = internal::GetString(*part, "type");
    const json::string* text = internal::GetString(*part, "text");
    if (!type || !text || (*type != "input_text" && *type != "output_text")) continue;
    json::string collapsed = *text;
    *content = std::move(collapsed);
  }
}

}  // namespace

std::string CanonicalRequest(Dialect dialect, const boost::json::object& body,
                             std::string_view resolved_model) {
  json::object copy = body;
  for (std::string_view key : {"stream", "stream_options", "metadata"}) copy.erase(key);
  if (dialect == Dialect::kOpenAI || dialect == Dialect::kResponses) {
    for (std::string_view key :
         {"user", "store", "safety_identifier", "prompt_cache_key", "service_tier"}) {
      copy.erase(key);
    }
  }
  copy["model"] = json::string(resolved_model);
  if (auto* msgs = copy.if_contains("messages"); msgs && msgs->is_array()) {
    for (auto& m : msgs->get_array()) {
      if (auto* mo = m.if_object()) {
        if (auto* c = mo->if_contains("content")) CollapseSingleText(*c);
      }
    }
  }
  if (dialect == Dialect::kAnthropic) {
    if (auto* system = copy.if_contains("system")) CollapseSingleText(*system);
  }
  if (dialect == Dialect::kResponses) NormalizeResponsesInput(copy);
  std::string out(DialectName(dialect));
  out += ':';
  WriteObject(copy, out);
  return out;
}

}  // namespace isartor::dialect
