#include "connect/client_config.h"

#include <boost/json.hpp>
#include <sstream>
#include <toml++/toml.h>

namespace isartor::connect {
namespace {

namespace json = boost::json;

// Pretty JSON (two-space indent): settings.json is a file people edit by hand.
void Pretty(std::ostream& os, const json::value& v, int indent) {
  std::string pad(indent, ' ');
  std::string inner(indent + 2, ' ');
  if (const auto* o = v.if_object()) {
    if (o->empty()) {
      os << "{}";
      return;
    }
    os << "{\n";
    bool first = true;
    for (const auto& kv : *o) {
      if (!first) os << ",\n";
      first = false;
      os << inner << json::serialize(json::string(kv.key())) << ": ";
      Pretty(os, kv.value(), indent + 2);
    }
    os << "\n" << pad << "}";
  } else if (const auto* a = v.if_array()) {
    if (a->empty()) {
      os << "[]";
      return;
    }
    os << "[\n";
    for (std::size_t i = 0; i < a->size(); ++i) {
      if (i) os << ",\n";
      os << inner;
      Pretty(os, (*a)[i], indent + 2);
    }
    os << "\n" << pad << "]";
  } else {
    os << json::serialize(v);
  }
}

bool IsBlank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

}  // namespace

Result<std::string> MergeClaudeSettings(std::string_view existing, const ConnectOptions& options) {
  json::object settings;
  if (!IsBlank(existing)) {
    boost::system::error_code ec;
    json::value parsed = json::parse(existing, ec);
    if (ec) {
      return MakeError(ErrorCode::kInvalidArgument, "is not valid JSON (" + ec.message() + ")");
    }
    if (!parsed.is_object()) return MakeError(ErrorCode::kInvalidArgument, "is not a JSON object");
    settings = std::move(parsed.as_object());
  }
  json::value& env_value = settings["env"];
  if (env_value.is_null()) env_value = json::object();
  if (!env_value.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "has an \"env\" that is not an object");
  }
  json::object& env = env_value.as_object();
  env["ANTHROPIC_BASE_URL"] = options.gateway_url;
  env["ANTHROPIC_AUTH_TOKEN"] = options.api_key.empty() ? "isartor" : options.api_key;
  env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1";
  if (!options.model.empty()) {
    for (const char* key : {"ANTHROPIC_MODEL", "ANTHROPIC_DEFAULT_OPUS_MODEL",
                            "ANTHROPIC_DEFAULT_SONNET_MODEL", "ANTHROPIC_DEFAULT_HAIKU_MODEL"}) {
      env[key] = options.model;
    }
  }
  if (options.max_output_tokens > 0) {
    env["CLAUDE_CODE_MAX_OUTPUT_TOKENS"] = std::to_string(options.max_output_tokens);
  }
  std::ostringstream os;
  Pretty(os, settings, 0);
  os << "\n";
  return os.str();
}

Result<std::string> MergeCodexConfig(std::string_view existing, const ConnectOptions& options) {
  toml::table config;
  if (!IsBlank(existing)) {
    try {
      config = toml::parse(existing);
    } catch (const toml::parse_error& e) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "is not valid TOML (" + std::string(e.description()) + ")");
    }
  }
  if (config.contains("model_providers") && !config["model_providers"].is_table()) {
    return MakeError(ErrorCode::kInvalidArgument, "has a model_providers that is not a table");
  }
  if (!config.contains("model_providers")) config.insert("model_providers", toml::table{});
  toml::table& providers = *config["model_providers"].as_table();
  toml::table provider;
  provider.insert("name", "isartor");
  provider.insert("base_url", options.gateway_url + "/v1");
  provider.insert("wire_api", "responses");
  if (!options.api_key.empty()) provider.insert("env_key", "ISARTOR_API_KEY");
  providers.insert_or_assign("isartor", std::move(provider));
  config.insert_or_assign("model_provider", "isartor");
  if (!options.model.empty()) config.insert_or_assign("model", options.model);
  std::ostringstream os;
  os << config << "\n";
  return os.str();
}

std::string GenericEnvFile(const ConnectOptions& options) {
  std::string key = options.api_key.empty() ? "isartor" : options.api_key;
  std::string out = "# Written by `isartor connect generic`: source it (. FILE) before starting a "
                    "client.\n";
  out += "export OPENAI_BASE_URL=" + ShellQuote(options.gateway_url + "/v1") + "\n";
  out += "export OPENAI_API_KEY=" + ShellQuote(key) + "\n";
  out += "export ANTHROPIC_BASE_URL=" + ShellQuote(options.gateway_url) + "\n";
  out += "export ANTHROPIC_API_KEY=" + ShellQuote(key) + "\n";
  return out;
}

}  // namespace isartor::connect
