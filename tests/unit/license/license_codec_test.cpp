#include "license/license_codec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace isartor::license {
namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;

TEST(Base64UrlTest, RoundTripsEveryLengthWithoutPadding) {
  std::string data;
  for (int i = 0; i < 40; ++i) {
    const std::string enc = Base64UrlEncode(data);
    EXPECT_EQ(enc.find('='), std::string::npos);
    auto dec = Base64UrlDecode(enc);
    ASSERT_TRUE(dec.has_value()) << i;
    EXPECT_EQ(*dec, data);
    data.push_back(static_cast<char>(i * 37 + 250));
  }
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
}

TEST(Base64UrlTest, DecodeRejectsOtherAlphabetsLengthsAndTrailingBits) {
  EXPECT_FALSE(Base64UrlDecode("+/8").has_value());
  EXPECT_FALSE(Base64UrlDecode("QUJDR").has_value());  // 4k+1 characters
  EXPECT_FALSE(Base64UrlDecode("QR").has_value());     // non-zero trailing bits
  EXPECT_EQ(Base64UrlDecode("QQ").value(), "A");
  EXPECT_FALSE(Base64UrlDecode("QQ==").has_value());  // one encoding per value
  EXPECT_FALSE(Base64UrlDecode("Q Q").has_value());
}

TEST(Rfc3339Test, ParsesUtcOffsetsFractionsAndBareDates) {
  const sys_seconds base = sys_seconds(seconds(1714564800));  // 2024-05-01T12:00:00Z
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00Z"), base);
  EXPECT_EQ(ParseRfc3339("2024-05-01t12:00:00.987z"), base);
  EXPECT_EQ(ParseRfc3339("2024-05-01T14:30:00+02:30"), base);
  EXPECT_EQ(ParseRfc3339("2024-05-01T07:00:00-05:00"), base);
  EXPECT_EQ(ParseRfc3339("2024-05-01"), base - std::chrono::hours(12));
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), sys_seconds(seconds(0)));
}

TEST(Rfc3339Test, RejectsImpossibleOrIncompleteTimes) {
  for (const char* bad : {"", "2024", "2024-02-30", "2023-02-29T00:00:00Z", "2024-05-01T24:00:00Z",
                          "2024-05-01T12:00:00", "2024-05-01T12:00:00+2:00", "1969-12-31",
                          "2024-05-01T12:00:00.Z", "2024-05-01T12:00:00Zjunk", "２０２４-05-01",
                          "2024-13-01", "2024-05-01X12:00:00Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
  }
  EXPECT_TRUE(ParseRfc3339("2024-02-29T00:00:00Z").has_value());
}

TEST(Rfc3339Test, FormatRoundTrips) {
  for (long long s : {0LL, 951782400LL, 1714564800LL, 253402300799LL}) {
    const sys_seconds t{seconds(s)};
    EXPECT_EQ(ParseRfc3339(FormatRfc3339(t)), t) << FormatRfc3339(t);
  }
  EXPECT_EQ(FormatRfc3339(sys_seconds(seconds(1714564800))), "2024-05-01T12:00:00Z");
}

TEST(UnixSecondsTest, AcceptsOnlyTheRepresentableRange) {
  EXPECT_TRUE(FromUnixSeconds(0).has_value());
  EXPECT_TRUE(FromUnixSeconds(253402300799LL).has_value());
  EXPECT_FALSE(FromUnixSeconds(-1).has_value());
  EXPECT_FALSE(FromUnixSeconds(253402300800LL).has_value());
}

}  // namespace
}  // namespace isartor::license
