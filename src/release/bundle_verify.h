// Checks a release bundle on the inside of the air gap: the Ed25519 signature over
// SHA256SUMS, then every listed file's SHA-256, and that no file is missing or extra.
#pragma once

#include <string>
#include <vector>

#include "audit/ed25519.h"
#include "common/result.h"
#include "release/bundle_files.h"

namespace isartor::release {

struct BundleReport {
  bool signature_ok = false;
  size_t files_verified = 0;        // listed files present with the listed SHA-256
  std::vector<std::string> problems;  // each names the file and what is wrong with it
  std::string key_id;               // of the public key checked against

  bool ok() const { return signature_ok && problems.empty(); }
  // One line per problem, then a verdict line ("OK: ..." or "FAILED: ...").
  std::string Summary() const;
};

// Never fails: every defect of the bundle is a problem in the report. Thread-safe.
BundleReport VerifyBundle(const BundleContents& bundle, const audit::Ed25519Verifier& key);

// Writes SHA256SUMS over every file under `dir` (replacing any previous listing) and its
// detached signature SHA256SUMS.sig. Returns the number of files listed. kNotFound if `dir`
// is unreadable, kInvalidArgument if it holds something other than files and folders,
// kUnavailable if the two files cannot be written, kInternal if signing fails.
Result<size_t> SignBundleDir(const std::string& dir, const audit::Ed25519Signer& key);

}  // namespace isartor::release
