#include "release/sha256_stream.h"

#include <openssl/evp.h>

#include <cstdlib>

#include "common/sha256.h"

namespace isartor::release {

Sha256Stream::Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) std::abort();
}

Sha256Stream::~Sha256Stream() { EVP_MD_CTX_free(ctx_); }

void Sha256Stream::Update(std::string_view data) {
  EVP_DigestUpdate(ctx_, data.data(), data.size());
}

std::string Sha256Stream::FinishHex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_, digest, &len);
  return ToHex(std::string_view(reinterpret_cast<const char*>(digest), len));
}

}  // namespace isartor::release
