#include "connect/client_config.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <toml++/toml.h>

namespace isartor::connect {
namespace {

namespace json = boost::json;

ConnectOptions Options() {
  ConnectOptions o;
  o.gateway_url = "http://127.0.0.1:8080";
  return o;
}

TEST(MergeClaudeSettingsTest, ANewFileGetsTheGatewayEnv) {
  auto out = MergeClaudeSettings("", Options());
  ASSERT_TRUE(out.ok()) << out.error().message;
  json::object s = json::parse(*out).as_object();
  const json::object& env = s.at("env").as_object();
  EXPECT_EQ(env.at("ANTHROPIC_BASE_URL"), "http://127.0.0.1:8080");
  EXPECT_EQ(env.at("ANTHROPIC_AUTH_TOKEN"), "isartor");
  EXPECT_EQ(env.at("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"), "1");
  EXPECT_FALSE(env.contains("ANTHROPIC_MODEL"));
  EXPECT_FALSE(env.contains("CLAUDE_CODE_MAX_OUTPUT_TOKENS"));
}

TEST(MergeClaudeSettingsTest, UserKeysInsideAndOutsideEnvAreKept) {
  ConnectOptions o = Options();
  o.model = "gemma-3-270m";
  o.max_output_tokens = 4096;
  o.api_key = "k1";
  auto out = MergeClaudeSettings(R"json({"theme":"dark","permissions":{"allow":["Bash(ls)"]},
      "env":{"MY_VAR":"x","ANTHROPIC_BASE_URL":"https://old"}})json", o);
  ASSERT_TRUE(out.ok()) << out.error().message;
  json::object s = json::parse(*out).as_object();
  EXPECT_EQ(s.at("theme"), "dark");
  EXPECT_EQ(s.at("permissions").at("allow").as_array()[0], "Bash(ls)");
  const json::object& env = s.at("env").as_object();
  EXPECT_EQ(env.at("MY_VAR"), "x");
  EXPECT_EQ(env.at("ANTHROPIC_BASE_URL"), "http://127.0.0.1:8080");
  EXPECT_EQ(env.at("ANTHROPIC_AUTH_TOKEN"), "k1");
  EXPECT_EQ(env.at("ANTHROPIC_MODEL"), "gemma-3-270m");
  EXPECT_EQ(env.at("ANTHROPIC_DEFAULT_HAIKU_MODEL"), "gemma-3-270m");
  EXPECT_EQ(env.at("CLAUDE_CODE_MAX_OUTPUT_TOKENS"), "4096");
}

TEST(MergeClaudeSettingsTest, RefusesFilesItCannotMergeInto) {
  auto bad = MergeClaudeSettings("{\"theme\": ", Options());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("not valid JSON"), std::string::npos);
  EXPECT_FALSE(MergeClaudeSettings("[1,2]", Options()).ok());
  auto env = MergeClaudeSettings(R"({"env":"nope"})", Options());
  ASSERT_FALSE(env.ok());
  EXPECT_NE(env.error().message.find("\"env\""), std::string::npos);
}

TEST(MergeCodexConfigTest, AddsTheProviderAndKeepsOtherSettings) {
  ConnectOptions o = Options();
  o.api_key = "k";
  auto out = MergeCodexConfig(
      "approval_policy = \"never\"\n[model_providers.other]\nbase_url = \"http://x\"\n", o);
  ASSERT_TRUE(out.ok()) << out.error().message;
  toml::table t = toml::parse(*out);
  EXPECT_EQ(t["approval_policy"].value<std::string>(), "never");
  EXPECT_EQ(t["model_provider"].value<std::string>(), "isartor");
  EXPECT_EQ(t["model_providers"]["other"]["base_url"].value<std::string>(), "http://x");
  EXPECT_EQ(t["model_providers"]["isartor"]["base_url"].value<std::string>(),
            "http://127.0.0.1:8080/v1");
  EXPECT_EQ(t["model_providers"]["isartor"]["wire_api"].value<std::string>(), "responses");
  EXPECT_EQ(t["model_providers"]["isartor"]["env_key"].value<std::string>(), "ISARTOR_API_KEY");
}

TEST(MergeCodexConfigTest, RefusesInvalidToml) {
  auto bad = MergeCodexConfig("model = = 3\n", Options());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("not valid TOML"), std::string::npos);
  EXPECT_FALSE(MergeCodexConfig("model_providers = 3\n", Options()).ok());
}

TEST(GenericEnvFileTest, ExportsBothSdkBaseUrlsQuoted) {
  ConnectOptions o = Options();
  o.api_key = "it's";
  std::string env = GenericEnvFile(o);
  EXPECT_NE(env.find("export OPENAI_BASE_URL='http://127.0.0.1:8080/v1'\n"), std::string::npos);
  EXPECT_NE(env.find("export ANTHROPIC_BASE_URL='http://127.0.0.1:8080'\n"), std::string::npos);
  EXPECT_NE(env.find("export OPENAI_API_KEY='it'\\''s'\n"), std::string::npos);
}

}  // namespace
}  // namespace isartor::connect
