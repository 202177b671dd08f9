// What L2 sends to the local model server and how its reply becomes the client's answer.
// The sidecar always speaks OpenAI Chat Completions (llama.cpp server, Ollama and vLLM all do);
// the client's dialect is produced here, so the sidecar never sees Anthropic JSON.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "core/request_context.h"
#include "dialect/dialect.h"

namespace isartor::l2 {

// The non-streaming OpenAI request for the sidecar: `model`, the system text and the user /
// assistant turns of ctx.view (text only), max_tokens = the client's limit (max_tokens,
// max_completion_tokens) capped at `max_answer_tokens`, and temperature, top_p and stop
// (Anthropic stop_sequences) copied when present; `extra_stops` (the operator's
// ISARTOR__LAYER2__STOP_SEQUENCES) are appended to stop. Never fails; thread-safe (pure).
boost::json::object SidecarRequest(const RequestContext& ctx, const std::string& model,
                                   int max_answer_tokens,
                                   const std::vector<std::string>& extra_stops = {});

struct SidecarAnswer {
  std::string text;           // choices[0].message.content
  std::string finish_reason;  // choices[0].finish_reason; empty when absent or null
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
};

// Parses the sidecar's 2xx body. Errors: kUpstreamError when it is not a chat.completion JSON
// object with a choices[0].message whose content is a string or null. Thread-safe (pure).
Result<SidecarAnswer> ParseSidecarResponse(std::string_view body);

// The complete, non-streaming answer in the client's dialect: an OpenAI chat.completion or an
// Anthropic message with one text block, finish "stop" / "end_turn", usage from `answer`, and
// `model` naming the local model (clients can see who answered). Errors: kInternal if the
// dialect translation refuses it (it cannot for this shape). Thread-safe (pure).
Result<std::string> ClientAnswerBody(dialect::Dialect dialect, const SidecarAnswer& answer,
                             const std::string& model, const std::string& request_id,
                             int64_t created_unix);

}  // namespace isartor::l2
