#include "layers/l1b_semantic/semantic_key.h"

#include <cctype>

#include "common/sha256.h"
#include "dialect/canonical.h"

namespace isartor {
namespace {

void AddPart(std::string& material, std::string_view part) {
  material += std::to_string(part.size());
  material += ':';
  material += part;
  material += ';';
}

// Everything but the conversation and the model: tools, sampling parameters, response format
// and any field we do not know (canonical.h drops the transport-only ones).
std::string OtherFields(const RequestContext& ctx) {
  boost::json::object rest = ctx.body;
  rest.erase("messages");
  rest.erase("system");
  if (ctx.dialect == dialect::Dialect::kResponses) {  // its conversation: instructions + input
    rest.erase("input");
    rest.erase("instructions");
  }
  return dialect::CanonicalRequest(ctx.dialect, rest, ctx.resolved_model);
}

}  // namespace

std::string NormalizeWhitespace(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (unsigned char c : text) {
    if (std::isspace(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(c);
  }
  return out;
}

SemanticKey SemanticKeyFor(const RequestContext& ctx) {
  SemanticKey key;
  const auto& view = ctx.view;
  bool tool_turns = false;
  for (const auto& turn : view.turns) tool_turns = tool_turns || turn.role == "tool";
  // Tool results anywhere in the conversation make the answer depend on data we do not embed.
  if (view.turn_has_tool_activity || tool_turns) {
    key.skip_reason = "tool activity";
    return key;
  }
  if (view.has_images) {
    key.skip_reason = "images";
    return key;
  }
  // The last user turn carrying the text the view picked; every other turn is context.
  int last_user = -1;
  for (int i = static_cast<int>(view.turns.size()) - 1; i >= 0; --i) {
    if (view.turns[i].role == "user" && view.turns[i].text == view.last_user_text) {
      last_user = i;
      break;
    }
  }
  key.text = NormalizeWhitespace(view.last_user_text);
  if (key.text.empty() || last_user < 0) {
    key.skip_reason = "no user text";
    return key;
  }
  std::string context;
  for (int i = 0; i < static_cast<int>(view.turns.size()); ++i) {
    if (i == last_user) {
      AddPart(context, "<question>");
      continue;
    }
    AddPart(context, view.turns[i].role);
    AddPart(context, NormalizeWhitespace(view.turns[i].text));
  }
  std::string material;
  AddPart(material, ctx.tenant);
  AddPart(material, ctx.session);
  AddPart(material, dialect::DialectName(ctx.dialect));
  AddPart(material, ctx.resolved_model);
  AddPart(material, NormalizeWhitespace(view.system_text));
  AddPart(material, Sha256(context));
  AddPart(material, OtherFields(ctx));
  key.partition = Sha256Hex(material);
  key.eligible = true;
  return key;
}

}  // namespace isartor
