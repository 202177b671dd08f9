// AuditLog: the signed, tamper-evident, append-only JSONL audit file (NIST 800-53 AU-2).
//
// Every event becomes one line carrying its sequence number and the SHA-256 of the previous
// line (a hash chain). Every `checkpoint_every_n_events` events, every `checkpoint_interval`
// (if events arrived since the last one), at each rotation and at Close(), a checkpoint line
// signed with Ed25519 seals the chain head and the event count. Format: audit_format.h and
// docs/audit-log.md.
//
// Append() never touches the disk: it moves the event into a bounded queue; one writer thread
// stamps, serialises, hashes, writes, signs and fsyncs. A full queue drops the event and counts
// it. Nothing here throws.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <boost/json/object.hpp>

#include "common/result.h"

namespace isartor::audit {

class Ed25519Signer;

// ISARTOR__AUDIT_FSYNC.
enum class FsyncPolicy {
  kCheckpoint,  // "checkpoint" (default): fsync after each checkpoint line and at rotation
  kAlways,      // "always": fsync after every batch the writer thread writes
  kNever,       // "never": leave flushing to the kernel (survives a process kill, not power loss)
};

// Parses "checkpoint" | "always" | "never"; kInvalidArgument otherwise.
Result<FsyncPolicy> ParseFsyncPolicy(std::string_view text);
const char* FsyncPolicyName(FsyncPolicy policy);

struct AuditLogOptions {
  std::string path;              // ISARTOR__AUDIT_LOG_PATH: the active file
  std::string signing_key_file;  // ISARTOR__AUDIT_SIGNING_KEY_FILE: PEM Ed25519 private key
  uint64_t checkpoint_every_n_events = 100;  // 0 disables the count trigger
  std::chrono::milliseconds checkpoint_interval{std::chrono::seconds(10)};  // 0 disables
  FsyncPolicy fsync = FsyncPolicy::kCheckpoint;
  // Rotate when the active file reaches this size (0: never). The active file is renamed to
  // "<path>.<NNNNNN>" (next free number, zero-padded to 6 digits, oldest lowest) and a new
  // "<path>" is started; the chain continues across files.
  uint64_t rotate_bytes = 0;
  size_t queue_capacity = 65536;  // events waiting for the writer; beyond this Append drops
  // Clock for the "ts" fields; tests inject one. Must be thread-safe.
  std::function<std::chrono::system_clock::time_point()> clock =
      [] { return std::chrono::system_clock::now(); };
};

struct AuditLogCounters {
  uint64_t appended = 0;      // events written to the file
  uint64_t dropped = 0;       // events refused because the queue was full
  uint64_t write_errors = 0;  // events lost because a write to the file failed
  uint64_t checkpoints = 0;   // checkpoint lines written by this process
  uint64_t rotations = 0;     // files rotated by this process
};

class AuditLog {
 public:
  // Opens (creating if needed) the log and starts the writer thread. An existing log continues
  // its chain: the last complete line gives the next seq and prev hash, and the last checkpoint
  // the event count. A partial last line (a write cut by kill -9) is never part of the chain
  // and is cut off. If the active file is missing or empty but rotated files exist, the chain
  // continues from the newest rotated file.
  // Errors: kNotFound / kInvalidArgument for the key file, kUnavailable if the log file cannot
  // be opened or written, kDataLoss if its last line is not a valid audit line (the file was
  // damaged: refuse to extend a chain we cannot vouch for).
  static Result<std::unique_ptr<AuditLog>> Open(const AuditLogOptions& options);

  // Writes the shutdown checkpoint (if any event is unsealed) and stops the writer.
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Queues one event; returns at once, never blocks on I/O. If the queue is full the event is
  // dropped and counted. Events appended after Close() are dropped too. Thread-safe.
  void Append(boost::json::object event);

  // Drains the queue, writes the shutdown checkpoint (when events are unsealed), fsyncs
  // (unless FsyncPolicy::kNever) and joins the writer. Idempotent. Thread-safe.
  void Close();

  // Blocks until every event queued before the call is written (or dropped by a write error).
  // For tests and orderly shutdown; not for the request path. Thread-safe.
  void Flush();

  // Lock-free snapshot of the counters. Thread-safe.
  AuditLogCounters counters() const;

 private:
  struct ChainState;
  struct QueuedEvent {
    std::chrono::system_clock::time_point ts;  // stamped by Append: when it happened
    boost::json::object event;
  };
  AuditLog(AuditLogOptions options, std::unique_ptr<Ed25519Signer> signer, int fd,
           std::unique_ptr<ChainState> state);

  void WriterLoop();
  void WriteBatch(std::deque<QueuedEvent>& batch);
  bool WriteCheckpoint();
  bool WriteBytes(const std::string& bytes);
  void Rotate();

  const AuditLogOptions options_;
  const std::unique_ptr<Ed25519Signer> signer_;
  int fd_;  // owned; touched only by the writer thread after construction
  std::unique_ptr<ChainState> state_;  // writer thread only

  std::mutex mu_;
  std::condition_variable wake_;     // writer waits for events / stop
  std::condition_variable drained_;  // Flush waits for the writer
  std::deque<QueuedEvent> queue_;  // guarded by mu_
  uint64_t enqueued_ = 0;                  // guarded by mu_
  uint64_t processed_ = 0;                 // guarded by mu_
  bool stopping_ = false;                  // guarded by mu_
  std::chrono::steady_clock::time_point last_checkpoint_time_;  // writer thread only

  std::atomic<uint64_t> appended_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> write_errors_{0};
  std::atomic<uint64_t> checkpoints_{0};
  std::atomic<uint64_t> rotations_{0};

  std::once_flag close_once_;
  std::thread writer_;
};

}  // namespace isartor::audit
