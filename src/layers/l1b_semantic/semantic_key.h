// What the semantic cache compares, and what it never compares across.
//
// The embedded text is the last user turn alone (whitespace-normalised): that is where a
// paraphrase lives, and embedding a long conversation would let the shared history dominate the
// vector so that two different questions after the same history look alike.
// The conversation context is instead part of the hard partition, as an exact fingerprint of
// every other turn (earlier user and assistant turns, and anything after the last user turn).
// So "yes, do it" after two different conversations lands in two different partitions and can
// never match, while the same conversation continued with a paraphrased question can.
//
// Hard partition = SHA-256 over, length-prefixed: tenant, session, dialect, resolved model,
// the system prompt (whitespace-normalised), the conversation-context fingerprint, and the
// canonical form of every other request field (tools, tool_choice, response_format,
// temperature, top_p, max_tokens, stop, seed, n, ... — see dialect/canonical.h; transport-only
// fields such as stream are excluded there). Unknown fields partition too: when in doubt, the
// cache misses.
#pragma once

#include <string>

#include "core/request_context.h"

namespace isartor {

struct SemanticKey {
  bool eligible = false;
  std::string skip_reason;  // when !eligible: "tool activity", "images", "no user text"
  std::string partition;    // 64 hex chars
  std::string text;         // the text to embed (the last user turn, normalised)
};

// Thread-safe (pure function). Never fails: an ineligible request says why.
SemanticKey SemanticKeyFor(const RequestContext& ctx);

// Collapses runs of whitespace to one space and trims both ends.
std::string NormalizeWhitespace(const std::string& text);

}  // namespace isartor
