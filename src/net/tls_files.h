// OpenSSL adapters shared by the HTTPS listener and the outbound clients: load PEM certificates,
// keys and CA bundles into an SSL_CTX with errors as values, and read what a certificate says
// (identity, subject, expiry) for logs, tenants and `isartor check --probe`.
// Every function is thread-safe as far as OpenSSL is (distinct SSL_CTX per call, or read-only).
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <string>

#include "common/result.h"

namespace isartor {

// Drains this thread's OpenSSL error queue into one readable line ("" if empty).
std::string TakeOpenSslErrors();

// Loads a PEM certificate chain (leaf first) and its PEM private key into `ctx`, the key
// decrypted with `passphrase` when it is encrypted (never prompts on a terminal), and checks
// that they belong together. Errors (kInvalidArgument) name the file and OpenSSL's reason.
Status LoadCertificateAndKey(SSL_CTX* ctx, const std::string& cert_file,
                             const std::string& key_file, const std::string& passphrase);

// Adds every certificate of the PEM bundle `ca_file` to `ctx`'s trust store. Fails
// (kInvalidArgument) if the file cannot be read or holds no certificate.
Status LoadCaBundle(SSL_CTX* ctx, const std::string& ca_file);

// Restricts `ctx` to TLS `min_version` ("1.2" or "1.3") and up, with forward-secret AEAD
// ciphers only for TLS 1.2 (TLS 1.3 suites are all AEAD), no compression, no renegotiation.
Status ApplyModernProtocolPolicy(SSL_CTX* ctx, const std::string& min_version);

// " (certificate has expired)" when `ssl`'s peer verification failed, else "": the reason a
// handshake error alone ("certificate verify failed") does not give.
std::string VerifyFailureReason(const SSL* ssl);

// The identity a client certificate asserts: its first subjectAltName of type URI, DNS or
// email, else its subject CN; "" if it has none of them. `cert` may be null ("").
std::string CertificateIdentity(X509* cert);
// One-line subject, e.g. "CN=vllm.internal,O=Site" ("" for null).
std::string CertificateSubject(X509* cert);
// notAfter as RFC 3339 UTC, e.g. "2027-01-31T12:00:00Z" ("" for null).
std::string CertificateNotAfter(X509* cert);

}  // namespace isartor
