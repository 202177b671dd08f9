#include "audit/audit_log.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "audit/audit_format.h"
#include "audit/audit_verify.h"
#include "audit/log_tail.h"
#include "audit/sha256.h"
#include "test_util.h"

namespace isartor::audit {
namespace {

using testing::Event;
using testing::ReadLines;

class AuditLogTest : public ::testing::Test {
 public:  // also used by the kill -9 helper below
  void SetUp() override { testing::WriteKeyPair(dir_); }

  AuditLogOptions Options(uint64_t every_n = 5) const {
    AuditLogOptions o;
    o.path = dir_.File("audit.log");
    o.signing_key_file = dir_.File("priv.pem");
    o.checkpoint_every_n_events = every_n;
    o.checkpoint_interval = std::chrono::milliseconds(0);
    return o;
  }

  std::unique_ptr<AuditLog> OpenLog(const AuditLogOptions& o) {
    auto log = AuditLog::Open(o);
    EXPECT_TRUE(log.ok()) << (log.ok() ? "" : log.error().message);
    return log.ok() ? std::move(log).value() : nullptr;
  }

  void AppendN(AuditLog& log, int from, int n) {
    for (int i = from; i < from + n; ++i) log.Append(Event(i));
  }

  VerifyReport Verify(std::vector<std::string> paths = {}) {
    if (paths.empty()) paths = {dir_.File("audit.log")};
    auto report = VerifyAuditLog(paths, dir_.File("pub.pem"));
    EXPECT_TRUE(report.ok());
    return report.ok() ? *report : VerifyReport{};
  }

