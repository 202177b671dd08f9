// POST /v1/messages/count_tokens when no Anthropic upstream can answer it: which text of the
// request counts, and the answer's shape.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>

namespace isartor::dialect {

// Everything of an Anthropic Messages request the model would read, as one text: the system
// prompt, every message's text (system turns included), tool_use inputs and tool_result
// content, and each tool's name, description and input_schema (as JSON). Joined with "\n".
// Images and documents contribute nothing. Never fails; thread-safe.
std::string TextForTokenCount(const boost::json::object& anthropic_body);

// Anthropic's answer: {"input_tokens": N}.
std::string CountTokensAnswer(int64_t input_tokens);

}  // namespace isartor::dialect
