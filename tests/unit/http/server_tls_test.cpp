#include "http/server_tls.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "net/test_pki.h"
#include "net/tls_files.h"

namespace isartor {
namespace {

class ServerTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/server_tls_test-" + std::to_string(getpid());
    std::filesystem::create_directories(dir_);
    pki_ = std::make_unique<testing::TestPki>(dir_);
  }
  // Copies `pair` to the live paths the server reads.
  ServerTlsFiles Live(const testing::PemPair& pair) {
    std::filesystem::copy_file(pair.cert, dir_ + "/live.pem",
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(pair.key, dir_ + "/live.key",
                               std::filesystem::copy_options::overwrite_existing);
    return {dir_ + "/live.pem", dir_ + "/live.key", "", "", "1.2"};
  }
  std::string dir_;
  std::unique_ptr<testing::TestPki> pki_;
};

TEST_F(ServerTlsTest, AMatchingPairBuildsATls12PlusContext) {
  auto ctx = BuildServerTlsContext(Live(pki_->Issue("gw.test", {"DNS:gw.test"})));
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;
  EXPECT_EQ(SSL_CTX_get_min_proto_version((*ctx)->native_handle()), TLS1_2_VERSION);
  EXPECT_EQ(SSL_CTX_get_verify_mode((*ctx)->native_handle()), SSL_VERIFY_NONE);
}

TEST_F(ServerTlsTest, AClientCaMakesClientCertificatesMandatory) {
  ServerTlsFiles files = Live(pki_->Issue("gw.test", {"DNS:gw.test"}));
  files.client_ca_file = pki_->ca_file();
  auto ctx = BuildServerTlsContext(files);
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;
  EXPECT_EQ(SSL_CTX_get_verify_mode((*ctx)->native_handle()),
            SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
}

TEST_F(ServerTlsTest, MinimumVersionCanBeRaisedToTls13) {
  ServerTlsFiles files = Live(pki_->Issue("gw.test", {"DNS:gw.test"}));
  files.min_version = "1.3";
  auto ctx = BuildServerTlsContext(files);
  ASSERT_TRUE(ctx.ok());
  EXPECT_EQ(SSL_CTX_get_min_proto_version((*ctx)->native_handle()), TLS1_3_VERSION);
}

TEST_F(ServerTlsTest, ReloadPicksUpTheNewCertificateForNewConnections) {
  auto tls = ServerTls::Create(Live(pki_->Issue("first.test", {"DNS:first.test"})));
  ASSERT_TRUE(tls.ok()) << tls.error().message;
  auto before = (*tls)->Current();
  EXPECT_NE((*tls)->DescribeCurrent().find("CN=first.test"), std::string::npos);
  Live(pki_->Issue("second.test", {"DNS:second.test"}));
  ASSERT_TRUE((*tls)->Reload().ok());
  EXPECT_NE((*tls)->DescribeCurrent().find("CN=second.test"), std::string::npos);
  EXPECT_NE((*tls)->Current(), before);
  // The context a live connection holds is untouched.
  EXPECT_EQ(CertificateSubject(SSL_CTX_get0_certificate(before->native_handle())),
            "CN=first.test");
}

TEST_F(ServerTlsTest, AFailedReloadKeepsTheCurrentCertificateAndSaysWhy) {
  auto first = pki_->Issue("first.test", {"DNS:first.test"});
  auto tls = ServerTls::Create(Live(first));
  ASSERT_TRUE(tls.ok());
  auto before = (*tls)->Current();
  auto other = pki_->Issue("other.test", {"DNS:other.test"});
  std::filesystem::copy_file(other.key, dir_ + "/live.key",
                             std::filesystem::copy_options::overwrite_existing);
  Status s = (*tls)->Reload();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("does not match"), std::string::npos) << s.error().message;
  EXPECT_EQ((*tls)->Current(), before);
}

TEST_F(ServerTlsTest, AMissingFileFailsCreationNamingIt) {
  auto tls = ServerTls::Create({dir_ + "/nope.pem", dir_ + "/nope.key", "", "", "1.2"});
  ASSERT_FALSE(tls.ok());
  EXPECT_NE(tls.error().message.find("nope.pem"), std::string::npos) << tls.error().message;
}

}  // namespace
}  // namespace isartor
