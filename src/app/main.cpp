// isartor: the command-line entry point. Subcommands: up (default; serves), config, check,
// embed, audit, license. Flags override environment, which overrides isartor.toml.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "app/commands.h"

int main(int argc, char** argv) {
  return isartor::RunCli(argc, argv);
}
