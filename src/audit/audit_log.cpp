#include "audit/audit_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "audit/audit_format.h"
#include "audit/ed25519.h"
#include "audit/log_tail.h"
#include "audit/sha256.h"

namespace isartor::audit {

namespace json = boost::json;

// The writer thread's view of the chain. Copyable so a failed write can roll back.
struct AuditLog::ChainState {
  uint64_t next_seq = 1;
  std::string prev = std::string(kGenesisPrev);
  uint64_t event_count = 0;              // events since genesis
  uint64_t events_since_checkpoint = 0;  // unsealed events
  bool last_is_checkpoint = false;
  uint64_t file_size = 0;
  uint64_t rotation_number = 0;  // number of the newest rotated file
};

Result<FsyncPolicy> ParseFsyncPolicy(std::string_view text) {
  if (text == "checkpoint") return FsyncPolicy::kCheckpoint;
  if (text == "always") return FsyncPolicy::kAlways;
  if (text == "never") return FsyncPolicy::kNever;
  return MakeError(ErrorCode::kInvalidArgument,
                   "ISARTOR__AUDIT_FSYNC must be checkpoint, always or never, not '" +
                       std::string(text) + "'");
}

const char* FsyncPolicyName(FsyncPolicy policy) {
  switch (policy) {
    case FsyncPolicy::kCheckpoint: return "checkpoint";
    case FsyncPolicy::kAlways: return "always";
    case FsyncPolicy::kNever: return "never";
  }
  return "checkpoint";
}

namespace {

int OpenForAppend(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

// A rename or a new file is durable only once its directory is synced.
void FsyncDirOf(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return;
  ::fsync(dfd);
  ::close(dfd);
}

Error Errno(const std::string& what) {
  return MakeError(ErrorCode::kUnavailable, what + ": " + std::strerror(errno));
}

}  // namespace

Result<std::unique_ptr<AuditLog>> AuditLog::Open(const AuditLogOptions& options) {
  if (options.path.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "audit log path is empty");
  }
  auto signer = Ed25519Signer::FromPemFile(options.signing_key_file);
  if (!signer.ok()) return signer.error();

  auto state = std::make_unique<ChainState>();
  state->rotation_number = LastRotationNumber(options.path);
  auto tail = ReadChainTail(options.path);
  if (!tail.ok()) return tail.error();
  // An empty active file after a rotation: the chain continues from the newest rotated file.
  ChainTail from = *tail;
  bool needs_opening_checkpoint = false;
  if (from.empty && state->rotation_number > 0) {
    auto rotated = ReadChainTail(RotatedFileName(options.path, state->rotation_number));
    if (!rotated.ok()) return rotated.error();
    if (!rotated->empty) {
      from = *rotated;
      needs_opening_checkpoint = true;
    }
  }
  if (!from.empty) {
    state->next_seq = from.last_seq + 1;
    state->prev = from.last_hash;
    state->event_count = from.event_count;
    state->last_is_checkpoint = from.last_is_checkpoint;
    // Events after the last checkpoint are unsealed; the next checkpoint seals them.
    state->events_since_checkpoint = from.events_since_checkpoint;
  }

  const int fd = OpenForAppend(options.path);
  if (fd < 0) return Errno("cannot open audit log " + options.path);
  // A partial last line (a write cut by kill -9) was never part of the chain: cut it off.
  if (tail->file_size > tail->complete_size &&
      ::ftruncate(fd, static_cast<off_t>(tail->complete_size)) != 0) {
    Error e = Errno("cannot cut the partial last line of " + options.path);
    ::close(fd);
    return e;
  }
  state->file_size = tail->complete_size;
  std::unique_ptr<AuditLog> log(
      new AuditLog(options, std::move(signer).value(), fd, std::move(state)));
  // Every non-genesis file starts with a signed checkpoint (see Rotate), even after a crash
  // between rename and the first write.
  if (needs_opening_checkpoint && !log->WriteCheckpoint()) {
    return MakeError(ErrorCode::kUnavailable, "cannot write to audit log " + options.path);
  }
  log->writer_ = std::thread([raw = log.get()] { raw->WriterLoop(); });
  return log;
}

AuditLog::AuditLog(AuditLogOptions options, std::unique_ptr<Ed25519Signer> signer, int fd,
                   std::unique_ptr<ChainState> state)
    : options_(std::move(options)),
      signer_(std::move(signer)),
      fd_(fd),
      state_(std::move(state)),
      last_checkpoint_time_(std::chrono::steady_clock::now()) {}

AuditLog::~AuditLog() {
  Close();
  if (fd_ >= 0) ::close(fd_);
}

void AuditLog::Append(json::object event) {
  const auto ts = options_.clock();
  bool was_empty;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || queue_.size() >= options_.queue_capacity) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    was_empty = queue_.empty();
    queue_.push_back(QueuedEvent{ts, std::move(event)});
    ++enqueued_;
  }
  // The writer only sleeps on an empty queue, so only that transition needs a wake-up.
  if (was_empty) wake_.notify_one();
}

void AuditLog::Close() {
  std::call_once(close_once_, [this] {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    wake_.notify_one();
    if (writer_.joinable()) writer_.join();
  });
}

void AuditLog::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t target = enqueued_;
  drained_.wait(lock, [&] { return processed_ >= target; });
}

AuditLogCounters AuditLog::counters() const {
  AuditLogCounters c;
  c.appended = appended_.load(std::memory_order_relaxed);
  c.dropped = dropped_.load(std::memory_order_relaxed);
  c.write_errors = write_errors_.load(std::memory_order_relaxed);
  c.checkpoints = checkpoints_.load(std::memory_order_relaxed);
  c.rotations = rotations_.load(std::memory_order_relaxed);
  return c;
}

