// Every way of tampering with a log that `isartor audit verify` must catch, and where it points.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "audit/audit_format.h"
#include "audit/audit_log.h"
#include "audit/audit_verify.h"
#include "audit/ed25519.h"
#include "audit/log_tail.h"
#include "audit/sha256.h"
#include "test_util.h"

namespace isartor::audit {
namespace {

using testing::ReadLines;
using testing::WriteLines;

// 20 events, a checkpoint every 5: lines 1-5 events, 6 checkpoint, 7-11, 12, 13-17, 18,
// 19-23, 24.
class AuditTamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteKeyPair(dir_);
    AuditLogOptions o;
    o.path = dir_.File("audit.log");
    o.signing_key_file = dir_.File("priv.pem");
    o.checkpoint_every_n_events = 5;
    o.checkpoint_interval = std::chrono::milliseconds(0);
    auto log = AuditLog::Open(o);
    ASSERT_TRUE(log.ok());
    for (int i = 0; i < 20; ++i) (*log)->Append(testing::Event(i));
    (*log)->Close();
    lines_ = ReadLines(o.path);
    ASSERT_EQ(lines_.size(), 24u);
  }

  VerifyReport VerifyLines(const std::vector<std::string>& lines,
                           const std::string& pub = "pub.pem") {
    WriteLines(dir_.File("audit.log"), lines);
    auto r = VerifyAuditLog({dir_.File("audit.log")}, dir_.File(pub));
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : VerifyReport{};
  }

  // Expects a failure at `line` whose reason contains `why`.
  static void ExpectFailure(const VerifyReport& r, uint64_t line, const std::string& why) {
    ASSERT_TRUE(r.failure.has_value()) << r.Summary();
    EXPECT_EQ(r.failure->line, line) << r.Summary();
    EXPECT_NE(r.failure->reason.find(why), std::string::npos) << r.Summary();
    EXPECT_EQ(r.Summary().rfind("FAILED: ", 0), 0u);
  }

  static std::string Reserialize(const std::string& line,
                                 const std::function<void(boost::json::object&)>& edit) {
    boost::json::object o = boost::json::parse(line).as_object();
    edit(o);
    return boost::json::serialize(o);
  }

  testing::TempDir dir_;
  std::vector<std::string> lines_;
};

TEST_F(AuditTamperTest, AnIntactLogVerifiesWithASummary) {
  const VerifyReport r = VerifyLines(lines_);
  EXPECT_TRUE(r.fully_signed()) << r.Summary();
  EXPECT_EQ(r.events, 20u);
  EXPECT_EQ(r.checkpoints, 4u);
  EXPECT_EQ(r.last_checkpoint_seq, 24u);
  EXPECT_FALSE(r.first_ts.empty());
  EXPECT_EQ(r.Summary().rfind("OK: 20 events in 1 file, ", 0), 0u) << r.Summary();
  EXPECT_NE(r.Summary().find("last signed checkpoint seq 24"), std::string::npos);
}

TEST_F(AuditTamperTest, AnEditedLineIsNamed) {
  auto lines = lines_;
  const size_t pos = lines[2].find("req-2");
  lines[2].replace(pos, 5, "req-X");
  ExpectFailure(VerifyLines(lines), 3, "this line was edited");
}

TEST_F(AuditTamperTest, AnEditedLineWithARewrittenChainFailsAtTheNextCheckpoint) {
  // The attacker recomputes every prev hash after the edit, but cannot re-sign.
  auto lines = lines_;
  lines[2].replace(lines[2].find("req-2"), 5, "req-X");
  for (size_t i = 3; i < lines.size(); ++i) {
    const std::string prev = Sha256Hex(lines[i - 1]);
    lines[i] = Reserialize(lines[i], [&](boost::json::object& o) {
      o["prev"] = prev;
      if (o.contains("head")) o["head"] = prev;
    });
  }
  ExpectFailure(VerifyLines(lines), 6, "signature does not verify");
}

TEST_F(AuditTamperTest, ADeletedLineIsNamed) {
  auto lines = lines_;
  lines.erase(lines.begin() + 7);  // seq 8
  ExpectFailure(VerifyLines(lines), 8, "1 line(s) deleted");
}

TEST_F(AuditTamperTest, AnInsertedCopyOfALineIsNamed) {
  auto lines = lines_;
  lines.insert(lines.begin() + 4, lines[3]);
  ExpectFailure(VerifyLines(lines), 5, "inserted");
}

TEST_F(AuditTamperTest, AnInsertedForgedEventIsCaught) {
  // A well-formed event with the right seq and prev; the original line 5 then repeats seq 5.
  auto lines = lines_;
  boost::json::object e;
  e["type"] = "forged";
  lines.insert(lines.begin() + 4, BuildEventLine(5, Sha256Hex(lines[3]), "t", e));
  ExpectFailure(VerifyLines(lines), 6, "inserted");
}

TEST_F(AuditTamperTest, TwoSwappedLinesAreNamed) {
  auto lines = lines_;
  std::swap(lines[8], lines[9]);
  ExpectFailure(VerifyLines(lines), 9, "seq 10 where 9 was expected");
}