  testing::TempDir dir_;
};

TEST_F(AuditLogTest, LinesCarrySeqAndTheHashOfThePreviousLine) {
  auto log = OpenLog(Options(0));
  AppendN(*log, 0, 3);
  log->Close();
  const auto lines = ReadLines(dir_.File("audit.log"));
  ASSERT_EQ(lines.size(), 4u);  // 3 events + shutdown checkpoint
  auto l1 = ParseLine(lines[0]);
  auto l2 = ParseLine(lines[1]);
  ASSERT_TRUE(l1.ok() && l2.ok());
  EXPECT_EQ(l1->seq, 1u);
  EXPECT_EQ(l1->prev, kGenesisPrev);
  EXPECT_EQ(l2->seq, 2u);
  EXPECT_EQ(l2->prev, Sha256Hex(lines[0]));
  EXPECT_NE(lines[0].find("\"request_id\":\"req-0\""), std::string::npos);
  auto cp = ParseLine(lines[3]);
  ASSERT_TRUE(cp.ok());
  EXPECT_TRUE(cp->is_checkpoint);
  EXPECT_EQ(cp->count, 3u);
  EXPECT_EQ(cp->head, Sha256Hex(lines[2]));
}

TEST_F(AuditLogTest, ChecksEveryNEventsAndSealsAtShutdown) {
  auto log = OpenLog(Options(4));
  AppendN(*log, 0, 10);
  log->Close();
  EXPECT_EQ(log->counters().appended, 10u);
  EXPECT_EQ(log->counters().checkpoints, 3u);  // after 4, after 8, at shutdown
  const auto lines = ReadLines(dir_.File("audit.log"));
  ASSERT_EQ(lines.size(), 13u);
  EXPECT_TRUE(ParseLine(lines[4])->is_checkpoint);
  EXPECT_TRUE(ParseLine(lines[9])->is_checkpoint);
  EXPECT_TRUE(ParseLine(lines[12])->is_checkpoint);
  const VerifyReport r = Verify();
  EXPECT_FALSE(r.failure) << r.Summary();
  EXPECT_TRUE(r.fully_signed());
  EXPECT_EQ(r.events, 10u);
  EXPECT_EQ(r.checkpoints, 3u);
  EXPECT_EQ(r.last_checkpoint_seq, 13u);
  EXPECT_TRUE(r.starts_at_genesis);
}

TEST_F(AuditLogTest, NoShutdownCheckpointWhenNothingIsUnsealed) {
  auto log = OpenLog(Options(5));
  AppendN(*log, 0, 5);
  log->Close();
  EXPECT_EQ(ReadLines(dir_.File("audit.log")).size(), 6u);
  EXPECT_EQ(log->counters().checkpoints, 1u);
}

TEST_F(AuditLogTest, ChecksOnTheTimeIntervalWhenEventsAreUnsealed) {
  AuditLogOptions o = Options(0);
  o.checkpoint_interval = std::chrono::milliseconds(30);
  auto log = OpenLog(o);
  AppendN(*log, 0, 3);
  log->Flush();
  for (int i = 0; i < 200 && log->counters().checkpoints == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(log->counters().checkpoints, 1u);
  // Idle: no new events, so no new checkpoints.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(log->counters().checkpoints, 1u);
  const VerifyReport r = Verify();
  EXPECT_TRUE(r.fully_signed()) << r.Summary();
}

TEST_F(AuditLogTest, ReopeningContinuesTheChain) {
  {
    auto log = OpenLog(Options(4));
    AppendN(*log, 0, 6);
  }  // destructor closes
  {
    auto log = OpenLog(Options(4));
    AppendN(*log, 6, 5);
  }
  const VerifyReport r = Verify();
  EXPECT_FALSE(r.failure) << r.Summary();
  EXPECT_TRUE(r.fully_signed());
  EXPECT_EQ(r.events, 11u);
}

TEST_F(AuditLogTest, ReopeningSealsEventsLeftUnsignedByACrash) {
  {
    auto log = OpenLog(Options(0));
    AppendN(*log, 0, 3);
  }
  // Simulate a crash before the shutdown checkpoint: drop it.
  auto lines = ReadLines(dir_.File("audit.log"));
  lines.pop_back();
  testing::WriteLines(dir_.File("audit.log"), lines);
  EXPECT_EQ(Verify().unsigned_trailing_events, 3u);
  {
    auto log = OpenLog(Options(0));
    AppendN(*log, 3, 2);
  }
  const VerifyReport r = Verify();
  EXPECT_TRUE(r.fully_signed()) << r.Summary();
  EXPECT_EQ(r.events, 5u);
}

TEST_F(AuditLogTest, ReopeningCutsAPartialLastLine) {
  {
    auto log = OpenLog(Options(2));
    AppendN(*log, 0, 4);
  }
  testing::WriteAll(dir_.File("audit.log"),
                    testing::ReadAll(dir_.File("audit.log")) + "{\"seq\":7,\"prev\":\"00");
  EXPECT_TRUE(Verify().partial_last_line);
  {
    auto log = OpenLog(Options(2));
    AppendN(*log, 4, 2);
  }
  const VerifyReport r = Verify();
  EXPECT_TRUE(r.fully_signed()) << r.Summary();
  EXPECT_FALSE(r.partial_last_line);
  EXPECT_EQ(r.events, 6u);
}

TEST_F(AuditLogTest, RefusesToExtendADamagedLog) {
  testing::WriteAll(dir_.File("audit.log"), "this is not an audit log\n");
  auto log = AuditLog::Open(Options());
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.error().code, ErrorCode::kDataLoss);
}

TEST_F(AuditLogTest, OpenReportsABadKeyOrPath) {
  AuditLogOptions o = Options();
  o.signing_key_file = dir_.File("pub.pem");
  EXPECT_EQ(AuditLog::Open(o).error().code, ErrorCode::kInvalidArgument);
  o = Options();
  o.path = dir_.File("no/such/dir/audit.log");
  EXPECT_EQ(AuditLog::Open(o).error().code, ErrorCode::kUnavailable);
}

TEST_F(AuditLogTest, RotationContinuesTheChainAcrossFiles) {
  AuditLogOptions o = Options(10);
  o.rotate_bytes = 4000;
  {
    auto log = OpenLog(o);
    AppendN(*log, 0, 100);
    log->Flush();
    EXPECT_GE(log->counters().rotations, 3u);
  }
  std::vector<std::string> files = ListRotatedFiles(o.path);
  ASSERT_GE(files.size(), 3u);
  EXPECT_EQ(files[0], RotatedFileName(o.path, 1));
  for (const auto& f : files) {
    EXPECT_LE(std::filesystem::file_size(f), 4000u + 1000u) << f;
    // Each rotated file ends sealed.
    EXPECT_TRUE(ParseLine(ReadLines(f).back())->is_checkpoint) << f;
  }
  files.push_back(o.path);
  std::vector<std::string> shuffled(files.rbegin(), files.rend());  // order does not matter
  VerifyReport r = Verify(shuffled);
  EXPECT_TRUE(r.fully_signed()) << r.Summary();
  EXPECT_EQ(r.events, 100u);
  EXPECT_TRUE(r.starts_at_genesis);

  // Retention deleted the oldest files: the rest still verifies from a signed checkpoint.
  r = Verify({files.end() - 2, files.end()});
  EXPECT_TRUE(r.fully_signed()) << r.Summary();
  EXPECT_FALSE(r.starts_at_genesis);
  EXPECT_NE(r.Summary().find("earlier files not supplied"), std::string::npos);
}

TEST_F(AuditLogTest, ReopeningAfterRotationContinuesTheChain) {
  AuditLogOptions o = Options(10);
  o.rotate_bytes = 3000;
  for (int round = 0; round < 3; ++round) {
    auto log = OpenLog(o);
    AppendN(*log, round * 30, 30);
  }
  // A crash between the rename and the first write of the new file: no active file.
  std::filesystem::rename(o.path, RotatedFileName(o.path, LastRotationNumber(o.path) + 1));
  {
    auto log = OpenLog(o);
    AppendN(*log, 90, 3);
  }
  std::vector<std::string> files = ListRotatedFiles(o.path);
  files.push_back(o.path);
  const VerifyReport r = Verify(files);
  EXPECT_TRUE(r.fully_signed()) << r.Summary();
  EXPECT_EQ(r.events, 93u);
}

TEST_F(AuditLogTest, AFullQueueDropsAndCountsInsteadOfBlocking) {
  // The writer stalls inside the clock call of its first checkpoint; the caller never does.
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  const std::thread::id caller = std::this_thread::get_id();
  AuditLogOptions o = Options(1);
  o.queue_capacity = 10;
  o.clock = [&] {
    if (std::this_thread::get_id() != caller) {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return release; });
    }
    return std::chrono::system_clock::now();
  };
  auto log = OpenLog(o);
  log->Append(Event(0));
  // Wait until the writer has taken event 0 and is stuck.
  for (int i = 0; i < 500 && log->counters().appended == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_EQ(log->counters().appended, 1u);
  const auto start = std::chrono::steady_clock::now();
  AppendN(*log, 1, 15);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(log->counters().dropped, 5u);
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  log->Close();
  EXPECT_EQ(log->counters().appended, 11u);
  log->Append(Event(99));  // after Close: dropped
  EXPECT_EQ(log->counters().dropped, 6u);
  const VerifyReport r = Verify();
  EXPECT_TRUE(r.fully_signed()) << r.Summary();
  EXPECT_EQ(r.events, 11u);
}

TEST_F(AuditLogTest, ConcurrentAppendersProduceOneValidChain) {
  auto log = OpenLog(Options(50));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] { AppendN(*log, t * 1000, 500); });
  }
  for (auto& th : threads) th.join();
  log->Close();
  const auto c = log->counters();
  EXPECT_EQ(c.appended + c.dropped, 2000u);
  const VerifyReport r = Verify();
  EXPECT_TRUE(r.fully_signed()) << r.Summary();
  EXPECT_EQ(r.events, c.appended);
}

