#include "common/sha256.h"

#include <openssl/evp.h>

namespace isartor {

namespace {

// Fetched once: with OpenSSL 3, EVP_sha256() in every EVP_Digest call does an implicit
// provider fetch that takes a global read lock — measurable on the cache-hit path.
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched ? fetched : EVP_sha256();
  }();
  return md;
}

}  // namespace

std::string Sha256(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, Sha256Md(), nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string ToHex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    hex.push_back(digits[c >> 4]);
    hex.push_back(digits[c & 15]);
  }
  return hex;
}

std::string Sha256Hex(std::string_view data) { return ToHex(Sha256(data)); }

}  // namespace isartor
