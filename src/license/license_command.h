// `isartor license ...`: show the verdict for the configured license, mint a token.
#pragma once

#include "common/env_lookup.h"

namespace CLI {
class App;
}

namespace isartor::license {

// Registers on `app`:
//   license show [--key TOKEN] [--key-file FILE]
//       token source: --key, else --key-file, else ISARTOR__LICENSE_KEY, else
//       ISARTOR__LICENSE_KEY_FILE. Prints "license: <status>: <message>" and, when the token
//       authenticated, its fields. Exit 0 if valid, 1 otherwise (2 if the key file is
//       unreadable). Never opens a network connection.
//   license issue --licensee X --tier T --days N [--feature F]... [--issued RFC3339]
//                 [--hmac-key-file FILE]
//       prints a token valid from --issued (default now) for N days, signed with this build's
//       key or the key in FILE (its bytes, one trailing newline stripped). Exit 0, or 1.
// Non-zero exits are signalled by throwing CLI::RuntimeError(code). Reads the environment
// only inside the callback, through `env` (ISARTOR__LICENSE_KEY, ISARTOR__LICENSE_KEY_FILE).
// Call once per app.
void AddLicenseCommand(CLI::App& app, EnvLookup env);

}  // namespace isartor::license

namespace isartor {
using license::AddLicenseCommand;
}  // namespace isartor
