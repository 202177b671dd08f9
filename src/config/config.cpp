#include "config/config.h"
#include "config/tls_vars.h"
#include "config/var_adapters.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

extern char** environ;

namespace isartor {
namespace {
using namespace config_detail;  // NOLINT: the adapters are this file's vocabulary

std::vector<ConfigVar> BuildVars() {
  std::vector<ConfigVar> v;
  v.push_back(Str("ISARTOR__HOST_PORT", "host_port", &Config::host_port, "127.0.0.1:8080",
                  "Address and port the gateway listens on (host:port, [v6]:port)."));
  v.push_back(Num<int>("ISARTOR__THREADS", "threads", &Config::threads, "0",
                       "I/O threads; 0 means one per core.", 0, 256));
  v.push_back(Str("ISARTOR__GATEWAY_API_KEY", "gateway_api_key", &Config::gateway_api_key, "",
                  "Key clients must present (Authorization: Bearer or x-api-key). Empty = no "
                  "gateway auth, which is only allowed on a loopback address.", true));
  v.push_back(Bool("ISARTOR__ALLOW_UNAUTHENTICATED_BIND", "allow_unauthenticated_bind",
                   &Config::allow_unauthenticated_bind, "false",
                   "Allow binding a non-loopback address without a gateway key."));
  v.push_back(Num<std::size_t>("ISARTOR__MAX_BODY_BYTES", "max_body_bytes", &Config::max_body_bytes,
                               "8388608", "Largest request body accepted; larger gets 413.",
                               1024, std::size_t{1} << 31));
  v.push_back(Num<int>("ISARTOR__HEADER_TIMEOUT_SECS", "header_timeout_secs",
                       &Config::header_timeout_secs, "30",
                       "Time a client has to send the request headers (also keep-alive idle).",
                       1, 3600));
  v.push_back(Num<int>("ISARTOR__BODY_TIMEOUT_SECS", "body_timeout_secs",
                       &Config::body_timeout_secs, "60", "Time a client has to send the body.",
                       1, 3600));
  v.push_back(Num<int>("ISARTOR__DRAIN_TIMEOUT_SECS", "drain_timeout_secs",
                       &Config::drain_timeout_secs, "30",
                       "On SIGTERM, how long in-flight requests and streams may take to finish.",
                       0, 3600));
  AddTlsVars(v);
  v.push_back(OneOf("ISARTOR__CACHE_MODE", "cache_mode", &Config::cache_mode, "both",
                    "Which caches run: exact (L1a), semantic (L1b) or both.",
                    {"exact", "semantic", "both"}));
  v.push_back(Num<std::size_t>("ISARTOR__CACHE_MAX_CAPACITY", "cache_max_capacity",
                               &Config::cache_max_capacity, "10000",
                               "Most entries each cache layer holds (LRU eviction).", 1,
                               std::size_t{1} << 30));
  v.push_back(Num<std::size_t>("ISARTOR__CACHE_MAX_BYTES", "cache_max_bytes",
                               &Config::cache_max_bytes, "268435456",
                               "Most bytes of answers the exact cache holds (LRU eviction).",
                               1024, std::size_t{1} << 40));
  v.push_back(Num<int>("ISARTOR__CACHE_TTL_SECS", "cache_ttl_secs", &Config::cache_ttl_secs, "300",
                       "Seconds a cached answer stays valid.", 1, 365 * 86400));
  v.push_back(Num<double>("ISARTOR__SIMILARITY_THRESHOLD", "similarity_threshold",
                          &Config::similarity_threshold, "0.8",
                          "L1b recall: the cosine similarity a cached prompt needs to be a "
                          "candidate for the verifier (with the verifier off, the hit threshold). "
                          "Lower values let more paraphrases and more traps reach the verifier "
                          "(measured: bench/results/semantic_cache.md).", 0.0, 1.0));
  v.push_back(Bool("ISARTOR__SEMANTIC_VERIFIER", "semantic_verifier", &Config::semantic_verifier,
                   "true",
                   "Run the L1b verifier (a compiled-in pair classifier) on each recalled "
                   "candidate; false = cosine threshold and lexical veto only."));
  v.push_back(Num<double>("ISARTOR__SEMANTIC_VERIFIER_THRESHOLD", "semantic_verifier_threshold",
                          &Config::semantic_verifier_threshold, "0.7",
                          "The verifier score (estimated probability that the cached answer "
                          "answers the prompt) an L1b hit needs. Higher = fewer wrong answers and "
                          "fewer hits (measured: bench/results/semantic_cache.md).", 0.0, 1.0));
  v.push_back(Bool("ISARTOR__SEMANTIC_LEXICAL_VETO", "semantic_lexical_veto",
                   &Config::semantic_lexical_veto, "true",
                   "Any lexical difference (numbers, dates, units, negation, entities, "
                   "opposites, order) vetoes an L1b candidate before the verifier sees it."));
  v.push_back(Num<std::size_t>(
      "ISARTOR__SEMANTIC_EF_SEARCH", "semantic_ef_search", &Config::semantic_ef_search, "32",
      "How wide an L1b graph search is (HNSW ef; partitions over 512 entries). Wider finds more "
      "near neighbours in large, diverse partitions and costs time (measured: "
      "bench/results/semantic_cache.md).",
      1, 4096));
  v.push_back(Str("ISARTOR__EMBEDDING_MODEL_DIR", "embedding_model_dir",
                  &Config::embedding_model_dir, "",
                  "Folder with the MiniLM model files; empty = embedded copy, then ./models."));
  v.push_back(Bool("ISARTOR__LOCAL_EMBEDDINGS", "local_embeddings", &Config::local_embeddings,
                   "true",
                   "Serve POST /v1/embeddings for model all-MiniLM-L6-v2 in process (the vectors "
                   "of `isartor embed`); other model names go to the L3 upstream."));
  v.push_back(Num<std::size_t>("ISARTOR__EMBEDDINGS_MAX_INPUTS", "embeddings_max_inputs",
                               &Config::embeddings_max_inputs, "256",
                               "Most texts in one local /v1/embeddings request (more gets 400).",
                               1, 65536));
  v.push_back(Num<std::size_t>("ISARTOR__EMBEDDINGS_MAX_INPUT_BYTES", "embeddings_max_input_bytes",
                               &Config::embeddings_max_input_bytes, "16384",
                               "Longest text accepted by the local /v1/embeddings (more gets 400; "
                               "the model reads the first 256 tokens of any text).",
                               16, std::size_t{1} << 24));
  v.push_back(Bool("ISARTOR__ENABLE_SLM_ROUTER", "enable_slm_router", &Config::enable_slm_router,
                   "false", "Answer simple prompts with a local small model (L2)."));
  v.push_back(Str("ISARTOR__LAYER2__SIDECAR_URL", "layer2.sidecar_url",
                  &Config::layer2_sidecar_url, "http://127.0.0.1:8081/v1",
                  "OpenAI-compatible base URL of the local model server (L2)."));
  v.push_back(Str("ISARTOR__LAYER2__MODEL_NAME", "layer2.model_name", &Config::layer2_model_name,
                  "gemma-3-270m", "Model name sent to the L2 server."));
  v.push_back(Num<int>("ISARTOR__LAYER2__TIMEOUT_SECONDS", "layer2.timeout_seconds",
                       &Config::layer2_timeout_seconds, "10", "L2 request timeout.", 1, 600));
  v.push_back(Num<int>("ISARTOR__LAYER2__MAX_ANSWER_TOKENS", "layer2.max_answer_tokens",
                       &Config::layer2_max_answer_tokens, "256", "Longest L2 answer.", 1, 32768));
  v.push_back(List("ISARTOR__LAYER2__STOP_SEQUENCES", "layer2.stop_sequences",
                   &Config::layer2_stop_sequences, "",
                   "Comma-separated stop strings added to every L2 request, for a local model "
                   "whose chat template does not end its turn (e.g. ### for alpaca)."));
  v.push_back(OneOf("ISARTOR__LLM_PROVIDER", "llm_provider", &Config::llm_provider, "openai",
                    "Dialect of the L3 upstream: openai (any OpenAI-compatible server: vLLM, TGI, "
                    "llama.cpp, Ollama) or anthropic.", {"openai", "anthropic"}));
  v.push_back(OneOf("ISARTOR__LLM_RESPONSES_API", "llm_responses_api", &Config::llm_responses_api,
                    "auto",
                    "Whether the L3 upstream also serves the OpenAI Responses API (POST "
                    "<base>/responses): true = /v1/responses requests are passed through "
                    "byte-faithfully; false = they are translated to chat completions (or to "
                    "Anthropic messages). auto = true only for the public OpenAI API; vLLM, "
                    "llama.cpp, TGI and Ollama get translation.",
                    {"auto", "true", "false"}));
  v.push_back(Str("ISARTOR__EXTERNAL_LLM_URL", "external_llm_url", &Config::external_llm_url, "",
                  "L3 base URL, e.g. http://vllm.internal.corp:8000/v1. Empty = the provider's "
                  "public API (https://api.openai.com/v1 or https://api.anthropic.com/v1)."));
  v.push_back(Str("ISARTOR__EXTERNAL_LLM_MODEL", "external_llm_model",
                  &Config::external_llm_model, "gpt-4o-mini",
                  "Model passed to the L3 upstream when the request names none."));
  v.push_back(Str("ISARTOR__EXTERNAL_LLM_API_KEY", "external_llm_api_key",
                  &Config::external_llm_api_key, "",
                  "Key sent to the L3 upstream. Empty = the client's own key is passed through.",
                  true));
  v.push_back(Num<int>("ISARTOR__L3_TIMEOUT_SECS", "l3_timeout_secs", &Config::l3_timeout_secs,
                       "120", "Upstream deadline: first byte, and idle gap between chunks.", 1,
                       3600));
  v.push_back(Num<int>("ISARTOR__L3_CONNECT_TIMEOUT_SECS", "l3_connect_timeout_secs",
                       &Config::l3_connect_timeout_secs, "5", "Upstream connect deadline.", 1,
                       600));
  v.push_back(Num<int>("ISARTOR__L3_TOTAL_TIMEOUT_SECS", "l3_total_timeout_secs",
                       &Config::l3_total_timeout_secs, "600",
                       "Upstream deadline for one whole answer, first byte to last (a trickling "
                       "upstream is cut here; a stream already started ends with an error event).",
                       1, 86400));
  v.push_back(Num<std::size_t>("ISARTOR__L3_MAX_RESPONSE_BYTES", "l3_max_response_bytes",
                               &Config::l3_max_response_bytes, "67108864",
                               "Largest upstream answer, JSON or a whole stream; larger is a 502 "
                               "(or a stream ended with an error event) and never cached.",
                               4096, std::size_t{1} << 34));
  v.push_back(Num<int>("ISARTOR__L3_MAX_RETRIES", "l3_max_retries", &Config::l3_max_retries, "2",
                       "Retries per upstream for connect errors, connection resets, 429, 502, "
                       "503, 504 (only before the first byte reached the client; then the next "
                       "fallback). See docs/hardening.md for the whole fault policy.", 0, 10));
  v.push_back({"ISARTOR__FALLBACK_PROVIDERS", "fallback_providers", "",
               "Ordered fallbacks tried after the primary fails: comma-separated "
               "provider@base_url[@API_KEY_ENV_VAR], e.g. openai@http://10.0.0.7:8000/v1. "
               "provider is openai, anthropic, or openai-responses (an OpenAI-compatible "
               "server that also serves the Responses API: /v1/responses passes through).",
               false,
               [](Config& c, const std::string& text) {
                 c.fallback_providers.clear();
                 for (const auto& item : SplitList(text)) {
                   auto at = item.find('@');
                   if (at == std::string::npos) return "entry '" + item + "' is not provider@url";
                   FallbackProvider fp;
                   fp.provider = item.substr(0, at);
                   std::string rest = item.substr(at + 1);
                   auto at2 = rest.rfind('@');
                   if (at2 != std::string::npos && rest.find("://") < at2 &&
                       rest.find('/', rest.find("://") + 3) < at2) {
                     const char* key = std::getenv(rest.substr(at2 + 1).c_str());
                     fp.api_key = key ? key : "";
                     rest = rest.substr(0, at2);
                   }
                   fp.url = rest;
                   if (fp.provider == "openai-responses") {
                     fp.provider = "openai";
                     fp.responses_api = true;
                   }
                   if (fp.provider != "openai" && fp.provider != "anthropic") {
                     return "entry '" + item +
                            "': provider must be openai, anthropic or openai-responses";
                   }
                   c.fallback_providers.push_back(fp);
                 }
                 return std::string();
               },
               [](const Config& c) {
                 std::vector<std::string> items;
                 for (const auto& fp : c.fallback_providers) {
                   items.push_back((fp.responses_api ? "openai-responses" : fp.provider) + "@" + fp.url);
                 }
                 return JoinList(items);
               }});
  v.push_back({"ISARTOR__MODEL_ALIASES", "model_aliases", "",
               "Model aliases applied before caching and routing: alias=model,alias2=model2.", false,
               [](Config& c, const std::string& text) {
                 c.model_aliases.clear();
                 for (const auto& item : SplitList(text)) {
                   auto eq = item.find('=');
                   if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
                     return "entry '" + item + "' is not alias=model";
                   }
                   c.model_aliases[Trim(item.substr(0, eq))] = Trim(item.substr(eq + 1));
                 }
                 return std::string();
               },
               [](const Config& c) {
                 std::vector<std::string> items;
                 for (const auto& [a, m] : c.model_aliases) items.push_back(a + "=" + m);
                 return JoinList(items);
               }});
  v.push_back(Num<int>("ISARTOR__ANTHROPIC_DEFAULT_MAX_TOKENS", "anthropic_default_max_tokens",
                       &Config::anthropic_default_max_tokens, "4096",
                       "max_tokens sent to an Anthropic upstream when an OpenAI client set none.",
                       1, 1 << 20));
  AddOutboundTlsDefaults(v);
  v.push_back(Bool("ISARTOR__OFFLINE_MODE", "offline_mode", &Config::offline_mode, "false",
                   "Enable air-gap mode: only internal destinations may be reached. Blocks L3 "
                   "cloud calls; an internal L3 keeps working."));
  v.push_back(List("ISARTOR__INTERNAL_NETWORKS", "internal_networks", &Config::internal_networks,
                   "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7",
                   "CIDR blocks counted as internal in offline mode."));
  v.push_back(List("ISARTOR__INTERNAL_DOMAINS", "internal_domains", &Config::internal_domains,
                   "localhost,.internal,.corp,.lan,.local,.svc,.cluster.local",
                   "Host-name suffixes counted as internal in offline mode (their resolved "
                   "addresses must also be internal)."));
  v.push_back(Str("ISARTOR__LICENSE_KEY", "license_key", &Config::license_key, "",
                  "License token, checked offline (HMAC).", true));
  v.push_back(Bool("ISARTOR__ENABLE_MONITORING", "enable_monitoring", &Config::enable_monitoring,
                   "false", "Export OpenTelemetry traces."));
  v.push_back(Str("ISARTOR__OTEL_EXPORTER_ENDPOINT", "otel_exporter_endpoint",
                  &Config::otel_exporter_endpoint, "http://localhost:4317",
                  "OTel collector endpoint. External URLs are suppressed in offline mode."));
  v.push_back(OneOf("ISARTOR__LOG_LEVEL", "log_level", &Config::log_level, "info",
                    "Diagnostics on stderr: debug, info, warn, error.",
                    {"debug", "info", "warn", "error"}));
  v.push_back(Str("ISARTOR__AUDIT_LOG_PATH", "audit_log_path", &Config::audit_log_path, "",
                  "Signed, hash-chained audit log file; empty = audit events on stdout only."));
  v.push_back(Str("ISARTOR__AUDIT_SIGNING_KEY_FILE", "audit_signing_key_file",
                  &Config::audit_signing_key_file, "",
                  "Ed25519 private key (PEM) signing audit checkpoints."));
  v.push_back(Bool("ISARTOR__AUDIT_INCLUDE_CONTENT", "audit_include_content",
                   &Config::audit_include_content, "false",
                   "Put prompt and answer text in audit events (otherwise SHA-256 only)."));
  v.push_back(OneOf("ISARTOR__AUDIT_FSYNC", "audit_fsync", &Config::audit_fsync, "checkpoint",
                    "When the audit log is fsynced: checkpoint, always or never.",
                    {"checkpoint", "always", "never"}));
  v.push_back(Num<uint64_t>("ISARTOR__AUDIT_CHECKPOINT_EVERY", "audit_checkpoint_every",
                            &Config::audit_checkpoint_every, "100",
                            "Signed checkpoint every N audit events (also every 10 s and at "
                            "shutdown).", 1, 1000000));
  v.push_back(Num<uint64_t>("ISARTOR__AUDIT_ROTATE_BYTES", "audit_rotate_bytes",
                            &Config::audit_rotate_bytes, "0",
                            "Rotate the audit log past this size (0 = never); the hash chain "
                            "continues across files.", 0, uint64_t{1} << 40));
  return v;
}

std::string ReadSecretFile(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read " + path;
    return "";
  }
  std::stringstream buf;
  buf << in.rdbuf();
  std::string s = buf.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

void ApplyToml(const std::string& path, Config& config, std::vector<std::string>& problems) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << path << ": " << e.description() << " at line " << e.source().begin.line;
    problems.push_back(msg.str());
    return;
  }
  for (const auto& var : ConfigVars()) {
    auto node = table.at_path(var.toml_key);
    if (!node) continue;
    // Exact type checks: toml++'s value<T>() converts between kinds (an integer reads as bool).
    std::string text;
    if (node.is_string()) {
      text = *node.value<std::string>();
    } else if (node.is_boolean()) {
      text = *node.value<bool>() ? "true" : "false";
    } else if (node.is_integer()) {
      text = std::to_string(*node.value<int64_t>());
    } else if (node.is_floating_point()) {
      text = std::to_string(*node.value<double>());
    } else if (auto arr = node.as_array()) {
      std::vector<std::string> items;
      for (auto& item : *arr) items.push_back(item.value_or<std::string>(""));
      text = JoinList(items);
    } else {
      problems.push_back(path + ": " + var.toml_key + ": unsupported value type");
      continue;
    }
    if (auto err = var.apply(config, text); !err.empty()) {
      problems.push_back(path + ": " + var.toml_key + ": " + err);
    }
  }
}

}  // namespace

