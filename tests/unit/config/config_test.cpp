#include "config/config.h"
#include "layers/l1a_exact/exact_cache.h"
#include "layers/l1b_semantic/semantic_cache_layer.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace isartor {
namespace {

TEST(ConfigTest, DefaultsMatchTheDocumentedValues) {
  auto c = LoadConfig({}).value();
  EXPECT_EQ(c.host_port, "127.0.0.1:8080");
  EXPECT_EQ(c.max_body_bytes, 8u << 20);
  EXPECT_EQ(c.cache_max_capacity, 10000u);
  EXPECT_EQ(c.cache_ttl_secs, 300);
  EXPECT_EQ(c.external_llm_model, "gpt-4o-mini");
  EXPECT_FALSE(c.offline_mode);
  EXPECT_EQ(c.EffectiveL3Url(), "https://api.openai.com/v1");
}

TEST(ConfigTest, EnvironmentOverridesFileAndFlagsOverrideEnvironment) {
  std::string path =
      ::testing::TempDir() + "/isartor_test-" + std::to_string(getpid()) + ".toml";
  std::ofstream(path) << "host_port = \"127.0.0.1:1111\"\ncache_ttl_secs = 7\n"
                         "[layer2]\nmodel_name = \"tiny\"\n";
  ConfigSources s;
  s.toml_path = path;
  s.env["ISARTOR__HOST_PORT"] = "127.0.0.1:2222";
  auto c = LoadConfig(s).value();
  EXPECT_EQ(c.host_port, "127.0.0.1:2222");
  EXPECT_EQ(c.cache_ttl_secs, 7);
  EXPECT_EQ(c.layer2_model_name, "tiny");
  s.flags["ISARTOR__HOST_PORT"] = "127.0.0.1:3333";
  EXPECT_EQ(LoadConfig(s).value().host_port, "127.0.0.1:3333");
}

TEST(ConfigTest, InvalidConfigListsEveryProblem) {
  ConfigSources s;
  s.env["ISARTOR__CACHE_TTL_SECS"] = "soon";
  s.env["ISARTOR__OFFLINE_MODE"] = "maybe";
  s.env["ISARTOR__CACHE_MODE"] = "fuzzy";
  s.env["ISARTOR__TYPO_VAR"] = "1";
  auto c = LoadConfig(s);
  ASSERT_FALSE(c.ok());
  for (const char* name : {"ISARTOR__CACHE_TTL_SECS", "ISARTOR__OFFLINE_MODE",
                           "ISARTOR__CACHE_MODE", "ISARTOR__TYPO_VAR"}) {
    EXPECT_NE(c.error().message.find(name), std::string::npos) << name;
  }
}

TEST(ConfigTest, SecretsCanComeFromFilesAndAreMasked) {
  std::string path = ::testing::TempDir() + "/isartor_key-" + std::to_string(getpid());
  std::ofstream(path) << "sk-secret\n";
  ConfigSources s;
  s.env["ISARTOR__EXTERNAL_LLM_API_KEY_FILE"] = path;
  auto c = LoadConfig(s).value();
  EXPECT_EQ(c.external_llm_api_key, "sk-secret");
  std::string rendered = RenderEffectiveConfig(c);
  EXPECT_EQ(rendered.find("sk-secret"), std::string::npos);
  EXPECT_NE(rendered.find("ISARTOR__EXTERNAL_LLM_API_KEY=****"), std::string::npos);
}

TEST(ConfigTest, AliasesAndDefaultModelResolve) {
  ConfigSources s;
  s.env["ISARTOR__MODEL_ALIASES"] = "fast=small-model, smart=big-model";
  auto c = LoadConfig(s).value();
  EXPECT_EQ(c.ResolveModel("fast"), "small-model");
  EXPECT_EQ(c.ResolveModel("other"), "other");
  EXPECT_EQ(c.ResolveModel(""), "gpt-4o-mini");
}

TEST(ConfigTest, FallbackProvidersParse) {
  ConfigSources s;
  s.env["ISARTOR__FALLBACK_PROVIDERS"] = "anthropic@http://10.0.0.7:9000/v1,openai@http://b.corp/v1";
  auto c = LoadConfig(s).value();
  ASSERT_EQ(c.fallback_providers.size(), 2u);
  EXPECT_EQ(c.fallback_providers[0].provider, "anthropic");
  EXPECT_EQ(c.fallback_providers[1].url, "http://b.corp/v1");
}

// The configuration reference in docs/ is generated from the table; they must not drift.
TEST(ConfigTest, ResponsesApiSupportIsAutoDetectedOnlyForThePublicOpenAIApi) {
  EXPECT_TRUE(LoadConfig({}).value().L3SpeaksResponses());
  ConfigSources s;
  s.env["ISARTOR__EXTERNAL_LLM_URL"] = "http://vllm.internal:8000/v1";
  EXPECT_FALSE(LoadConfig(s).value().L3SpeaksResponses());
  s.env["ISARTOR__LLM_RESPONSES_API"] = "true";
  EXPECT_TRUE(LoadConfig(s).value().L3SpeaksResponses());
  s.env["ISARTOR__LLM_PROVIDER"] = "anthropic";
  EXPECT_FALSE(LoadConfig(s).value().L3SpeaksResponses());
  s.env["ISARTOR__LLM_RESPONSES_API"] = "maybe";
  EXPECT_FALSE(LoadConfig(s).ok());
}

TEST(ConfigTest, OpenAIResponsesFallbacksSpeakTheOpenAIDialect) {
  ConfigSources s;
  s.env["ISARTOR__FALLBACK_PROVIDERS"] = "openai-responses@http://10.0.0.8:8000/v1,openai@http://b.corp/v1";
  auto c = LoadConfig(s).value();
  ASSERT_EQ(c.fallback_providers.size(), 2u);
  EXPECT_EQ(c.fallback_providers[0].provider, "openai");
  EXPECT_TRUE(c.fallback_providers[0].responses_api);
  EXPECT_FALSE(c.fallback_providers[1].responses_api);
}

TEST(ConfigTest, DocsReferenceMatchesTheVariableTable) {
  std::ifstream in(ISARTOR_SOURCE_DIR "/docs/configuration.md");
  ASSERT_TRUE(in) << "docs/configuration.md is missing; run: build/isartor config --reference > docs/configuration.md";
  std::stringstream doc;
  doc << in.rdbuf();
  EXPECT_EQ(doc.str(), RenderConfigReferenceMarkdown())
      << "regenerate with: build/isartor config --reference > docs/configuration.md";
}

}  // namespace
}  // namespace isartor

