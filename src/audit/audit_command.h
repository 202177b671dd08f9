// `isartor audit ...`: key generation and verification of the signed audit log.
#pragma once

namespace CLI {
class App;
}

namespace isartor::audit {

// Exit statuses of `isartor audit verify`.
inline constexpr int kVerifyExitOk = 0;            // chain intact, every event signed
inline constexpr int kVerifyExitTampered = 1;      // a bad line: tampering or damage
inline constexpr int kVerifyExitUnsignedTail = 2;  // signed part verifies; trailing events unsigned
inline constexpr int kVerifyExitCannotRun = 3;     // key or file unreadable, bad arguments

// Registers on `app`:
//   audit keygen --out DIR [--force]
//       writes DIR/audit_ed25519.pem (private, mode 0600) and DIR/audit_ed25519.pub.pem;
//       refuses to overwrite existing files without --force. Exit 0, or 1 with a message.
//   audit verify PATH... --public-key FILE [--allow-unsigned-tail]
//       prints VerifyReport::Summary() and exits with the kVerifyExit* status above;
//       --allow-unsigned-tail turns kVerifyExitUnsignedTail into 0 (for a live log).
// Callbacks signal non-zero exit by throwing CLI::RuntimeError(code) (CLI::App::exit maps it).
// Call once per app, from the main thread.
void AddAuditCommand(CLI::App& app);

}  // namespace isartor::audit

namespace isartor {
using audit::AddAuditCommand;
}  // namespace isartor
