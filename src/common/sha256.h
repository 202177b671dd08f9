// SHA-256 helpers over OpenSSL (one-shot). Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace isartor {

// 32 raw bytes.
std::string Sha256(std::string_view data);
// 64 lowercase hex characters.
std::string Sha256Hex(std::string_view data);
std::string ToHex(std::string_view bytes);

}  // namespace isartor
