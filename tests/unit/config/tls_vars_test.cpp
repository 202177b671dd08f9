#include "config/tls_vars.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>

namespace isartor {
namespace {

Result<Config> Load(std::map<std::string, std::string> env) {
  ConfigSources s;
  s.env = std::move(env);
  return LoadConfig(s);
}

void ExpectProblem(std::map<std::string, std::string> env, const std::string& needle) {
  auto c = Load(std::move(env));
  ASSERT_FALSE(c.ok()) << "expected a problem naming " << needle;
  EXPECT_NE(c.error().message.find(needle), std::string::npos) << c.error().message;
}

TEST(TlsVarsTest, PlainHttpAndTheSystemStoreAreTheDefaults) {
  Config c = Load({}).value();
  EXPECT_FALSE(c.ListenerTls());
  EXPECT_EQ(c.tls_min_version, "1.2");
  EXPECT_EQ(c.upstream_ca_mode, "replace");
  EXPECT_EQ(c.tls_handshake_timeout_secs, 10);
  EXPECT_FALSE(c.l3_tls.insecure);
}

TEST(TlsVarsTest, ACertificateWithoutItsKeyIsRefused) {
  ExpectProblem({{"ISARTOR__TLS_CERT_FILE", "/c.pem"}}, "set both or neither");
  ExpectProblem({{"ISARTOR__TLS_KEY_FILE", "/k.pem"}}, "ISARTOR__TLS_CERT_FILE");
}

TEST(TlsVarsTest, ClientCertificatesNeedATlsListener) {
  ExpectProblem({{"ISARTOR__TLS_CLIENT_CA_FILE", "/ca.pem"}}, "ISARTOR__TLS_CLIENT_CA_FILE");
}

TEST(TlsVarsTest, CertificateTenantsNeedVerifiedClientCertificates) {
  ExpectProblem({{"ISARTOR__TLS_CERT_FILE", "/c"}, {"ISARTOR__TLS_KEY_FILE", "/k"},
                 {"ISARTOR__TLS_CLIENT_CERT_TENANT", "true"}},
                "ISARTOR__TLS_CLIENT_CERT_TENANT");
}

TEST(TlsVarsTest, AnOutboundClientCertificateNeedsItsKeyInEveryGroup) {
  for (const char* prefix : {"ISARTOR__UPSTREAM_", "ISARTOR__L3_", "ISARTOR__FALLBACK_",
                             "ISARTOR__LAYER2__", "ISARTOR__OTEL_"}) {
    ExpectProblem({{std::string(prefix) + "CLIENT_CERT_FILE", "/c.pem"}},
                  std::string(prefix) + "CLIENT_KEY_FILE");
  }
}

TEST(TlsVarsTest, ModesAndVersionsOutsideTheirListsAreRefused) {
  ExpectProblem({{"ISARTOR__UPSTREAM_CA_MODE", "merge"}}, "ISARTOR__UPSTREAM_CA_MODE");
  ExpectProblem({{"ISARTOR__TLS_MIN_VERSION", "1.1"}}, "ISARTOR__TLS_MIN_VERSION");
  ExpectProblem({{"ISARTOR__L3_TLS_INSECURE", "sometimes"}}, "ISARTOR__L3_TLS_INSECURE");
}

TEST(TlsVarsTest, PerDestinationSettingsLandInTheirGroupFromEnvAndToml) {
  std::string path =
      ::testing::TempDir() + "/tls_vars_test-" + std::to_string(getpid()) + ".toml";
  std::ofstream(path) << "upstream_ca_file = \"/site/ca.pem\"\n"
                         "otel_ca_file = \"/otel/ca.pem\"\n"
                         "[layer2]\nca_file = \"/l2/ca.pem\"\ntls_insecure = true\n";
  ConfigSources s;
  s.toml_path = path;
  s.env["ISARTOR__FALLBACK_CA_FILE"] = "/fb/ca.pem";
  Config c = LoadConfig(s).value();
  EXPECT_EQ(c.upstream_ca_file, "/site/ca.pem");
  EXPECT_EQ(c.otel_tls.ca_file, "/otel/ca.pem");
  EXPECT_EQ(c.layer2_tls.ca_file, "/l2/ca.pem");
  EXPECT_TRUE(c.layer2_tls.insecure);
  EXPECT_EQ(c.fallback_tls.ca_file, "/fb/ca.pem");
  EXPECT_TRUE(c.l3_tls.ca_file.empty());
}

TEST(TlsVarsTest, TheKeyPassphraseIsASecretReadFromAFile) {
  std::string path = ::testing::TempDir() + "/tls_passphrase-" + std::to_string(getpid());
  std::ofstream(path) << "correct horse\n";
  Config c = Load({{"ISARTOR__TLS_KEY_PASSPHRASE_FILE", path}}).value();
  EXPECT_EQ(c.tls_key_passphrase, "correct horse");
  EXPECT_EQ(RenderEffectiveConfig(c).find("correct horse"), std::string::npos);
}

}  // namespace
}  // namespace isartor
