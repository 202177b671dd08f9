#include "upstream/client_tls.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "net/test_pki.h"

namespace isartor {
namespace {

Config Base() { return LoadConfig({}).value(); }

TEST(ClientTlsTest, WithoutABundleTheSystemStoreVerifies) {
  ClientTlsSettings s = ResolveClientTls(Base(), TlsTarget::kL3);
  EXPECT_TRUE(s.ca_file.empty());
  EXPECT_EQ(DescribeTrust(s), "system trust store");
}

TEST(ClientTlsTest, ABundleReplacesTheSystemStoreUnlessModeIsAdd) {
  Config c = Base();
  c.upstream_ca_file = "/site/ca.pem";
  EXPECT_EQ(DescribeTrust(ResolveClientTls(c, TlsTarget::kL2Sidecar)), "/site/ca.pem");
  c.upstream_ca_mode = "add";
  EXPECT_EQ(DescribeTrust(ResolveClientTls(c, TlsTarget::kL2Sidecar)),
            "/site/ca.pem + system trust store");
}

TEST(ClientTlsTest, ADestinationsOwnSettingsOverrideTheUpstreamDefaults) {
  Config c = Base();
  c.upstream_ca_file = "/site/ca.pem";
  c.upstream_client_cert_file = "/site/gw.pem";
  c.upstream_client_key_file = "/site/gw.key";
  c.otel_tls.ca_file = "/otel/ca.pem";
  c.fallback_tls.client_cert_file = "/fb/gw.pem";
  c.fallback_tls.client_key_file = "/fb/gw.key";
  EXPECT_EQ(ResolveClientTls(c, TlsTarget::kOtel).ca_file, "/otel/ca.pem");
  EXPECT_EQ(ResolveClientTls(c, TlsTarget::kL3).ca_file, "/site/ca.pem");
  ClientTlsSettings fb = ResolveClientTls(c, TlsTarget::kFallback);
  EXPECT_EQ(fb.client_cert_file, "/fb/gw.pem");
  EXPECT_EQ(fb.client_key_file, "/fb/gw.key");
  EXPECT_EQ(ResolveClientTls(c, TlsTarget::kL3).client_key_file, "/site/gw.key");
}

TEST(ClientTlsTest, InsecureIsPerDestinationAndNamedInTheDescription) {
  Config c = Base();
  c.layer2_tls.insecure = true;
  EXPECT_FALSE(ResolveClientTls(c, TlsTarget::kL3).insecure);
  ClientTlsSettings l2 = ResolveClientTls(c, TlsTarget::kL2Sidecar);
  EXPECT_EQ(DescribeTrust(l2), "NONE (verification off: ISARTOR__LAYER2__TLS_INSECURE)");
}

TEST(ClientTlsTest, InsecureIsRefusedOfflineUnlessTheDestinationIsLoopback) {
  ClientTlsSettings s;
  s.insecure = true;
  s.insecure_variable = "ISARTOR__L3_TLS_INSECURE";
  Endpoint remote = ParseEndpoint("https://vllm.internal:8443/v1").value();
  Status refused = CheckInsecureAllowed(true, remote, s, "L3 upstream");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("ISARTOR__L3_TLS_INSECURE"), std::string::npos);
  EXPECT_TRUE(CheckInsecureAllowed(false, remote, s, "L3 upstream").ok());
  for (const char* url : {"https://127.0.0.1:9/v1", "https://localhost/v1", "https://[::1]/v1"}) {
    EXPECT_TRUE(CheckInsecureAllowed(true, ParseEndpoint(url).value(), s, "L3").ok()) << url;
  }
}

TEST(ClientTlsTest, ContextVerifiesPeersAgainstTheBundleWithTls12AtLeast) {
  std::string dir = ::testing::TempDir() + "/client_tls_test-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  testing::TestPki pki(dir);
  ClientTlsSettings s;
  s.ca_file = pki.ca_file();
  s.add_system_store = false;
  auto ctx = BuildClientTlsContext(s);
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;
  SSL_CTX* native = (*ctx)->native_handle();
  EXPECT_EQ(SSL_CTX_get_verify_mode(native), SSL_VERIFY_PEER);
  EXPECT_EQ(SSL_CTX_get_min_proto_version(native), TLS1_2_VERSION);
  auto client = pki.Issue("gw-client", {"URI:spiffe://site/gw"});
  s.client_cert_file = client.cert;
  s.client_key_file = client.key;
  EXPECT_TRUE(BuildClientTlsContext(s).ok());
  s.ca_file = dir + "/missing-ca.pem";
  auto missing = BuildClientTlsContext(s);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("missing-ca.pem"), std::string::npos);
}

}  // namespace
}  // namespace isartor