const std::vector<ConfigVar>& ConfigVars() {
  static const std::vector<ConfigVar> vars = BuildVars();
  return vars;
}

std::string ReadEnvVar(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v ? std::string(v) : std::string();
}

std::map<std::string, std::string> ReadIsartorEnv() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    if (entry.rfind("ISARTOR__", 0) != 0) continue;
    auto eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return env;
}

Result<Config> LoadConfig(const ConfigSources& sources) {
  Config config;
  std::vector<std::string> problems;
  std::string toml_path = sources.toml_path;
  if (!toml_path.empty()) {
    if (!std::ifstream(toml_path)) problems.push_back("config file " + toml_path + " not found");
    else ApplyToml(toml_path, config, problems);
  }
  std::map<std::string, bool> known;
  for (const auto* layer : {&sources.env, &sources.flags}) {
    for (const auto& var : ConfigVars()) {
      known[var.env] = true;
      std::string value;
      bool present = false;
      if (auto it = layer->find(var.env); it != layer->end()) {
        value = it->second;
        present = true;
      }
      if (var.secret) {
        known[var.env + "_FILE"] = true;
        if (auto it = layer->find(var.env + "_FILE"); it != layer->end() && !present) {
          std::string error;
          value = ReadSecretFile(it->second, &error);
          if (!error.empty()) problems.push_back(var.env + "_FILE: " + error);
          present = error.empty();
        }
      }
      if (!present) continue;
      if (auto err = var.apply(config, value); !err.empty()) {
        problems.push_back(var.env + ": " + err);
      }
    }
  }
  for (const auto& [name, value] : sources.env) {
    if (!known.count(name)) problems.push_back(name + ": unknown variable (typo?)");
  }
  CheckTlsCombinations(config, problems);
  if (config.offline_mode && config.enable_slm_router && config.layer2_sidecar_url.empty()) {
    problems.push_back("ISARTOR__LAYER2__SIDECAR_URL: required when the SLM router is enabled");
  }
  if (!problems.empty()) {
    std::string msg;
    for (const auto& p : problems) msg += p + "\n";
    return MakeError(ErrorCode::kInvalidArgument, msg);
  }
  return config;
}

