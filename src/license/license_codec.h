// Encodings used by license tokens: unpadded base64url and RFC 3339 / unix time stamps.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace isartor::license {

// RFC 4648 section 5 without '=' padding. Never fails. Thread-safe.
std::string Base64UrlEncode(std::string_view data);

// Decodes unpadded base64url. Returns nullopt on any other character (including '='), an
// impossible length (4k+1) or non-zero trailing bits, so each byte string has exactly one
// accepted encoding. Thread-safe.
std::optional<std::string> Base64UrlDecode(std::string_view text);

// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" (RFC 3339; 'T' may be 't' or ' ',
// 'Z' may be 'z') or a bare date "YYYY-MM-DD" (midnight UTC). The fraction is truncated to
// seconds. Returns nullopt on anything else, including impossible dates and years outside
// 1970..9999. Thread-safe.
std::optional<std::chrono::sys_seconds> ParseRfc3339(std::string_view text);

// Unix seconds in [0, 253402300799] (up to 9999-12-31T23:59:59Z); nullopt otherwise.
std::optional<std::chrono::sys_seconds> FromUnixSeconds(long long seconds);

// "YYYY-MM-DDTHH:MM:SSZ". REQUIRES: t within the range above.
std::string FormatRfc3339(std::chrono::sys_seconds t);

}  // namespace isartor::license