// A child appends in a loop and is killed with SIGKILL; everything up to the last checkpoint
// must verify, and a restart must continue and seal the chain.
void KillNineAndVerify(AuditLogTest& t, const AuditLogOptions& o) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto log = AuditLog::Open(o);
    if (!log.ok()) _exit(2);
    for (int i = 0;; ++i) (*log)->Append(Event(i));
  }
  // Let it write ~200 KB under load (well over 20 checkpoints), then kill mid-stream.
  const auto total_size = [&] {
    std::error_code ec;
    uint64_t size = 0;
    for (const auto& f : ListRotatedFiles(o.path)) size += std::filesystem::file_size(f, ec);
    const uint64_t active = std::filesystem::file_size(o.path, ec);
    return size + (ec ? 0 : active);
  };
  for (int i = 0; i < 2000 && total_size() < 200000; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));

  const auto all_files = [&] {
    std::vector<std::string> files = ListRotatedFiles(o.path);
    files.push_back(o.path);
    return files;
  };
  VerifyReport r = t.Verify(all_files());
  EXPECT_FALSE(r.failure) << r.Summary();
  ASSERT_TRUE(r.last_checkpoint_seq.has_value());
  EXPECT_GE(r.checkpoints, 20u);
  // Killed at worst after the N-th event and before its checkpoint.
  EXPECT_LE(r.unsigned_trailing_events, o.checkpoint_every_n_events);

  {
    auto log = t.OpenLog(o);
    t.AppendN(*log, 0, 3);
  }
  r = t.Verify(all_files());
  EXPECT_TRUE(r.fully_signed()) << r.Summary();
}

TEST_F(AuditLogTest, KillNineLeavesAFileThatVerifiesUpToTheLastCheckpoint) {
  KillNineAndVerify(*this, Options(7));
}

TEST_F(AuditLogTest, KillNineDuringRotationsLeavesFilesThatVerify) {
  AuditLogOptions o = Options(7);
  o.rotate_bytes = 20000;
  KillNineAndVerify(*this, o);
}

}  // namespace
}  // namespace isartor::audit
