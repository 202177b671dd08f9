// The CLI: parses arguments and dispatches to the subcommands. Returns the exit code.
#pragma once

namespace isartor {

int RunCli(int argc, char** argv);

}  // namespace isartor
