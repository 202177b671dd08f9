#include "audit/audit_format.h"

#include <gtest/gtest.h>

#include <vector>

#include "audit/sha256.h"

namespace isartor::audit {
namespace {

TEST(Sha256Test, EmptyInputHashesToTheKnownVector) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(IsSha256Hex(Sha256Hex("x")));
  EXPECT_FALSE(IsSha256Hex("ABC"));
}

TEST(Base64Test, RoundTripsEveryPaddingLength) {
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    auto back = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(back.has_value()) << s;
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(Base64Encode("ab"), "YWI=");
}

TEST(Base64Test, DecodeRejectsGarbage) {
  EXPECT_FALSE(Base64Decode("YWI").has_value());     // length
  EXPECT_FALSE(Base64Decode("Y*I=").has_value());    // alphabet
  EXPECT_FALSE(Base64Decode("Y=I=").has_value());    // data after padding
  EXPECT_FALSE(Base64Decode("YWI=YWI=").has_value());  // padding before the end
}

TEST(AuditFormatTest, TimestampIsRfc3339UtcWithMilliseconds) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1234));
  EXPECT_EQ(FormatTimestamp(t), "1970-01-01T00:00:01.234Z");
  const auto t2 = std::chrono::system_clock::time_point(std::chrono::seconds(1714564800));
  EXPECT_EQ(FormatTimestamp(t2), "2024-05-01T12:00:00.000Z");
}

TEST(AuditFormatTest, EventLineStartsWithTheEnvelope) {
  boost::json::object e;
  e["type"] = "l3_call";
  e["model"] = "m";
  const std::string line = BuildEventLine(7, kGenesisPrev, "2024-05-01T12:00:00.000Z", e);
  EXPECT_EQ(line, "{\"seq\":7,\"prev\":\"" + std::string(kGenesisPrev) +
                      "\",\"ts\":\"2024-05-01T12:00:00.000Z\",\"type\":\"l3_call\",\"model\":\"m\"}");
  auto parsed = ParseLine(line);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->seq, 7u);
  EXPECT_FALSE(parsed->is_checkpoint);
}

TEST(AuditFormatTest, AnEventCannotPoseAsACheckpointOrOverrideTheEnvelope) {
  boost::json::object e;
  e["type"] = "checkpoint";
  e["seq"] = 99;
  e["prev"] = "x";
  const std::string line = BuildEventLine(1, kGenesisPrev, "t", e);
  auto parsed = ParseLine(line);
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->is_checkpoint);
  EXPECT_EQ(parsed->seq, 1u);
  EXPECT_NE(line.find("\"event_type\":\"checkpoint\""), std::string::npos);
  EXPECT_NE(line.find("\"event_seq\":99"), std::string::npos);
}

TEST(AuditFormatTest, CheckpointLineParsesBack) {
  const std::string head = Sha256Hex("x");
  const std::string line = BuildCheckpointLine(12, head, "t", 10, "kid", "c2ln");
  auto parsed = ParseLine(line);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->is_checkpoint);
  EXPECT_EQ(parsed->count, 10u);
  EXPECT_EQ(parsed->head, head);
  EXPECT_EQ(parsed->sig_base64, "c2ln");
  EXPECT_EQ(parsed->key_id, "kid");
}

TEST(AuditFormatTest, MalformedLinesAreDataLossNotCrashes) {
  for (const std::string& bad : std::vector<std::string>{"", "not json", "[1,2]", "{\"seq\":-1,\"prev\":\"\"}",
                          "{\"seq\":1}", "{\"seq\":1,\"prev\":\"abc\"}",
                          std::string(10000, '['),
                          "{\"seq\":1,\"prev\":\"" + Sha256Hex("") + "\",\"type\":\"checkpoint\"}"}) {
    auto parsed = ParseLine(bad);
    ASSERT_FALSE(parsed.ok()) << bad.substr(0, 40);
    EXPECT_EQ(parsed.error().code, ErrorCode::kDataLoss);
  }
}

TEST(AuditFormatTest, CheckpointMessageIsCanonical) {
  EXPECT_EQ(CheckpointMessage(3, 2, "ab", "t"),
            "isartor-audit-checkpoint-v1\nseq=3\ncount=2\nhead=ab\nts=t\n");
}

}  // namespace
}  // namespace isartor::audit
