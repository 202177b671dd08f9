#include "net/tls_files.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <ctime>
#include <memory>

namespace isartor {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

Error FileError(const std::string& what, const std::string& file) {
  std::string reason = TakeOpenSslErrors();
  return MakeError(ErrorCode::kInvalidArgument,
                   what + " " + file + ": " + (reason.empty() ? "unreadable" : reason));
}

// The passphrase callback: answers with the configured passphrase, or fails at once (OpenSSL's
// default would prompt on the terminal, which a service must never do).
int PassphraseCallback(char* buf, int size, int /*rwflag*/, void* user) {
  const auto* pass = static_cast<const std::string*>(user);
  if (!pass || pass->empty() || static_cast<int>(pass->size()) > size) return 0;
  std::memcpy(buf, pass->data(), pass->size());
  return static_cast<int>(pass->size());
}

}  // namespace

std::string TakeOpenSslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    const char* reason = ERR_reason_error_string(e);
    out += (out.empty() ? "" : "; ") + std::string(reason ? reason : buf);
  }
  return out;
}

Status LoadCertificateAndKey(SSL_CTX* ctx, const std::string& cert_file,
                             const std::string& key_file, const std::string& passphrase) {
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return FileError("certificate", cert_file);
  }
  BioPtr bio(BIO_new_file(key_file.c_str(), "r"));
  if (!bio) return FileError("private key", key_file);
  std::string pass = passphrase;
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, PassphraseCallback, &pass);
  if (!key) {
    Error e = FileError("private key", key_file);
    if (passphrase.empty()) e.message += " (encrypted? set ISARTOR__TLS_KEY_PASSPHRASE_FILE)";
    return e;
  }
  // Checked first: OpenSSL's own refusal only says "key values mismatch".
  if (X509_check_private_key(SSL_CTX_get0_certificate(ctx), key) != 1) {
    EVP_PKEY_free(key);
    TakeOpenSslErrors();
    return MakeError(ErrorCode::kInvalidArgument, "private key " + key_file +
                                                      " does not match certificate " + cert_file);
  }
  int used = SSL_CTX_use_PrivateKey(ctx, key);
  EVP_PKEY_free(key);
  if (used != 1) return FileError("private key", key_file);
  return Status::Ok();
}

Status LoadCaBundle(SSL_CTX* ctx, const std::string& ca_file) {
  ERR_clear_error();
  BioPtr bio(BIO_new_file(ca_file.c_str(), "r"));
  if (!bio) return FileError("CA bundle", ca_file);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  int added = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    if (X509_STORE_add_cert(store, cert) == 1) ++added;
    X509_free(cert);
  }
  ERR_clear_error();  // the read that ends the loop always leaves "no start line"
  if (added == 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "CA bundle " + ca_file + ": no PEM certificate in it");
  }
  return Status::Ok();
}

Status ApplyModernProtocolPolicy(SSL_CTX* ctx, const std::string& min_version) {
  int version = min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
  SSL_CTX_set_min_proto_version(ctx, version);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  // Mozilla "intermediate" TLS 1.2 list: ECDHE key exchange, AEAD ciphers only.
  static const char kTls12Ciphers[] =
      "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
      "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
      "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) {
    return MakeError(ErrorCode::kInternal, "cipher list rejected: " + TakeOpenSslErrors());
  }
  return Status::Ok();
}

std::string VerifyFailureReason(const SSL* ssl) {
  long verify = SSL_get_verify_result(ssl);
  if (verify == X509_V_OK) return "";
  return " (" + std::string(X509_verify_cert_error_string(verify)) + ")";
}

std::string CertificateIdentity(X509* cert) {
  if (!cert) return "";
  std::string found;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names) && found.empty(); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_URI || name->type == GEN_DNS || name->type == GEN_EMAIL) {
      const ASN1_IA5STRING* s = name->d.ia5;
      found.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                   ASN1_STRING_length(s));
    }
  }
  GENERAL_NAMES_free(names);
  if (!found.empty()) return found;
  char cn[256];
  int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  return n > 0 ? std::string(cn, n) : "";
}

std::string CertificateSubject(X509* cert) {
  if (!cert) return "";
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0,
                     XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, len);
}

std::string CertificateNotAfter(X509* cert) {
  if (!cert) return "";
  struct tm t {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &t) != 1) return "";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &t);
  return buf;
}

}  // namespace isartor
