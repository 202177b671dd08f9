// The L2 router's hard rules: requests the local model must never answer, whatever the classifier
// says. Cheap (no embedding, no I/O); checked before anything else.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "core/request_context.h"

namespace isartor::l2 {

// Longest conversation (system + all turns, in bytes) sent to the local model. Past this the
// embedding sees only the first 256 tokens of the last message anyway, and a 270M model's
// answers to long contexts are poor: such requests belong to the big model.
inline constexpr std::size_t kMaxLocalPromptBytes = 6000;

// Returns why `ctx` must pass on to the next layer ("tools", "tool activity", "images",
// "response_format json_schema", "n > 1", "logprobs", "thinking", "prompt too long",
// "no user text"), or nullopt when the request may go to the router's classifier.
// The request must have been validated (ctx.view built from ctx.body). Thread-safe (pure).
std::optional<std::string> IneligibleReason(const RequestContext& ctx);

}  // namespace isartor::l2
