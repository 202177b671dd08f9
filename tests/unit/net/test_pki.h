// A throwaway PKI for TLS unit tests, made with OpenSSL's API at test time: a CA and leaf
// certificates (EC P-256), written as PEM files into a temporary directory.
#pragma once

#include <string>
#include <vector>

namespace isartor::testing {

struct PemPair {
  std::string cert;  // file path
  std::string key;   // file path
};

class TestPki {
 public:
  // Creates the CA in `dir` (which must exist).
  explicit TestPki(std::string dir);
  ~TestPki();
  const std::string& ca_file() const { return ca_.cert; }

  // A leaf signed by the CA with CN=`cn` and the given subjectAltNames ("DNS:x", "URI:y",
  // "IP:127.0.0.1"), valid from now+`from_days` to now+`to_days`. With `passphrase`, the key
  // file is encrypted (AES-256).
  PemPair Issue(const std::string& cn, const std::vector<std::string>& sans, int from_days = -1,
                int to_days = 2, const std::string& passphrase = "");
  // A file holding text that is not PEM.
  std::string WriteGarbage(const std::string& name);

 private:
  std::string dir_;
  PemPair ca_;
  void* ca_key_ = nullptr;   // EVP_PKEY*
  void* ca_cert_ = nullptr;  // X509*
};

}  // namespace isartor::testing
