#include "audit/ed25519.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fstream>
#include <sstream>

#include "audit/sha256.h"

namespace isartor::audit {

void EvpPkeyDeleter::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kNotFound, "cannot open key file " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::string KeyIdOf(EVP_PKEY* key) {
  unsigned char raw[32];
  size_t len = sizeof(raw);
  if (EVP_PKEY_get_raw_public_key(key, raw, &len) != 1) return "";
  return Sha256Hex(std::string_view(reinterpret_cast<char*>(raw), len)).substr(0, 16);
}

bool IsEd25519(EVP_PKEY* key) { return key && EVP_PKEY_id(key) == EVP_PKEY_ED25519; }

Result<std::string> BioToString(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  if (len <= 0 || data == nullptr) return MakeError(ErrorCode::kInternal, "empty PEM output");
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace

Ed25519Signer::Ed25519Signer(EvpPkeyPtr key) : key_(std::move(key)), key_id_(KeyIdOf(key_.get())) {}

Result<std::unique_ptr<Ed25519Signer>> Ed25519Signer::FromPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return MakeError(ErrorCode::kInternal, "BIO_new_mem_buf failed");
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!IsEd25519(key.get())) {
    return MakeError(ErrorCode::kInvalidArgument, "not a PEM Ed25519 private key");
  }
  return std::unique_ptr<Ed25519Signer>(new Ed25519Signer(std::move(key)));
}

Result<std::unique_ptr<Ed25519Signer>> Ed25519Signer::FromPemFile(const std::string& path) {
  auto pem = ReadFile(path);
  if (!pem.ok()) return pem.error();
  auto signer = FromPem(*pem);
  if (!signer.ok()) return MakeError(signer.error().code, path + ": " + signer.error().message);
  return signer;
}

Result<std::unique_ptr<Ed25519Signer>> Ed25519Signer::Generate() {
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return MakeError(ErrorCode::kInternal, "Ed25519 key generation failed");
  return std::unique_ptr<Ed25519Signer>(new Ed25519Signer(std::move(key)));
}

Result<std::string> Ed25519Signer::Sign(std::string_view message) const {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1) {
    return MakeError(ErrorCode::kInternal, "EVP_DigestSignInit failed");
  }
  std::string sig(64, '\0');
  size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1) {
    return MakeError(ErrorCode::kInternal, "EVP_DigestSign failed");
  }
  sig.resize(len);
  return sig;
}

Result<std::string> Ed25519Signer::PrivateKeyPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    return MakeError(ErrorCode::kInternal, "PEM_write_bio_PrivateKey failed");
  }
  return BioToString(bio.get());
}

Result<std::string> Ed25519Signer::PublicKeyPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) {
    return MakeError(ErrorCode::kInternal, "PEM_write_bio_PUBKEY failed");
  }
  return BioToString(bio.get());
}

Ed25519Verifier::Ed25519Verifier(EvpPkeyPtr key)
    : key_(std::move(key)), key_id_(KeyIdOf(key_.get())) {}

Result<std::unique_ptr<Ed25519Verifier>> Ed25519Verifier::FromPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return MakeError(ErrorCode::kInternal, "BIO_new_mem_buf failed");
  EvpPkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    // Operators sometimes pass the private key file; its public half verifies just as well.
    BioPtr again(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (again) key.reset(PEM_read_bio_PrivateKey(again.get(), nullptr, nullptr, nullptr));
  }
  if (!IsEd25519(key.get())) {
    return MakeError(ErrorCode::kInvalidArgument, "not a PEM Ed25519 public key");
  }
  return std::unique_ptr<Ed25519Verifier>(new Ed25519Verifier(std::move(key)));
}

Result<std::unique_ptr<Ed25519Verifier>> Ed25519Verifier::FromPemFile(const std::string& path) {
  auto pem = ReadFile(path);
  if (!pem.ok()) return pem.error();
  auto verifier = FromPem(*pem);
  if (!verifier.ok()) {
    return MakeError(verifier.error().code, path + ": " + verifier.error().message);
  }
  return verifier;
}

bool Ed25519Verifier::Verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != 64) return false;
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

}  // namespace isartor::audit
