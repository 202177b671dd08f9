// `isartor connect`: what each client's configuration must say to use the gateway, as pure
// functions from the file's current text to its new text (the command does the file work).
// Existing settings are kept: only the keys named below are set or replaced.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace isartor::connect {

struct ConnectOptions {
  std::string gateway_url;  // e.g. http://127.0.0.1:8080 (no trailing slash, no /v1)
  std::string api_key;      // the gateway key clients present; empty = none configured
  std::string model;        // a model name for every client tier; empty = the client's defaults
  int max_output_tokens = 0;  // Claude Code's CLAUDE_CODE_MAX_OUTPUT_TOKENS; 0 = leave unset
};

// ~/.claude/settings.json: merges into its "env" object ANTHROPIC_BASE_URL=gateway_url,
// ANTHROPIC_AUTH_TOKEN (the key, or "isartor" when none: Claude Code refuses to start without
// one), CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 (no update checks or telemetry towards the
// internet); with `model`, ANTHROPIC_MODEL and ANTHROPIC_DEFAULT_{OPUS,SONNET,HAIKU}_MODEL;
// with max_output_tokens, CLAUDE_CODE_MAX_OUTPUT_TOKENS. Every other key, inside "env" or
// not, is kept. `existing` empty = no file yet.
// Errors: kInvalidArgument when `existing` is not a JSON object or its "env" is not an object
// (the message says so; the caller must not overwrite such a file).
Result<std::string> MergeClaudeSettings(std::string_view existing, const ConnectOptions& options);

// ~/.codex/config.toml: sets model_provider = "isartor" and the table
// [model_providers.isartor] with name, base_url = gateway_url + "/v1", wire_api = "responses"
// and, when a key is configured, env_key = "ISARTOR_API_KEY"; with `model`, the top-level
// model. Other keys and tables are kept (comments are not: the command keeps a backup).
// Errors: kInvalidArgument when `existing` is not valid TOML (with toml++'s message) or
// model_providers is not a table.
Result<std::string> MergeCodexConfig(std::string_view existing, const ConnectOptions& options);

// A POSIX shell env file for any OpenAI- or Anthropic-SDK client (Cursor-style tools, scripts):
// OPENAI_BASE_URL (gateway_url + "/v1"), OPENAI_API_KEY, ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY.
// Never fails.
std::string GenericEnvFile(const ConnectOptions& options);

}  // namespace isartor::connect