void AuditLog::WriterLoop() {
  const auto interval = options_.checkpoint_interval;
  std::deque<QueuedEvent> batch;
  for (;;) {
    bool stop = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      auto ready = [&] { return stopping_ || !queue_.empty(); };
      if (interval.count() > 0 && state_->events_since_checkpoint > 0) {
        wake_.wait_until(lock, last_checkpoint_time_ + interval, ready);
      } else {
        wake_.wait(lock, ready);
      }
      batch.swap(queue_);
      stop = stopping_ && batch.empty();
    }
    if (!batch.empty()) {
      const uint64_t n = batch.size();
      WriteBatch(batch);
      batch.clear();
      {
        std::lock_guard<std::mutex> lock(mu_);
        processed_ += n;
      }
      drained_.notify_all();
    }
    const bool interval_due = interval.count() > 0 &&
                              std::chrono::steady_clock::now() - last_checkpoint_time_ >= interval;
    if (state_->events_since_checkpoint > 0 && (stop || interval_due)) WriteCheckpoint();
    if (stop) break;
  }
  if (options_.fsync != FsyncPolicy::kNever) ::fsync(fd_);
  std::lock_guard<std::mutex> lock(mu_);
  drained_.notify_all();
}

void AuditLog::WriteBatch(std::deque<QueuedEvent>& batch) {
  constexpr size_t kMaxBuffer = 1 << 20;
  std::string buf;
  uint64_t in_buf = 0;
  ChainState before = *state_;
  // Writes the buffered lines; on failure the chain state rolls back so it never claims a
  // line the file does not hold.
  auto flush = [&] {
    if (buf.empty()) return;
    if (WriteBytes(buf)) {
      appended_.fetch_add(in_buf, std::memory_order_relaxed);
      if (options_.fsync == FsyncPolicy::kAlways) ::fsync(fd_);
    } else {
      *state_ = before;
      write_errors_.fetch_add(in_buf, std::memory_order_relaxed);
    }
    buf.clear();
    in_buf = 0;
    before = *state_;
  };
  for (QueuedEvent& q : batch) {
    std::string line =
        BuildEventLine(state_->next_seq, state_->prev, FormatTimestamp(q.ts), q.event);
    state_->prev = Sha256Hex(line);
    ++state_->next_seq;
    ++state_->event_count;
    ++state_->events_since_checkpoint;
    state_->last_is_checkpoint = false;
    buf += line;
    buf += '\n';
    ++in_buf;
    const bool checkpoint_due = options_.checkpoint_every_n_events > 0 &&
                                state_->events_since_checkpoint >= options_.checkpoint_every_n_events;
    const bool rotate_due =
        options_.rotate_bytes > 0 && state_->file_size + buf.size() >= options_.rotate_bytes;
    if (checkpoint_due || rotate_due || buf.size() >= kMaxBuffer) flush();
    if (checkpoint_due) WriteCheckpoint();
    if (rotate_due) Rotate();
    if (buf.empty()) before = *state_;  // checkpoint / rotation lines are already on disk
  }
  flush();
}

bool AuditLog::WriteCheckpoint() {
  // Set even if this attempt fails, so a failing disk is retried per interval, not in a spin.
  last_checkpoint_time_ = std::chrono::steady_clock::now();
  const std::string ts = FormatTimestamp(options_.clock());
  const uint64_t seq = state_->next_seq;
  auto sig = signer_->Sign(CheckpointMessage(seq, state_->event_count, state_->prev, ts));
  if (!sig.ok()) return false;
  const std::string line = BuildCheckpointLine(seq, state_->prev, ts, state_->event_count,
                                               signer_->KeyId(), Base64Encode(*sig));
  if (!WriteBytes(line + "\n")) return false;
  state_->prev = Sha256Hex(line);
  ++state_->next_seq;
  state_->events_since_checkpoint = 0;
  state_->last_is_checkpoint = true;
  checkpoints_.fetch_add(1, std::memory_order_relaxed);
  if (options_.fsync != FsyncPolicy::kNever) ::fsync(fd_);
  return true;
}

bool AuditLog::WriteBytes(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // Cut whatever part made it so the file ends on a whole line of the chain.
      if (::ftruncate(fd_, static_cast<off_t>(state_->file_size)) != 0) {
        // Nothing more to do: the next Open() cuts a partial last line anyway.
      }
      return false;
    }
    done += static_cast<size_t>(n);
  }
  state_->file_size += bytes.size();
  return true;
}

void AuditLog::Rotate() {
  // A rotated file ends sealed, so it verifies on its own up to its last line.
  if (!state_->last_is_checkpoint && !WriteCheckpoint()) return;
  const std::string rotated = RotatedFileName(options_.path, state_->rotation_number + 1);
  if (::rename(options_.path.c_str(), rotated.c_str()) != 0) return;  // retried next event
  ++state_->rotation_number;
  const int fd = OpenForAppend(options_.path);
  if (fd < 0) {
    // Keep appending to the renamed file: the chain stays whole, just in one longer file.
    return;
  }
  ::close(fd_);
  fd_ = fd;
  state_->file_size = 0;
  rotations_.fetch_add(1, std::memory_order_relaxed);
  if (options_.fsync != FsyncPolicy::kNever) FsyncDirOf(options_.path);
  // Every non-genesis file opens with a signed checkpoint: a verifier given only the newer
  // files anchors there, and deleting a file's first lines is detected.
  WriteCheckpoint();
}

}  // namespace isartor::audit
