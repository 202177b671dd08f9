// The gateway's configuration: one immutable value built once at start from defaults, an
// optional TOML file, ISARTOR__* environment variables and command-line flags (in increasing
// precedence). Every variable is declared once in the table returned by ConfigVars(); the docs
// (docs/configuration.md) are generated from that table and a test fails if they drift.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/defaults.h"

namespace isartor {

struct FallbackProvider {
  std::string provider;  // "openai" | "anthropic"
  std::string url;       // base URL, e.g. http://10.0.0.5:8000/v1
  std::string api_key;   // may be empty
  bool responses_api = false;  // also serves POST /responses (provider "openai-responses")
};

// TLS settings of one outbound destination group; empty fields fall back to the
// ISARTOR__UPSTREAM_* defaults (see upstream/client_tls.h for how they combine).
struct OutboundTls {
  std::string ca_file;           // PEM bundle verifying this destination
  std::string client_cert_file;  // PEM chain presented for mTLS (with client_key_file)
  std::string client_key_file;   // PEM key, unencrypted
  bool insecure = false;         // verification off: loudly logged, refused offline unless loopback
};

struct Config {
  // Server
  std::string host_port = "127.0.0.1:8080";
  int threads = 0;  // 0 = number of cores
  std::string gateway_api_key;
  bool allow_unauthenticated_bind = false;
  std::size_t max_body_bytes = 8u << 20;
  int header_timeout_secs = 30;
  int body_timeout_secs = 60;
  int drain_timeout_secs = 30;
  // TLS listener (HTTPS when cert and key are set)
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_key_passphrase;
  std::string tls_client_ca_file;  // set: client certificates required (mTLS)
  bool tls_client_cert_tenant = false;
  std::string tls_min_version = "1.2";
  int tls_handshake_timeout_secs = 10;
  // Outbound TLS: defaults, then per destination group
  std::string upstream_ca_file;
  std::string upstream_ca_mode = "replace";  // replace | add (to the system store)
  std::string upstream_client_cert_file;
  std::string upstream_client_key_file;
  OutboundTls l3_tls;
  OutboundTls fallback_tls;
  OutboundTls layer2_tls;
  OutboundTls otel_tls;
  // Caches
  std::string cache_mode = "both";  // exact | semantic | both
  std::size_t cache_max_capacity = defaults::kCacheMaxCapacity;
  std::size_t cache_max_bytes = defaults::kCacheMaxBytes;
  int cache_ttl_secs = defaults::kCacheTtlSecs;
  double similarity_threshold = defaults::kSimilarityThreshold;
  std::size_t semantic_ef_search = defaults::kSemanticEfSearch;
  bool semantic_verifier = true;
  double semantic_verifier_threshold = defaults::kSemanticVerifierThreshold;
  bool semantic_lexical_veto = true;
  std::string embedding_model_dir;
  // Local /v1/embeddings
  bool local_embeddings = true;
  std::size_t embeddings_max_inputs = 256;
  std::size_t embeddings_max_input_bytes = 16384;
  // L2
  bool enable_slm_router = false;
  std::string layer2_sidecar_url = "http://127.0.0.1:8081/v1";
  std::string layer2_model_name = "gemma-3-270m";
  int layer2_timeout_seconds = 10;
  int layer2_max_answer_tokens = 256;
  std::vector<std::string> layer2_stop_sequences;
  // L3
  std::string llm_provider = "openai";
  std::string llm_responses_api = "auto";  // auto | true | false: upstream serves /responses
  std::string external_llm_url;  // empty = the provider's public endpoint
  std::string external_llm_model = "gpt-4o-mini";
  std::string external_llm_api_key;
  int l3_timeout_secs = 120;
  int l3_connect_timeout_secs = 5;
  int l3_max_retries = 2;
  int l3_total_timeout_secs = 600;
  std::size_t l3_max_response_bytes = 64u << 20;
  std::vector<FallbackProvider> fallback_providers;
  std::map<std::string, std::string> model_aliases;
  int anthropic_default_max_tokens = 4096;
  // Air gap
  bool offline_mode = false;
  std::vector<std::string> internal_networks = {"127.0.0.0/8", "::1/128", "10.0.0.0/8",
                                                "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"};
  std::vector<std::string> internal_domains = {"localhost", ".internal", ".corp", ".lan",
                                               ".local", ".svc", ".cluster.local"};
  std::string license_key;
  // Observability
  bool enable_monitoring = false;
  std::string otel_exporter_endpoint = "http://localhost:4317";
  std::string log_level = "info";
  std::string audit_log_path;
  std::string audit_signing_key_file;
  bool audit_include_content = false;
  std::string audit_fsync = "checkpoint";
  uint64_t audit_checkpoint_every = 100;
  uint64_t audit_rotate_bytes = 0;

  // The L3 base URL actually used: external_llm_url, or the provider's public default.
  std::string EffectiveL3Url() const;
  // The L3 primary serves the Responses API (llm_responses_api, resolved for auto).
  bool L3SpeaksResponses() const;
  bool ListenerTls() const { return !tls_cert_file.empty(); }
  std::string ResolveModel(const std::string& requested) const;
};

// One declared variable. `apply` parses a textual value into the config; it returns an error
// message (empty on success). `get` renders the current value (secrets are masked by callers).
struct ConfigVar {
  std::string env;          // ISARTOR__HOST_PORT
  std::string toml_key;     // host_port, or layer2.sidecar_url
  std::string default_text;
  std::string description;
  bool secret = false;
  std::function<std::string(Config&, const std::string&)> apply;
  std::function<std::string(const Config&)> get;
};

// The single table of every variable the code reads. Stable order (the docs use it).
const std::vector<ConfigVar>& ConfigVars();

struct ConfigSources {
  std::string toml_path;                        // empty = no file (the CLI defaults to ./isartor.toml)
  std::map<std::string, std::string> env;       // ISARTOR__* only
  std::map<std::string, std::string> flags;     // env-style names -> value, highest precedence
};

// Builds the config. On failure the error message lists every problem found, one per line.
Result<Config> LoadConfig(const ConfigSources& sources);

// Reads ISARTOR__* from the process environment (the only place that calls getenv for config).
std::map<std::string, std::string> ReadIsartorEnv();
// One variable of the process environment, "" when unset (an EnvLookup for the commands that
// read variables outside the config table: HOME, the license key for `license show`).
std::string ReadEnvVar(const std::string& name);

// `isartor config`: KEY=value lines, secrets masked.
std::string RenderEffectiveConfig(const Config& config);

// docs/configuration.md, generated from ConfigVars().
std::string RenderConfigReferenceMarkdown();

}  // namespace isartor
