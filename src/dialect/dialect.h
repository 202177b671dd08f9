// The two wire dialects the gateway speaks. Every function of this module takes the dialect
// explicitly; nothing here guesses it from a body.
#pragma once

#include <string_view>

namespace isartor::dialect {

enum class Dialect {
  kOpenAI,     // OpenAI Chat Completions: POST /v1/chat/completions
  kAnthropic,  // Anthropic Messages: POST /v1/messages
  kResponses,  // OpenAI Responses: POST /v1/responses (errors in OpenAI's shape)
};

// Returns "openai", "anthropic" or "responses" (static storage). Thread-safe.
constexpr std::string_view DialectName(Dialect d) {
  return d == Dialect::kOpenAI ? "openai" : d == Dialect::kAnthropic ? "anthropic" : "responses";
}

}  // namespace isartor::dialect
