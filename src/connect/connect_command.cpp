#include "connect/connect_command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "connect/client_config.h"

namespace isartor::connect {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

struct Args {
  std::string client;
  bool dry_run = false;
  bool undo = false;
  std::string url;
  std::string api_key;
  std::string model;
  int max_output_tokens = 0;
  std::string home;
  EnvLookup env;  // the environment (from the caller: only config/ reads the process's)
};

std::string DefaultUrl(const Args& args) {
  std::string host_port = args.env("ISARTOR__HOST_PORT");
  if (host_port.empty()) host_port = "127.0.0.1:8080";
  auto colon = host_port.rfind(':');
  std::string host = colon == std::string::npos ? host_port : host_port.substr(0, colon);
  std::string port = colon == std::string::npos ? "8080" : host_port.substr(colon + 1);
  if (host.empty() || host == "0.0.0.0" || host == "[::]" || host == "::") host = "127.0.0.1";
  std::string scheme = args.env("ISARTOR__TLS_CERT_FILE").empty() ? "http" : "https";
  return scheme + "://" + host + ":" + port;
}

// Reads a whole file. nullopt-like: `exists` false when there is none.
Status ReadFile(const fs::path& path, std::string& out, bool& exists) {
  std::error_code ec;
  exists = fs::exists(path, ec);
  out.clear();
  if (!exists) return {};
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kInternal, path.string() + ": cannot be read");
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return {};
}

// Temporary file in the same directory, then rename: a crash never leaves half a file.
Status WriteAtomically(const fs::path& path, const std::string& content) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return MakeError(ErrorCode::kInternal, path.parent_path().string() + ": " + ec.message());
  fs::path tmp = path;
  tmp += ".isartor-tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) return MakeError(ErrorCode::kInternal, tmp.string() + ": write failed");
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return MakeError(ErrorCode::kInternal, path.string() + ": rename failed: " + ec.message());
  }
  return {};
}

fs::path StateDir(const fs::path& home) { return home / ".isartor" / "connect"; }
fs::path ManifestPath(const fs::path& home) { return StateDir(home) / "manifest.json"; }

// {"entries":[{"path":..., "existed":bool, "backup":...}]}; a missing manifest is empty.
Result<json::array> ReadManifest(const fs::path& home) {
  std::string text;
  bool exists = false;
  if (Status s = ReadFile(ManifestPath(home), text, exists); !s.ok()) return s.error();
  if (!exists) return json::array();
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object() || !v.as_object().contains("entries") ||
      !v.as_object().at("entries").is_array()) {
    return MakeError(ErrorCode::kDataLoss, ManifestPath(home).string() + ": unreadable manifest");
  }
  return v.as_object().at("entries").as_array();
}

const json::object* FindEntry(const json::array& entries, const std::string& path) {
  for (const auto& e : entries) {
    const auto* o = e.if_object();
    const json::value* p = o ? o->if_contains("path") : nullptr;
    if (p && p->is_string() && p->as_string() == path) return o;
  }
  return nullptr;
}

// Records the original of `path` (once: a second connect keeps the first backup).
Status RecordOriginal(const fs::path& home, json::array& entries, const fs::path& path,
                      bool existed, const std::string& original, std::string& backup_out) {
  if (const json::object* e = FindEntry(entries, path.string())) {
    if (e->contains("backup") && e->at("backup").is_string()) {
      backup_out = std::string(e->at("backup").as_string());
    }
    return {};
  }
  json::object entry{{"path", path.string()}, {"existed", existed}};
  if (existed) {
    fs::path backup = StateDir(home) / (path.filename().string() + ".orig." +
                                        std::to_string(entries.size()));
    if (Status s = WriteAtomically(backup, original); !s.ok()) return s;
    entry["backup"] = backup.string();
    backup_out = backup.string();
  }
  entries.push_back(std::move(entry));
  return WriteAtomically(ManifestPath(home),
                         json::serialize(json::object{{"entries", entries}}) + "\n");
}

int Fail(const std::string& message) {
  std::cerr << "isartor connect: " << message << "\n";
  return 1;
}

void PrintAdvice(const Args& args, const ConnectOptions& options) {
  if (args.client == "claude") {
    if (options.model.empty()) {
      std::cout << "note: Claude Code asks for its own model names (claude-sonnet-..., "
                   "claude-haiku-..., claude-opus-...). Map them to your model on the gateway "
                   "with ISARTOR__MODEL_ALIASES (e.g. 'claude-sonnet-4-5=llama-3.1-8b,"
                   "claude-haiku-4-5=llama-3.1-8b'), or rerun with --model NAME so Claude "
                   "Code asks for NAME.\n";
    }
    if (options.max_output_tokens == 0) {
      std::cout << "note: for small local models, cap Claude Code's output: rerun with "
                   "--max-output-tokens 4096 (CLAUDE_CODE_MAX_OUTPUT_TOKENS). By default it "
                   "asks for up to 32000 tokens, more than a small model's context.\n";
    }
  }
  if (args.client == "codex" && !options.api_key.empty()) {
    std::cout << "note: export ISARTOR_API_KEY=<the gateway key> before starting codex.\n";
  }
  if (args.client == "codex") {
    std::cout << "note: Codex speaks the OpenAI Responses API (wire_api = \"responses\") at "
              << options.gateway_url << "/v1/responses.\n";
  }
}