TEST_F(AuditTamperTest, AnEditedCheckpointCountFailsItsSignature) {
  auto lines = lines_;
  lines[5] = Reserialize(lines[5], [](boost::json::object& o) { o["count"] = 4; });
  ExpectFailure(VerifyLines(lines), 6, "signature does not verify");
}

TEST_F(AuditTamperTest, ACheckpointForgedWithAnotherKeyIsNamed) {
  auto forger = Ed25519Signer::Generate();
  ASSERT_TRUE(forger.ok());
  auto lines = lines_;
  auto cp = ParseLine(lines[11]);
  ASSERT_TRUE(cp.ok());
  const std::string sig =
      (*forger)->Sign(CheckpointMessage(cp->seq, cp->count, cp->head, cp->ts)).value();
  lines[11] = BuildCheckpointLine(cp->seq, cp->prev, cp->ts, cp->count, (*forger)->KeyId(),
                                  Base64Encode(sig));
  ExpectFailure(VerifyLines(lines), 12, "signed with another key");
}

TEST_F(AuditTamperTest, VerifyingWithTheWrongPublicKeyFailsAtTheFirstCheckpoint) {
  testing::WriteKeyPair(dir_, "other.pem", "other.pub.pem");
  ExpectFailure(VerifyLines(lines_, "other.pub.pem"), 6, "signature does not verify");
}

TEST_F(AuditTamperTest, TruncationAfterTheLastCheckpointReportsUnsignedEvents) {
  auto lines = lines_;
  lines.pop_back();  // the shutdown checkpoint
  lines.pop_back();  // and one event
  const VerifyReport r = VerifyLines(lines);
  EXPECT_FALSE(r.failure) << r.Summary();
  EXPECT_FALSE(r.fully_signed());
  EXPECT_EQ(r.unsigned_trailing_events, 4u);
  EXPECT_EQ(r.last_checkpoint_seq, 18u);
  EXPECT_NE(r.Summary().find("4 unsigned trailing event(s)"), std::string::npos);
}

TEST_F(AuditTamperTest, APartialLastLineIsIgnoredAndReported) {
  auto lines = lines_;
  const std::string partial = lines.back().substr(0, 30);
  lines.pop_back();
  WriteLines(dir_.File("audit.log"), lines);
  testing::WriteAll(dir_.File("audit.log"), testing::ReadAll(dir_.File("audit.log")) + partial);
  auto r = VerifyAuditLog({dir_.File("audit.log")}, dir_.File("pub.pem"));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->failure) << r->Summary();
  EXPECT_TRUE(r->partial_last_line);
  EXPECT_EQ(r->unsigned_trailing_events, 5u);
}

TEST_F(AuditTamperTest, DeletedLeadingLinesAreCaught) {
  auto lines = lines_;
  lines.erase(lines.begin(), lines.begin() + 2);
  ExpectFailure(VerifyLines(lines), 1, "neither genesis");
}

TEST_F(AuditTamperTest, AGarbageOrEmptyLineIsNamed) {
  auto lines = lines_;
  lines.insert(lines.begin() + 10, "hello");
  ExpectFailure(VerifyLines(lines), 11, "not an audit line");
  lines = lines_;
  lines.insert(lines.begin() + 10, "");
  ExpectFailure(VerifyLines(lines), 11, "empty line");
}

TEST_F(AuditTamperTest, ARotatedFileMissingFromTheMiddleBreaksTheChain) {
  AuditLogOptions o;
  o.path = dir_.File("rot.log");
  o.signing_key_file = dir_.File("priv.pem");
  o.checkpoint_every_n_events = 10;
  o.checkpoint_interval = std::chrono::milliseconds(0);
  o.rotate_bytes = 3000;
  {
    auto log = AuditLog::Open(o);
    ASSERT_TRUE(log.ok());
    for (int i = 0; i < 80; ++i) (*log)->Append(testing::Event(i));
  }
  std::vector<std::string> files = ListRotatedFiles(o.path);
  ASSERT_GE(files.size(), 3u);
  files.push_back(o.path);
  const std::string missing = files[1];
  files.erase(files.begin() + 1);
  auto r = VerifyAuditLog(files, dir_.File("pub.pem"));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->failure) << r->Summary();
  EXPECT_EQ(r->failure->file, files[1]);
  EXPECT_EQ(r->failure->line, 1u);
  EXPECT_NE(r->failure->reason.find("a rotated file is missing"), std::string::npos)
      << r->Summary();
}

TEST_F(AuditTamperTest, UnusableInputsAreErrorsNotReports) {
  EXPECT_EQ(VerifyAuditLog({}, dir_.File("pub.pem")).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(VerifyAuditLog({dir_.File("audit.log")}, dir_.File("nope.pem")).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(VerifyAuditLog({dir_.File("nope.log")}, dir_.File("pub.pem")).error().code,
            ErrorCode::kNotFound);
}

}  // namespace
}  // namespace isartor::audit
