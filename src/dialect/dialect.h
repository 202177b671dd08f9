// The two wire dialects the gateway speaks. Every function of this module takes the dialect
// explicitly; nothing here guesses it from a body.
#pragma once

#include <string_view>

namespace isartor::dialect {

enum class Dialect {
  kOpenAI,     // OpenAI Chat Completions: POST /v1/chat/completions
  kAnthropic,  // Anthropic Messages: POST /v1/messages
};

// Returns "openai" or "anthropic" (static storage). Thread-safe.
constexpr std::string_view DialectName(Dialect d) {
  return d == Dialect::kOpenAI ? "openai" : "anthropic";
}

}  // namespace isartor::dialect
