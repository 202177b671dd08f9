// License token decoding. Mode byte even: the rest is a token, checked against the fuzz key;
// base64url and RFC 3339 decoders see the same bytes. Mode byte odd: the rest is a payload,
// signed with the fuzz key, so the payload decoder is reached past the MAC.
// Properties: base64url has exactly one accepted encoding per byte string; a token whose MAC
// is right is never reported as a bad signature; claims are reported only for tokens whose
// signature verified; a valid license names a licensee and a tier.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <string>

#include "fuzz_keys.h"
#include "fuzz_util.h"
#include "license/license.h"
#include "license/license_codec.h"

using namespace isartor;
using isartor::fuzz::Input;

namespace {

std::string Mac(std::string_view key, std::string_view text) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

void CheckVerdict(const license::LicenseVerdict& v) {
  using license::LicenseStatus;
  const bool authenticated = v.status == LicenseStatus::kValid ||
                             v.status == LicenseStatus::kExpired ||
                             v.status == LicenseStatus::kNotYetValid;
  if (!authenticated) {
    FUZZ_CHECK(v.licensee.empty() && v.tier.empty() && v.features.empty());
    FUZZ_CHECK(!v.issued && !v.expires);
  }
  if (v.valid()) FUZZ_CHECK(!v.licensee.empty() && !v.tier.empty());
  FUZZ_CHECK(!v.message.empty());
  FUZZ_CHECK(license::LicenseStatusName(v.status) != nullptr);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  const bool payload_mode = in.Byte() & 1;
  const std::string_view rest = in.Rest();
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1767225600));
  if (!payload_mode) {
    CheckVerdict(license::CheckLicenseWithKey(rest, now, fuzz::kLicenseTestKey));
    CheckVerdict(license::CheckLicense(rest, now));
    if (auto bytes = license::Base64UrlDecode(rest)) {
      FUZZ_CHECK(license::Base64UrlEncode(*bytes) == rest);
    }
    if (auto t = license::ParseRfc3339(rest)) (void)license::FormatRfc3339(*t);
    return 0;
  }
  const std::string body = license::Base64UrlEncode(rest);
  const std::string token = body + "." + license::Base64UrlEncode(Mac(fuzz::kLicenseTestKey, body));
  const auto verdict = license::CheckLicenseWithKey(token, now, fuzz::kLicenseTestKey);
  CheckVerdict(verdict);
  FUZZ_CHECK(verdict.status != license::LicenseStatus::kBadSignature);
  FUZZ_CHECK(verdict.status != license::LicenseStatus::kAbsent);
  return 0;
}
