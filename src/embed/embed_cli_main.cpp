// Standalone `isartor_embed_cli embed ...` for developing the embed module on its own; the
// product exposes the same command as `isartor embed`.
#include <CLI/CLI.hpp>

#include <iostream>

#include "embed/embed_command.h"
#include "embed/kernels.h"
#include "embed/model_files.h"

int main(int argc, char** argv) {
  CLI::App app("isartor embed module (development CLI)");
  app.require_subcommand(0, 1);
  bool version = false;
  app.add_flag("--version", version, "Print whether a model is embedded");
  isartor::embed::AddEmbedCommand(app);
  CLI11_PARSE(app, argc, argv);
  if (version) {
    std::cout << "isartor_embed_cli (model embedded: "
              << (isartor::embed::ModelIsEmbedded() ? "yes" : "no")
              << ", kernels: " << isartor::embed::kernels::KernelIsa() << ")\n";
  } else if (app.get_subcommands().empty()) {
    std::cout << app.help();
    return 2;
  }
  return 0;
}
