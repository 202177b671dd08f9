// Fixed keys of the fuzz targets and their seed maker. Test keys only: they sign nothing real.
#pragma once

#include <string_view>

namespace isartor::fuzz {

// Ed25519 (openssl genpkey -algorithm ed25519): signs the audit-log seeds.
inline constexpr std::string_view kAuditTestPrivateKeyPem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIOCU343jehQwVslgA024bbI3ulUhmAl3GzNwdMgtisVi\n"
    "-----END PRIVATE KEY-----\n";

// HMAC key of the license seeds and of the license target's payload mode.
inline constexpr std::string_view kLicenseTestKey = "isartor-fuzz-license-key";

}  // namespace isartor::fuzz
