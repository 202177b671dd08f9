#include "net/tls_files.h"

#include <unistd.h>

#include <gtest/gtest.h>
#include <openssl/pem.h>

#include <cstdio>
#include <filesystem>

#include "net/test_pki.h"

namespace isartor {
namespace {

X509* ReadCert(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return cert;
}

class TlsFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/tls_files_test-" + std::to_string(getpid());
    std::filesystem::create_directories(dir_);
    pki_ = std::make_unique<testing::TestPki>(dir_);
  }
  std::string dir_;
  std::unique_ptr<testing::TestPki> pki_;
};

TEST_F(TlsFilesTest, IdentityIsTheFirstUriDnsOrEmailSubjectAltName) {
  auto pair = pki_->Issue("alice", {"IP:10.0.0.1", "URI:spiffe://site/alice", "DNS:alice.corp"});
  X509* cert = ReadCert(pair.cert);
  EXPECT_EQ(CertificateIdentity(cert), "spiffe://site/alice");
  X509_free(cert);
}

TEST_F(TlsFilesTest, IdentityFallsBackToTheCommonName) {
  auto pair = pki_->Issue("bob", {"IP:10.0.0.2"});
  X509* cert = ReadCert(pair.cert);
  EXPECT_EQ(CertificateIdentity(cert), "bob");
  EXPECT_EQ(CertificateSubject(cert), "CN=bob");
  X509_free(cert);
  EXPECT_EQ(CertificateIdentity(nullptr), "");
}

TEST_F(TlsFilesTest, ExpiryIsRenderedAsRfc3339Utc) {
  auto pair = pki_->Issue("carol", {}, -1, 2);
  X509* cert = ReadCert(pair.cert);
  std::string not_after = CertificateNotAfter(cert);
  ASSERT_EQ(not_after.size(), 20u) << not_after;
  EXPECT_EQ(not_after[4], '-');
  EXPECT_EQ(not_after[10], 'T');
  EXPECT_EQ(not_after.back(), 'Z');
  X509_free(cert);
}

TEST_F(TlsFilesTest, ACaBundleWithoutCertificatesIsRefused) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  Status s = LoadCaBundle(ctx, pki_->WriteGarbage("garbage.pem"));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("no PEM certificate"), std::string::npos);
  EXPECT_TRUE(LoadCaBundle(ctx, pki_->ca_file()).ok());
  Status missing = LoadCaBundle(ctx, dir_ + "/absent.pem");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("absent.pem"), std::string::npos);
  SSL_CTX_free(ctx);
}

TEST_F(TlsFilesTest, AKeyOfAnotherCertificateIsRefusedNamingBothFiles) {
  auto a = pki_->Issue("a.test", {"DNS:a.test"});
  auto b = pki_->Issue("b.test", {"DNS:b.test"});
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  Status s = LoadCertificateAndKey(ctx, a.cert, b.key, "");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("does not match"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find(a.cert), std::string::npos);
  EXPECT_NE(s.error().message.find(b.key), std::string::npos);
  SSL_CTX_free(ctx);
}

TEST_F(TlsFilesTest, AnEncryptedKeyLoadsOnlyWithItsPassphraseAndNeverPrompts) {
  auto pair = pki_->Issue("enc.test", {"DNS:enc.test"}, -1, 2, "s3cret");
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  Status none = LoadCertificateAndKey(ctx, pair.cert, pair.key, "");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("ISARTOR__TLS_KEY_PASSPHRASE_FILE"), std::string::npos);
  EXPECT_FALSE(LoadCertificateAndKey(ctx, pair.cert, pair.key, "wrong").ok());
  EXPECT_TRUE(LoadCertificateAndKey(ctx, pair.cert, pair.key, "s3cret").ok());
  SSL_CTX_free(ctx);
}

}  // namespace
}  // namespace isartor
