// A dialect-neutral, read-only summary of a request for the layers (cache lookups, routing).
// Layers never read wire JSON; they read this.
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <vector>

#include "common/result.h"
#include "dialect/dialect.h"

namespace isartor::dialect {

struct Turn {
  std::string role;  // "user", "assistant" or "tool" (OpenAI role:tool / function messages)
  std::string text;  // the turn's text parts joined with '\n'; tool_result text included
};

struct RequestView {
  Dialect dialect = Dialect::kOpenAI;
  std::string model;        // as sent by the client; empty when absent
  bool stream = false;      // `stream` field, false when absent
  std::string system_text;  // Anthropic `system`, or OpenAI system/developer messages, '\n'-joined
  std::vector<Turn> turns;  // conversation without system messages, in order
  bool has_tools = false;   // a non-empty `tools` array (or legacy `functions`) is present
  // The conversation is inside a tool loop: the last message is a tool result (OpenAI role
  // tool/function, Anthropic user message with a tool_result block) or an assistant message
  // carrying tool calls / tool_use blocks.
  bool turn_has_tool_activity = false;
  bool has_images = false;      // any image part/block anywhere in the messages
  std::string last_user_text;   // text of the last user message that has text; may be empty
};

// Builds the view of a request. Meant for bodies that passed ValidateRequest; on anything else
// it still never crashes: returns kInvalidArgument when `messages` is missing or not an array,
// and skips malformed individual messages. Thread-safe (pure function); the result owns copies.
Result<RequestView> ViewRequest(Dialect dialect, const boost::json::object& body);

}  // namespace isartor::dialect
