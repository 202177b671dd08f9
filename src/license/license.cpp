#include "license/license.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <fstream>
#include <sstream>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "license/license_codec.h"

#ifndef ISARTOR_LICENSE_HMAC_KEY
#error "ISARTOR_LICENSE_HMAC_KEY must be defined by src/license/CMakeLists.txt"
#endif

namespace isartor::license {

namespace json = boost::json;
using std::chrono::sys_seconds;

namespace {

constexpr std::string_view kTestKey = "isartor-test-license-key-not-for-production";
constexpr size_t kMaxTokenBytes = 16 * 1024;

std::optional<std::string> HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[32];
  size_t out_len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
                sizeof(out), &out_len) == nullptr ||
      out_len != sizeof(out)) {
    return std::nullopt;
  }
  return std::string(reinterpret_cast<char*>(out), out_len);
}

std::string_view Trim(std::string_view s) {
  const auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

LicenseVerdict Verdict(LicenseStatus status, std::string message) {
  LicenseVerdict v;
  v.status = status;
  v.message = std::move(message);
  return v;
}

std::optional<sys_seconds> TimeField(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_string()) return ParseRfc3339(v->get_string());
  if (v->is_int64()) return FromUnixSeconds(v->get_int64());
  if (v->is_uint64() && v->get_uint64() <= 253402300799ULL) {
    return FromUnixSeconds(static_cast<long long>(v->get_uint64()));
  }
  return std::nullopt;
}

std::string NonEmptyString(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

// Fills licensee/tier/times/features from an authenticated payload; false if any is invalid.
bool ReadPayload(std::string_view payload_json, LicenseVerdict& v) {
  json::error_code ec;
  const json::value root = json::parse(payload_json, ec);
  if (ec || !root.is_object()) return false;
  const json::object& o = root.get_object();
  v.licensee = NonEmptyString(o, "licensee");
  v.tier = NonEmptyString(o, "tier");
  v.issued = TimeField(o, "issued");
  v.expires = TimeField(o, "expires");
  if (v.licensee.empty() || v.tier.empty() || !v.issued || !v.expires) return false;
  if (const json::value* f = o.if_contains("features")) {
    if (!f->is_array()) return false;
    for (const json::value& item : f->get_array()) {
      if (!item.is_string()) return false;
      v.features.emplace_back(item.get_string());
    }
  }
  return true;
}

}  // namespace

const char* LicenseStatusName(LicenseStatus status) {
  switch (status) {
    case LicenseStatus::kValid: return "valid";
    case LicenseStatus::kAbsent: return "absent";
    case LicenseStatus::kMalformed: return "malformed";
    case LicenseStatus::kBadSignature: return "bad_signature";
    case LicenseStatus::kExpired: return "expired";
    case LicenseStatus::kNotYetValid: return "not_yet_valid";
  }
  return "malformed";
}

LicenseVerdict CheckLicenseWithKey(std::string_view token,
                                   std::chrono::system_clock::time_point now,
                                   std::string_view hmac_key) {
  token = Trim(token);
  if (token.empty()) return Verdict(LicenseStatus::kAbsent, "no license key configured");
  if (token.size() > kMaxTokenBytes) {
    return Verdict(LicenseStatus::kMalformed, "license key is too long to be a token");
  }
  const size_t dot = token.find('.');
  if (dot == std::string_view::npos || token.find('.', dot + 1) != std::string_view::npos) {
    return Verdict(LicenseStatus::kMalformed, "license key is not <payload>.<signature>");
  }
  const std::string_view payload_b64 = token.substr(0, dot);
  const auto payload = Base64UrlDecode(payload_b64);
  const auto mac = Base64UrlDecode(token.substr(dot + 1));
  if (payload_b64.empty() || !payload || !mac || mac->size() != 32) {
    return Verdict(LicenseStatus::kMalformed, "license key is not valid base64url token text");
  }
  const auto expected = HmacSha256(hmac_key, payload_b64);
  if (!expected || CRYPTO_memcmp(expected->data(), mac->data(), 32) != 0) {
    return Verdict(LicenseStatus::kBadSignature,
                   "license key signature does not match this build (forged, edited, or issued "
                   "for another build)");
  }
  LicenseVerdict v;
  if (!ReadPayload(*payload, v)) {
    return Verdict(LicenseStatus::kMalformed,
                   "license payload lacks a licensee, tier, issued or expires field");
  }
  const sys_seconds t = std::chrono::floor<std::chrono::seconds>(now);
  const std::string who = v.licensee + " (tier " + v.tier + ")";
  if (t < *v.issued) {
    v.status = LicenseStatus::kNotYetValid;
    v.message = "license for " + who + " is not valid before " + FormatRfc3339(*v.issued);
  } else if (t >= *v.expires) {
    v.status = LicenseStatus::kExpired;
    v.message = "license for " + who + " expired " + FormatRfc3339(*v.expires);
  } else {
    const auto days_left = std::chrono::floor<std::chrono::days>(*v.expires - t).count();
    v.status = LicenseStatus::kValid;
    v.message = "licensed to " + who + " until " + FormatRfc3339(*v.expires) + " (" +
                std::to_string(days_left) + " days left)";
  }
  return v;
}

LicenseVerdict CheckLicense(std::string_view token, std::chrono::system_clock::time_point now) {
  return CheckLicenseWithKey(token, now, BuiltInLicenseKey());
}

Result<std::string> IssueLicense(const LicensePayload& payload, std::string_view hmac_key) {
  if (hmac_key.empty()) return MakeError(ErrorCode::kInvalidArgument, "empty HMAC key");
  if (payload.licensee.empty() || payload.tier.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "licensee and tier must not be empty");
  }
  if (payload.expires <= payload.issued) {
    return MakeError(ErrorCode::kInvalidArgument, "expires must be after issued");
  }
  if (!FromUnixSeconds(payload.issued.time_since_epoch().count()) ||
      !FromUnixSeconds(payload.expires.time_since_epoch().count())) {
    return MakeError(ErrorCode::kInvalidArgument, "issued / expires outside 1970..9999");
  }
  json::object o;
  o["licensee"] = payload.licensee;
  o["tier"] = payload.tier;
  o["issued"] = FormatRfc3339(payload.issued);
  o["expires"] = FormatRfc3339(payload.expires);
  if (!payload.features.empty()) {
    json::array features;
    for (const auto& f : payload.features) features.emplace_back(f);
    o["features"] = std::move(features);
  }
  const std::string payload_b64 = Base64UrlEncode(json::serialize(o));
  const auto mac = HmacSha256(hmac_key, payload_b64);
  if (!mac) return MakeError(ErrorCode::kInternal, "HMAC-SHA256 failed");
  return payload_b64 + "." + Base64UrlEncode(*mac);
}

std::string_view BuiltInLicenseKey() { return ISARTOR_LICENSE_HMAC_KEY; }

bool BuiltInLicenseKeyIsTestKey() { return BuiltInLicenseKey() == kTestKey; }

Result<std::string> ReadLicenseToken(std::string_view inline_token, std::string_view token_file) {
  if (!inline_token.empty()) return std::string(inline_token);
  if (token_file.empty()) return std::string();
  std::ifstream in{std::string(token_file), std::ios::binary};
  if (!in) {
    return MakeError(ErrorCode::kNotFound,
                     "cannot read license key file " + std::string(token_file));
  }
  std::string data(64 * 1024 + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<size_t>(in.gcount()));
  if (data.size() > 64 * 1024) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "license key file " + std::string(token_file) + " is larger than 64 KiB");
  }
  return data;
}

}  // namespace isartor::license
