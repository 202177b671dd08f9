// Ed25519 keys for signing audit-log checkpoints: the one adapter over OpenSSL 3 EVP.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace isartor::audit {

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const;
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

// A private Ed25519 key. Immutable after construction; Sign() is thread-safe.
class Ed25519Signer {
 public:
  // Reads a PEM "PRIVATE KEY" file. Returns kNotFound if the file cannot be opened,
  // kInvalidArgument if it is not a PEM Ed25519 private key.
  static Result<std::unique_ptr<Ed25519Signer>> FromPemFile(const std::string& path);
  // Same, from PEM text in memory.
  static Result<std::unique_ptr<Ed25519Signer>> FromPem(std::string_view pem);
  // Generates a fresh key pair. Returns kInternal only if OpenSSL fails.
  static Result<std::unique_ptr<Ed25519Signer>> Generate();

  // Returns the 64-byte raw signature over `message`, or kInternal if OpenSSL fails.
  Result<std::string> Sign(std::string_view message) const;
  // PEM encodings of the private key (PKCS#8) and of the public key (SubjectPublicKeyInfo).
  Result<std::string> PrivateKeyPem() const;
  Result<std::string> PublicKeyPem() const;
  // First 16 hex digits of the SHA-256 of the raw 32-byte public key: names the key in
  // checkpoint lines so a verifier can say "signed by another key".
  const std::string& KeyId() const { return key_id_; }

 private:
  explicit Ed25519Signer(EvpPkeyPtr key);
  EvpPkeyPtr key_;
  std::string key_id_;
};

// A public Ed25519 key. Immutable after construction; Verify() is thread-safe.
class Ed25519Verifier {
 public:
  // Reads a PEM "PUBLIC KEY" file (a PEM private key is accepted too: its public half is used).
  // Returns kNotFound if unreadable, kInvalidArgument if not an Ed25519 key.
  static Result<std::unique_ptr<Ed25519Verifier>> FromPemFile(const std::string& path);
  static Result<std::unique_ptr<Ed25519Verifier>> FromPem(std::string_view pem);

  // True only if `signature` is a valid signature of `message` under this key. Never fails
  // otherwise: any malformed input is simply "false".
  bool Verify(std::string_view message, std::string_view signature) const;
  const std::string& KeyId() const { return key_id_; }

 private:
  explicit Ed25519Verifier(EvpPkeyPtr key);
  EvpPkeyPtr key_;
  std::string key_id_;
};

}  // namespace isartor::audit
