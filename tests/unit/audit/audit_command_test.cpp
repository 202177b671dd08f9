#include "audit/audit_command.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

#include "../cli_runner.h"
#include <algorithm>

#include "audit/audit_log.h"
#include "test_util.h"

namespace isartor::audit {
namespace {

int RunIsartor(std::vector<std::string> args, std::string* out = nullptr) {
  return isartor::testing::RunCli(&AddAuditCommand, std::move(args), out);
}

class AuditCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(RunIsartor({"audit", "keygen", "--out", dir_.File("keys")}), 0);
    AuditLogOptions o;
    o.path = dir_.File("audit.log");
    o.signing_key_file = dir_.File("keys/audit_ed25519.pem");
    o.checkpoint_every_n_events = 4;
    auto log = AuditLog::Open(o);
    ASSERT_TRUE(log.ok()) << log.error().message;
    for (int i = 0; i < 10; ++i) (*log)->Append(testing::Event(i));
    (*log)->Close();
  }

  std::string pub() const { return dir_.File("keys/audit_ed25519.pub.pem"); }

  testing::TempDir dir_;
};

TEST_F(AuditCommandTest, KeygenWritesAPrivateKeyOnlyTheOwnerCanRead) {
  struct stat st {};
  ASSERT_EQ(stat(dir_.File("keys/audit_ed25519.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat(pub().c_str(), &st), 0);
  EXPECT_NE(testing::ReadAll(pub()).find("BEGIN PUBLIC KEY"), std::string::npos);
}

TEST_F(AuditCommandTest, KeygenRefusesToOverwriteWithoutForce) {
  EXPECT_EQ(RunIsartor({"audit", "keygen", "--out", dir_.File("keys")}), 1);
  EXPECT_EQ(RunIsartor({"audit", "keygen", "--out", dir_.File("keys"), "--force"}), 0);
}

TEST_F(AuditCommandTest, VerifyExitsZeroWithAOneLineSummary) {
  std::string out;
  EXPECT_EQ(RunIsartor({"audit", "verify", dir_.File("audit.log"), "--public-key", pub()}, &out), 0);
  EXPECT_EQ(out.rfind("OK: 10 events in 1 file", 0), 0u) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
}

TEST_F(AuditCommandTest, VerifyExitsOneNamingTheFirstBadLine) {
  auto lines = testing::ReadLines(dir_.File("audit.log"));
  std::swap(lines[1], lines[2]);
  testing::WriteLines(dir_.File("audit.log"), lines);
  std::string out;
  EXPECT_EQ(RunIsartor({"audit", "verify", dir_.File("audit.log"), "--public-key", pub()}, &out),
            kVerifyExitTampered);
  EXPECT_NE(out.find("FAILED: " + dir_.File("audit.log") + ":2: "), std::string::npos) << out;
}

TEST_F(AuditCommandTest, VerifyExitsTwoOnAnUnsignedTailUnlessAllowed) {
  auto lines = testing::ReadLines(dir_.File("audit.log"));
  lines.pop_back();
  testing::WriteLines(dir_.File("audit.log"), lines);
  std::string out;
  EXPECT_EQ(RunIsartor({"audit", "verify", dir_.File("audit.log"), "--public-key", pub()}, &out),
            kVerifyExitUnsignedTail);
  EXPECT_NE(out.find("2 unsigned trailing event(s)"), std::string::npos) << out;
  EXPECT_EQ(RunIsartor({"audit", "verify", dir_.File("audit.log"), "--public-key", pub(),
                 "--allow-unsigned-tail"}),
            0);
}

TEST_F(AuditCommandTest, VerifyCannotRunWithoutAReadableKey) {
  EXPECT_EQ(RunIsartor({"audit", "verify", dir_.File("audit.log"), "--public-key", dir_.File("x")}),
            kVerifyExitCannotRun);
}

}  // namespace
}  // namespace isartor::audit
