#include "app/commands.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "airgap/connectivity_check.h"
#include "app/gateway_app.h"
#include "app/health_probe.h"
#include "audit/audit_command.h"
#include "config/config.h"
#include "connect/connect_command.h"
#include "embed/embed_command.h"
#include "embed/embedded_model.h"
#include "license/license_command.h"
#include "release/release_command.h"

namespace isartor {
namespace {

struct GlobalFlags {
  std::string config_file;
  bool offline = false;
  std::string host_port;
};

// Flags become env-style entries of the highest precedence.
Result<Config> LoadFromFlags(const GlobalFlags& flags) {
  ConfigSources sources;
  sources.toml_path = flags.config_file;
  // The documented default file; decided here so the loader itself never reads the working
  // directory unless told to (unit tests call LoadConfig from anywhere).
  if (sources.toml_path.empty() && std::ifstream("isartor.toml")) sources.toml_path = "isartor.toml";
  sources.env = ReadIsartorEnv();
  if (flags.offline) sources.flags["ISARTOR__OFFLINE_MODE"] = "true";
  if (!flags.host_port.empty()) sources.flags["ISARTOR__HOST_PORT"] = flags.host_port;
  return LoadConfig(sources);
}

int ConfigError(const Error& error) {
  std::fprintf(stderr, "isartor: invalid configuration:\n%s", error.message.c_str());
  return 2;
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"isartor: an air-gap-friendly LLM gateway (OpenAI + Anthropic APIs)"};
  app.set_version_flag("--version", std::string("isartor ") + ISARTOR_VERSION + " (MiniLM model " +
                                        (embed::EmbeddedModelAvailable() ? "embedded" : "not embedded") +
                                        ")");
  GlobalFlags flags;
  app.add_option("--config", flags.config_file, "TOML config file (default ./isartor.toml)");
  app.add_flag("--offline", flags.offline, "Offline mode (same as ISARTOR__OFFLINE_MODE=true)");
  app.add_option("--host-port", flags.host_port, "Listen address (ISARTOR__HOST_PORT)");

  int exit_code = 0;
  auto* up = app.add_subcommand("up", "Serve the gateway (the default)");
  auto* config_cmd = app.add_subcommand("config", "Print the effective configuration");
  bool reference = false;
  config_cmd->add_flag("--reference", reference,
                       "Print the configuration reference (docs/configuration.md)");
  (void)up;
  auto* check_cmd = app.add_subcommand(
      "check", "Connectivity audit: every destination the configuration can reach; exit 0 if "
               "air-gap compatible");
  bool check_json = false, check_probe = false;
  check_cmd->add_flag("--json", check_json, "Print the audit as JSON");
  check_cmd->add_flag("--probe", check_probe,
                      "Also connect to each allowed destination (never to blocked ones)");
  auto* health_cmd = app.add_subcommand(
      "healthcheck", "GET /healthz from this configuration's listener (for container health "
                     "checks); exit 0 = healthy");
  int health_timeout_secs = 3;
  health_cmd->add_option("--timeout-secs", health_timeout_secs, "Give up after this long")
      ->check(CLI::Range(1, 300));
  embed::AddEmbedCommand(app);
  AddAuditCommand(app);
  AddLicenseCommand(app, ReadEnvVar);
  AddConnectCommand(app, ReadEnvVar);
  AddReleaseCommand(app);
  app.require_subcommand(0, 1);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  // embed / audit / license / release did their work in their callbacks during parse().
  for (const CLI::App* sub : app.get_subcommands()) {
    if (sub != up && sub != config_cmd && sub != check_cmd && sub != health_cmd) return 0;
  }
  if (config_cmd->parsed()) {
    if (reference) {
      std::cout << RenderConfigReferenceMarkdown();
      return 0;
    }
    auto config = LoadFromFlags(flags);
    if (!config.ok()) return ConfigError(config.error());
    std::cout << RenderEffectiveConfig(*config);
    return 0;
  }
  auto config = LoadFromFlags(flags);
  if (!config.ok()) return ConfigError(config.error());
  if (check_cmd->parsed()) return RunCheckCommand(*config, check_json, check_probe);
  if (health_cmd->parsed()) {
    return RunHealthCommand(*config, std::chrono::seconds(health_timeout_secs));
  }
  exit_code = RunGateway(*config);
  return exit_code;
}

}  // namespace isartor
