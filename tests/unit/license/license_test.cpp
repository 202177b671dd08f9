#include "license/license.h"

#include <openssl/evp.h>
#include <stdlib.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "license/license_codec.h"

namespace isartor::license {
namespace {

using std::chrono::days;
using std::chrono::seconds;
using std::chrono::sys_seconds;
using std::chrono::system_clock;

constexpr std::string_view kKey = "unit-test-key";
const sys_seconds kIssued{seconds(1714564800)};  // 2024-05-01T12:00:00Z

LicensePayload Payload() {
  LicensePayload p;
  p.licensee = "Acme Health";
  p.tier = "enterprise";
  p.issued = kIssued;
  p.expires = kIssued + days(365);
  return p;
}

system_clock::time_point At(sys_seconds t) { return system_clock::time_point(t); }

// A token over an arbitrary payload, signed the way IssueLicense signs.
std::string SignRaw(const std::string& payload_json, std::string_view key) {
  const std::string b64 = Base64UrlEncode(payload_json);
  unsigned char mac[32];
  size_t len = 0;
  EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
            reinterpret_cast<const unsigned char*>(b64.data()), b64.size(), mac, sizeof(mac),
            &len);
  return b64 + "." + Base64UrlEncode(std::string(reinterpret_cast<char*>(mac), len));
}

TEST(LicenseTest, AnIssuedTokenIsValidAndCarriesItsFields) {
  LicensePayload p = Payload();
  p.features = {"sso", "audit"};
  auto token = IssueLicense(p, kKey);
  ASSERT_TRUE(token.ok());
  const LicenseVerdict v = CheckLicenseWithKey(*token, At(kIssued + days(10)), kKey);
  EXPECT_EQ(v.status, LicenseStatus::kValid) << v.message;
  EXPECT_TRUE(v.valid());
  EXPECT_EQ(v.licensee, "Acme Health");
  EXPECT_EQ(v.tier, "enterprise");
  EXPECT_EQ(v.expires, p.expires);
  EXPECT_EQ(v.features, (std::vector<std::string>{"sso", "audit"}));
  EXPECT_NE(v.message.find("355 days left"), std::string::npos) << v.message;
  EXPECT_STREQ(LicenseStatusName(v.status), "valid");
}

TEST(LicenseTest, TheBuiltInKeyVerifiesTokensItMintedAndNoOthers) {
  auto mine = IssueLicense(Payload(), BuiltInLicenseKey());
  auto theirs = IssueLicense(Payload(), "some-other-key");
  ASSERT_TRUE(mine.ok() && theirs.ok());
  EXPECT_EQ(CheckLicense(*mine, At(kIssued + days(1))).status, LicenseStatus::kValid);
  EXPECT_EQ(CheckLicense(*theirs, At(kIssued + days(1))).status, LicenseStatus::kBadSignature);
}

TEST(LicenseTest, AnEmptyTokenIsAbsent) {
  EXPECT_EQ(CheckLicenseWithKey("", At(kIssued), kKey).status, LicenseStatus::kAbsent);
  EXPECT_EQ(CheckLicenseWithKey(" \n\t", At(kIssued), kKey).status, LicenseStatus::kAbsent);
}

TEST(LicenseTest, SurroundingWhitespaceFromAKeyFileIsIgnored) {
  auto token = IssueLicense(Payload(), kKey);
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(CheckLicenseWithKey("  " + *token + "\n", At(kIssued + days(1)), kKey).valid());
}

TEST(LicenseTest, NonTokensAreMalformed) {
  for (const char* bad : {"abc", "a.b.c", "!!!.xxx", ".", "abc.", ".abc", "eyJ9.AAAA"}) {
    EXPECT_EQ(CheckLicenseWithKey(bad, At(kIssued), kKey).status, LicenseStatus::kMalformed)
        << bad;
  }
  EXPECT_EQ(CheckLicenseWithKey(std::string(20000, 'A') + ".AAAA", At(kIssued), kKey).status,
            LicenseStatus::kMalformed);
}

TEST(LicenseTest, AnEditedPayloadOrAnotherKeyIsABadSignature) {
  auto token = IssueLicense(Payload(), kKey);
  ASSERT_TRUE(token.ok());
  const std::string sig = token->substr(token->find('.'));
  std::string json = Base64UrlDecode(token->substr(0, token->find('.'))).value();
  json.replace(json.find("enterprise"), 10, "unlimited!");
  const std::string edited = Base64UrlEncode(json) + sig;
  EXPECT_EQ(CheckLicenseWithKey(edited, At(kIssued + days(1)), kKey).status,
            LicenseStatus::kBadSignature);
  const LicenseVerdict v = CheckLicenseWithKey(*token, At(kIssued + days(1)), "other-key");
  EXPECT_EQ(v.status, LicenseStatus::kBadSignature);
  EXPECT_TRUE(v.licensee.empty());  // unauthenticated claims are not reported
}

TEST(LicenseTest, ValidityWindowIsIssuedInclusiveExpiresExclusive) {
  auto token = IssueLicense(Payload(), kKey);
  ASSERT_TRUE(token.ok());
  const LicensePayload p = Payload();
  EXPECT_EQ(CheckLicenseWithKey(*token, At(p.issued - seconds(1)), kKey).status,
            LicenseStatus::kNotYetValid);
  EXPECT_EQ(CheckLicenseWithKey(*token, At(p.issued), kKey).status, LicenseStatus::kValid);
  EXPECT_EQ(CheckLicenseWithKey(*token, At(p.expires - seconds(1)), kKey).status,
            LicenseStatus::kValid);
  const LicenseVerdict expired = CheckLicenseWithKey(*token, At(p.expires), kKey);
  EXPECT_EQ(expired.status, LicenseStatus::kExpired);
  EXPECT_EQ(expired.licensee, "Acme Health");
  EXPECT_NE(expired.message.find("expired 2025-05-01T12:00:00Z"), std::string::npos)
      << expired.message;
}

TEST(LicenseTest, UnixSecondTimesAreAccepted) {
  const std::string token = SignRaw(
      R"({"licensee":"L","tier":"basic","issued":1714564800,"expires":1714651200})", kKey);
  const LicenseVerdict v = CheckLicenseWithKey(token, At(kIssued + seconds(60)), kKey);
  EXPECT_EQ(v.status, LicenseStatus::kValid) << v.message;
  EXPECT_EQ(v.expires, kIssued + days(1));
}

TEST(LicenseTest, ASignedButIncompletePayloadIsMalformed) {
  for (const char* json :
       {R"({"tier":"basic","issued":1,"expires":2})", R"({"licensee":"","tier":"b","issued":1,"expires":2})",
        R"({"licensee":"L","tier":"b","issued":"yesterday","expires":2})",
        R"({"licensee":"L","tier":"b","issued":1,"expires":-5})",
        R"({"licensee":"L","tier":"b","issued":1,"expires":2,"features":"sso"})",
        R"([1,2,3])", "not json at all"}) {
    EXPECT_EQ(CheckLicenseWithKey(SignRaw(json, kKey), At(kIssued), kKey).status,
              LicenseStatus::kMalformed)
        << json;
  }
}

TEST(LicenseTest, IssueRejectsBadPayloadsAndKeys) {
  EXPECT_FALSE(IssueLicense(Payload(), "").ok());
  LicensePayload p = Payload();
  p.licensee.clear();
  EXPECT_FALSE(IssueLicense(p, kKey).ok());
  p = Payload();
  p.expires = p.issued;
  EXPECT_EQ(IssueLicense(p, kKey).error().code, ErrorCode::kInvalidArgument);
}

TEST(LicenseTest, NoInputCrashesOrPassesExceptTheGenuineToken) {
  auto token = IssueLicense(Payload(), kKey);
  ASSERT_TRUE(token.ok());
  std::mt19937 rng(42);
  const std::string alphabet = "ABCXYZabcxyz0189-_.=+/ \n\"{}";
  for (int i = 0; i < 20000; ++i) {
    std::string t = *token;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t pos = rng() % t.size();
      switch (rng() % 3) {
        case 0: t[pos] = alphabet[rng() % alphabet.size()]; break;
        case 1: t.erase(pos, 1 + rng() % 3); break;
        default: t.insert(pos, 1, static_cast<char>(rng() % 256)); break;
      }
      if (t.empty()) t = "x";
    }
    const LicenseVerdict v = CheckLicenseWithKey(t, At(kIssued + days(1)), kKey);
    const size_t b = t.find_first_not_of(" \t\r\n");
    const size_t e = t.find_last_not_of(" \t\r\n");
    const std::string trimmed = b == std::string::npos ? "" : t.substr(b, e - b + 1);
    if (trimmed != *token) {
      EXPECT_NE(v.status, LicenseStatus::kValid) << t;
    }
  }
  std::string junk;
  for (int i = 0; i < 2000; ++i) {
    junk.resize(rng() % 200);
    for (char& c : junk) c = static_cast<char>(rng() % 256);
    EXPECT_NE(CheckLicenseWithKey(junk, At(kIssued), kKey).status, LicenseStatus::kValid);
  }
}

TEST(LicenseTokenSourceTest, InlineBeatsFileAndNeitherIsAbsent) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("isartor-lic-" + std::to_string(getpid())))
          .string();
  std::ofstream(path) << "from-file\n";
  EXPECT_EQ(ReadLicenseToken("inline", path).value(), "inline");
  EXPECT_EQ(ReadLicenseToken("", path).value(), "from-file\n");
  EXPECT_EQ(ReadLicenseToken("", "").value(), "");
  std::filesystem::remove(path);
  EXPECT_EQ(ReadLicenseToken("", path).error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace isartor::license
