#include "common/uuid.h"

#include <cctype>

#include "common/sha256.h"

namespace isartor {

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

std::string UuidForId(std::string_view id) {
  if (IsUuid(id)) return std::string(id);
  std::string bytes = Sha256(id).substr(0, 16);
  bytes[6] = static_cast<char>((bytes[6] & 0x0F) | 0x80);  // version 8 (custom)
  bytes[8] = static_cast<char>((bytes[8] & 0x3F) | 0x80);  // RFC 9562 variant
  std::string hex = ToHex(bytes);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

}  // namespace isartor
