// The L2 quality guard: decides on the local model's complete answer, before any byte of it
// reaches the client, whether it is good enough to send. A rejected answer is discarded and the
// request passes on to L3, so the client never sees a bad local answer followed by a good one.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace isartor::l2 {

// Returns why `text` must be rejected, or nullopt to accept it:
//   "empty"      nothing but whitespace;
//   "truncated"  finish_reason is "length" (the token limit cut it), or anything but "stop" /
//                "end_turn" / "stop_sequence" / empty (a server that sends none);
//   "refusal"    the answer opens with a refusal or an inability statement ("I'm sorry, but I
//                can't", "As an AI", "I cannot", "I don't have access", ...), case-insensitive,
//                within its first 160 bytes;
//   "repetition" one line repeated over half of a 6+ line answer (a small model's loop).
// Thread-safe (pure).
std::optional<std::string> RejectReason(std::string_view text, std::string_view finish_reason);

}  // namespace isartor::l2
