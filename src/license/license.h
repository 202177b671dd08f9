// Offline license check (issue 5): a token is
//   base64url(JSON payload) "." base64url(HMAC-SHA256(key, <the base64url payload text>))
// verified against a key fixed at build time (CMake cache variable ISARTOR_LICENSE_HMAC_KEY).
// No network, no exceptions, no crash on any input. Limits of the scheme: docs/license.md.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace isartor::license {

enum class LicenseStatus {
  kValid,
  kAbsent,        // no token configured (empty / whitespace only)
  kMalformed,     // not a token, or a correctly signed payload missing required fields
  kBadSignature,  // well-formed token whose MAC does not match this build's key
  kExpired,       // now >= expires
  kNotYetValid,   // now < issued
};

// "valid", "absent", "malformed", "bad_signature", "expired", "not_yet_valid": stable names
// for metrics labels, /health and JSON.
const char* LicenseStatusName(LicenseStatus status);

struct LicenseVerdict {
  LicenseStatus status = LicenseStatus::kAbsent;
  // Filled whenever the signature verified and the payload parsed (valid, expired,
  // not_yet_valid); empty / nullopt otherwise: unauthenticated claims are never reported.
  std::string licensee;
  std::string tier;
  std::optional<std::chrono::sys_seconds> issued;
  std::optional<std::chrono::sys_seconds> expires;
  std::vector<std::string> features;
  std::string message;  // one human sentence, safe to print (never echoes the token)

  bool valid() const { return status == LicenseStatus::kValid; }
};

// What a license grants. `issued` / `expires` are written as RFC 3339 UTC.
struct LicensePayload {
  std::string licensee;
  std::string tier;
  std::chrono::sys_seconds issued{};
  std::chrono::sys_seconds expires{};
  std::vector<std::string> features;  // optional; omitted from the JSON when empty
};

// Checks `token` against this build's key at time `now`. Surrounding whitespace is ignored.
// Payload fields: "licensee" and "tier" (non-empty strings), "issued" and "expires" (RFC 3339
// string or unix seconds), optional "features" (array of strings). The MAC is checked (in
// constant time) before the payload is decoded. Never fails otherwise: every problem is a
// status. Thread-safe.
LicenseVerdict CheckLicense(std::string_view token, std::chrono::system_clock::time_point now);

// Same, with an explicit HMAC key (tests, and `license issue --hmac-key-file`).
LicenseVerdict CheckLicenseWithKey(std::string_view token,
                                   std::chrono::system_clock::time_point now,
                                   std::string_view hmac_key);

// Mints a token for `payload` with `hmac_key`. Errors (kInvalidArgument): empty key, empty
// licensee or tier, expires not after issued, a time outside 1970..9999. Thread-safe.
Result<std::string> IssueLicense(const LicensePayload& payload, std::string_view hmac_key);

// The HMAC key compiled into this binary (ISARTOR_LICENSE_HMAC_KEY). See docs/license.md for
// why holding it in the binary only deters.
std::string_view BuiltInLicenseKey();
// True if this build still uses the default test key from CMakeLists.txt (banner / check
// should say so: anyone can mint licenses for such a build).
bool BuiltInLicenseKeyIsTestKey();

// Where the token comes from: `inline_token` (ISARTOR__LICENSE_KEY / --key) if non-empty,
// else the contents of `token_file` (ISARTOR__LICENSE_KEY_FILE / --key-file) if non-empty,
// else "" (absent). Errors: kNotFound if the file cannot be read, kInvalidArgument if it is
// larger than 64 KiB.
Result<std::string> ReadLicenseToken(std::string_view inline_token, std::string_view token_file);

}  // namespace isartor::license