namespace isartor {
namespace {

// The generated reference (docs/configuration.md) prints each row's default_text; the gateway
// runs with the member's initializer. They must be the same value.
TEST(ConfigDefaultsTest, EveryDocumentedDefaultIsTheMembersDefault) {
  const Config defaults;
  int checked = 0;
  for (const ConfigVar& var : ConfigVars()) {
    ASSERT_TRUE(var.get) << var.env;
    EXPECT_EQ(var.get(defaults), var.default_text) << var.env;
    ++checked;
  }
  EXPECT_GT(checked, 50);
}

// The caches' own Options (used when a cache is built without a Config, e.g. in tests and
// benchmarks) start from the same defaults as the table.
TEST(ConfigDefaultsTest, CacheOptionsStartFromTheTablesDefaults) {
  const Config config;
  SemanticCacheLayer::Options semantic;
  EXPECT_FLOAT_EQ(semantic.threshold, static_cast<float>(config.similarity_threshold));
  EXPECT_EQ(semantic.index.max_entries, config.cache_max_capacity);
  EXPECT_EQ(semantic.index.ttl.count(), config.cache_ttl_secs);
  EXPECT_EQ(semantic.index.ef_search, config.semantic_ef_search);
  ExactCache::Options exact;
  EXPECT_EQ(exact.max_entries, config.cache_max_capacity);
  EXPECT_EQ(exact.max_bytes, config.cache_max_bytes);
  EXPECT_EQ(exact.ttl.count(), config.cache_ttl_secs);
}

}  // namespace
}  // namespace isartor
