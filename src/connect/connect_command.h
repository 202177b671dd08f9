// `isartor connect`: points a client at the gateway by writing its configuration, and undoes it.
#pragma once

#include "common/env_lookup.h"

#include <string>

namespace CLI {
class App;
}

namespace isartor::connect {

// Registers on `app`:
//   connect claude|codex|generic [--dry-run] [--url URL] [--api-key KEY] [--model NAME]
//                                [--max-output-tokens N] [--home DIR]
//     claude:  merges into DIR/.claude/settings.json (see MergeClaudeSettings)
//     codex:   merges into DIR/.codex/config.toml (see MergeCodexConfig)
//     generic: writes DIR/.isartor/isartor.env (see GenericEnvFile)
//     Before the first change to a file it copies the original into DIR/.isartor/connect/ and
//     records it in DIR/.isartor/connect/manifest.json (a file that did not exist is recorded
//     as such), so --undo restores the state from before the first connect. Writes are atomic
//     (temporary file + rename). Prints each file it wrote or would write (--dry-run: prints
//     the new content and changes nothing) and the advice that applies.
//     URL defaults to the gateway's own address (ISARTOR__HOST_PORT, https when
//     ISARTOR__TLS_CERT_FILE is set; a wildcard host becomes 127.0.0.1), else
//     http://127.0.0.1:8080. DIR defaults to $HOME.
//   connect --undo [--home DIR]
//     restores every recorded file from its backup (or removes it if connect created it),
//     then removes the manifest and the backups.
// Exit status: 0 done; 1 refused (an existing file that does not parse is never overwritten:
// the message names it) or an I/O error; 2 usage. Non-zero exits throw CLI::RuntimeError(code).
// Never opens a network connection. Call once per app. `env` gives HOME, ISARTOR__HOST_PORT
// and ISARTOR__TLS_CERT_FILE (read when the command runs).
void AddConnectCommand(CLI::App& app, EnvLookup env);

}  // namespace isartor::connect

namespace isartor {
using connect::AddConnectCommand;
}  // namespace isartor
