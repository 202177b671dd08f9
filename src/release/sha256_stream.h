// Incremental SHA-256 for files too large to hash in one piece (the release binary is ~100 MB).
#pragma once

#include <memory>
#include <string>
#include <string_view>

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace isartor::release {

// Not thread-safe: one stream per thread. Never fails (OpenSSL's SHA-256 cannot, short of
// running out of memory at construction, which aborts like any allocation failure).
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  void Update(std::string_view data);
  // Lowercase hex digest of everything passed to Update(). Call once; the stream is spent.
  std::string FinishHex();

 private:
  EVP_MD_CTX* ctx_;
};

}  // namespace isartor::release
