// `isartor release ...`: the signing key, signing a bundle folder, verifying a bundle.
#pragma once

namespace CLI {
class App;
}

namespace isartor::release {

// Exit statuses of `isartor release verify`.
inline constexpr int kReleaseVerifyOk = 0;         // signature valid, every file matches
inline constexpr int kReleaseVerifyFailed = 1;     // tampered, damaged, truncated, wrong key
inline constexpr int kReleaseVerifyCannotRun = 2;  // key or bundle unreadable, bad arguments

// Registers on `app`:
//   release keygen --out DIR [--force]
//       writes DIR/release_ed25519.pem (private, 0600) and DIR/release_ed25519.pub.pem;
//       refuses to overwrite without --force. Exit 0, or 1 with a message.
//   release sign DIR --signing-key FILE
//       writes DIR/SHA256SUMS over every file under DIR and DIR/SHA256SUMS.sig. Exit 0 or 1.
//   release verify DIR|TARBALL --public-key FILE
//       prints BundleReport::Summary() (or the reason the bundle cannot be read) and exits
//       with the kReleaseVerify* status above.
// Callbacks signal a non-zero exit by throwing CLI::RuntimeError(code). Call once per app.
void AddReleaseCommand(CLI::App& app);

}  // namespace isartor::release

namespace isartor {
using release::AddReleaseCommand;
}  // namespace isartor