std::string Config::EffectiveL3Url() const {
  if (!external_llm_url.empty()) return external_llm_url;
  return llm_provider == "anthropic" ? "https://api.anthropic.com/v1" : "https://api.openai.com/v1";
}

bool Config::L3SpeaksResponses() const {
  if (llm_provider != "openai") return false;
  if (llm_responses_api != "auto") return llm_responses_api == "true";
  std::string url = EffectiveL3Url();
  return url.rfind("https://api.openai.com/", 0) == 0 || url == "https://api.openai.com";
}

std::string Config::ResolveModel(const std::string& requested) const {
  if (requested.empty()) return external_llm_model;
  auto it = model_aliases.find(requested);
  return it == model_aliases.end() ? requested : it->second;
}

std::string RenderEffectiveConfig(const Config& config) {
  std::string out;
  for (const auto& var : ConfigVars()) {
    std::string value = var.get(config);
    if (var.secret && !value.empty()) value = "****(set)";
    out += var.env + "=" + value + "\n";
  }
  return out;
}

std::string RenderConfigReferenceMarkdown() {
  std::string out =
      "# Configuration reference\n\n"
      "Generated from the variable table in `src/config/config.cpp` by "
      "`isartor config --reference`; a test fails if this file drifts from the code.\n\n"
      "Precedence: command-line flags > environment > `isartor.toml` (or `--config FILE`) > "
      "defaults. In TOML, use the key in the second column (a dot is a table).\n"
      "Secrets can also be read from a file: set the variable name with `_FILE` appended.\n\n"
      "| Variable | TOML key | Default | Description |\n|---|---|---|---|\n";
  for (const auto& var : ConfigVars()) {
    std::string def = var.default_text.empty() ? "—" : "`" + var.default_text + "`";
    std::string desc = var.description + (var.secret ? " Secret (also `" + var.env + "_FILE`)." : "");
    out += "| `" + var.env + "` | `" + var.toml_key + "` | " + def + " | " + desc + " |\n";
  }
  return out;
}

}  // namespace isartor
