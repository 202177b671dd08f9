// SHA-256 and Base64 helpers shared by the audit log writer, its verifier and the content
// policy (prompts and answers are logged as their SHA-256 unless content logging is enabled).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace isartor::audit {

// Returns the lowercase hex SHA-256 (64 characters) of `data`. Never fails.
// Thread-safe.
std::string Sha256Hex(std::string_view data);

// Standard Base64 (RFC 4648 section 4, with '=' padding). Never fails. Thread-safe.
std::string Base64Encode(std::string_view data);

// Decodes standard padded Base64. Returns nullopt on any character outside the alphabet,
// bad padding or a length that is not a multiple of 4. Thread-safe.
std::optional<std::string> Base64Decode(std::string_view text);

// True if `text` is exactly 64 lowercase hex digits (a Sha256Hex result).
bool IsSha256Hex(std::string_view text);

}  // namespace isartor::audit