int Connect(const Args& args) {
  fs::path home(args.home);
  ConnectOptions options{args.url.empty() ? DefaultUrl(args) : args.url, args.api_key, args.model,
                         args.max_output_tokens};
  while (!options.gateway_url.empty() && options.gateway_url.back() == '/') {
    options.gateway_url.pop_back();
  }
  fs::path path;
  if (args.client == "claude") path = home / ".claude" / "settings.json";
  else if (args.client == "codex") path = home / ".codex" / "config.toml";
  else path = home / ".isartor" / "isartor.env";

  std::string existing;
  bool existed = false;
  if (Status s = ReadFile(path, existing, existed); !s.ok()) return Fail(s.error().message);
  Result<std::string> updated = std::string();
  if (args.client == "claude") updated = MergeClaudeSettings(existing, options);
  else if (args.client == "codex") updated = MergeCodexConfig(existing, options);
  else updated = GenericEnvFile(options);
  if (!updated.ok()) {
    return Fail("refusing to change " + path.string() + ": it " + updated.error().message +
                ". Fix or move it and run again; nothing was changed.");
  }
  if (args.dry_run) {
    std::cout << "would write " << path.string() << ":\n" << *updated;
    PrintAdvice(args, options);
    return 0;
  }
  if (existed && *updated == existing) {
    std::cout << path.string() << " already points at " << options.gateway_url << "\n";
    PrintAdvice(args, options);
    return 0;
  }
  auto entries = ReadManifest(home);
  if (!entries.ok()) return Fail(entries.error().message);
  std::string backup;
  if (Status s = RecordOriginal(home, *entries, path, existed, existing, backup); !s.ok()) {
    return Fail(s.error().message);
  }
  if (Status s = WriteAtomically(path, *updated); !s.ok()) return Fail(s.error().message);
  std::cout << "wrote " << path.string() << " (" << args.client << " -> "
            << options.gateway_url << ")";
  if (!backup.empty()) std::cout << "; original saved as " << backup;
  else if (!existed) std::cout << "; it did not exist before";
  std::cout << "\nundo with: isartor connect --undo\n";
  if (args.client == "generic") std::cout << "use it with: . " << path.string() << "\n";
  PrintAdvice(args, options);
  return 0;
}

int Undo(const Args& args) {
  fs::path home(args.home);
  auto entries = ReadManifest(home);
  if (!entries.ok()) return Fail(entries.error().message);
  if (entries->empty()) {
    std::cout << "nothing to undo (no " << ManifestPath(home).string() << ")\n";
    return 0;
  }
  for (auto it = entries->rbegin(); it != entries->rend(); ++it) {
    const auto* e = it->if_object();
    if (!e || !e->contains("path") || !e->at("path").is_string()) continue;
    fs::path path(std::string(e->at("path").as_string()));
    bool existed = e->contains("existed") && e->at("existed") == json::value(true);
    std::error_code ec;
    if (existed && e->contains("backup") && e->at("backup").is_string()) {
      std::string original;
      bool backup_exists = false;
      fs::path backup(std::string(e->at("backup").as_string()));
      if (Status s = ReadFile(backup, original, backup_exists); !s.ok() || !backup_exists) {
        return Fail("backup " + backup.string() + " is missing; " + path.string() +
                    " left as it is");
      }
      if (Status s = WriteAtomically(path, original); !s.ok()) return Fail(s.error().message);
      fs::remove(backup, ec);
      std::cout << "restored " << path.string() << "\n";
    } else {
      fs::remove(path, ec);
      std::cout << "removed " << path.string() << " (connect had created it)\n";
    }
  }
  std::error_code ec;
  fs::remove(ManifestPath(home), ec);
  fs::remove(StateDir(home), ec);  // only if now empty
  return 0;
}

}  // namespace

void AddConnectCommand(CLI::App& app, EnvLookup env) {
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "connect", "Point a client (Claude Code, Codex, any SDK) at this gateway; --undo restores");
  cmd->add_option("client", args->client, "claude | codex | generic")
      ->check(CLI::IsMember({"claude", "codex", "generic"}));
  cmd->add_flag("--dry-run", args->dry_run, "Print what would be written; change nothing");
  cmd->add_flag("--undo", args->undo, "Restore every file an earlier connect changed");
  cmd->add_option("--url", args->url, "Gateway URL (default: from ISARTOR__HOST_PORT)");
  cmd->add_option("--api-key", args->api_key, "The gateway key (ISARTOR__GATEWAY_API_KEY)");
  cmd->add_option("--model", args->model, "Model name the client should ask for");
  cmd->add_option("--max-output-tokens", args->max_output_tokens,
                  "Claude Code: CLAUDE_CODE_MAX_OUTPUT_TOKENS (small local models)")
      ->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--home", args->home, "Home directory to configure (default $HOME)");
  args->env = std::move(env);
  cmd->callback([args] {
    if (args->home.empty()) args->home = args->env("HOME");
    if (args->home.empty()) throw CLI::RuntimeError("isartor connect: HOME is not set", 2);
    int code = 0;
    if (args->undo) {
      if (!args->client.empty()) throw CLI::RuntimeError("--undo takes no client", 2);
      code = Undo(*args);
    } else if (args->client.empty()) {
      throw CLI::RuntimeError("isartor connect: name a client (claude, codex, generic) or --undo",
                              2);
    } else {
      code = Connect(*args);
    }
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace isartor::connect
