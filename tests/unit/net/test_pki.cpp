#include "net/test_pki.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace isartor::testing {
namespace {

EVP_PKEY* NewKey() { return EVP_EC_gen("P-256"); }

void AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) throw std::runtime_error("bad extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

X509* NewCert(const std::string& cn, EVP_PKEY* key, X509* issuer, int from_days, int to_days,
              long serial) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), 86400L * from_days);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400L * to_days);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
  return cert;
}

void WritePem(const std::string& path, X509* cert) {
  FILE* f = std::fopen(path.c_str(), "w");
  PEM_write_X509(f, cert);
  std::fclose(f);
}

void WriteKey(const std::string& path, EVP_PKEY* key, const std::string& passphrase) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (passphrase.empty()) {
    PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    PEM_write_PKCS8PrivateKey(f, key, EVP_aes_256_cbc(), passphrase.c_str(),
                              static_cast<int>(passphrase.size()), nullptr, nullptr);
  }
  std::fclose(f);
}

}  // namespace

TestPki::TestPki(std::string dir) : dir_(std::move(dir)) {
  EVP_PKEY* key = NewKey();
  X509* cert = NewCert("Unit Test CA", key, nullptr, -1, 3, 1);
  AddExtension(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
  AddExtension(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  X509_sign(cert, key, EVP_sha256());
  ca_ = {dir_ + "/ca.pem", dir_ + "/ca.key"};
  WritePem(ca_.cert, cert);
  WriteKey(ca_.key, key, "");
  ca_key_ = key;
  ca_cert_ = cert;
}

TestPki::~TestPki() {
  EVP_PKEY_free(static_cast<EVP_PKEY*>(ca_key_));
  X509_free(static_cast<X509*>(ca_cert_));
}

PemPair TestPki::Issue(const std::string& cn, const std::vector<std::string>& sans,
                       int from_days, int to_days, const std::string& passphrase) {
  static long serial = 100;
  auto* ca_cert = static_cast<X509*>(ca_cert_);
  auto* ca_key = static_cast<EVP_PKEY*>(ca_key_);
  EVP_PKEY* key = NewKey();
  X509* cert = NewCert(cn, key, ca_cert, from_days, to_days, ++serial);
  AddExtension(cert, ca_cert, NID_basic_constraints, "critical,CA:FALSE");
  std::string alt;
  for (const auto& san : sans) alt += (alt.empty() ? "" : ",") + san;
  if (!alt.empty()) AddExtension(cert, ca_cert, NID_subject_alt_name, alt);
  X509_sign(cert, ca_key, EVP_sha256());
  PemPair out{dir_ + "/" + cn + ".pem", dir_ + "/" + cn + ".key"};
  WritePem(out.cert, cert);
  WriteKey(out.key, key, passphrase);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

std::string TestPki::WriteGarbage(const std::string& name) {
  std::string path = dir_ + "/" + name;
  std::ofstream(path) << "this is not a certificate\n";
  return path;
}

}  // namespace isartor::testing
