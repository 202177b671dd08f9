#include "obs/log.h"

#include <unistd.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace isartor {
namespace {

std::atomic<int> g_min_level{static_cast<int>(LogLevel::kInfo)};

void WriteAll(int fd, const std::string& data) {
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n <= 0) return;  // nothing sensible to do when stdout is gone
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace

void SetLogLevel(std::string_view level) {
  LogLevel l = LogLevel::kInfo;
  if (level == "debug") l = LogLevel::kDebug;
  if (level == "warn") l = LogLevel::kWarn;
  if (level == "error") l = LogLevel::kError;
  g_min_level = static_cast<int>(l);
}

namespace {

// One buffer per thread that logs; registered so the flusher and FlushStdout can reach it.
struct LineBuffer {
  std::mutex mu;
  std::string data;
};

struct Registry {
  std::mutex mu;  // guards `buffers` (registration and flush passes only)
  std::vector<std::shared_ptr<LineBuffer>> buffers;
  std::mutex write_mu;  // orders whole-buffer writes to fd 1 so batches never interleave
  std::thread flusher;
  std::atomic<bool> stop{false};
};

Registry& Reg() {
  static Registry* registry = new Registry();  // never destroyed: threads may log at exit
  return *registry;
}

LineBuffer& ThreadBuffer() {
  thread_local std::shared_ptr<LineBuffer> buffer = [] {
    auto b = std::make_shared<LineBuffer>();
    b->data.reserve(64 * 1024);
    std::lock_guard<std::mutex> lock(Reg().mu);
    Reg().buffers.push_back(b);
    return b;
  }();
  return *buffer;
}

constexpr std::size_t kFlushBytes = 32 * 1024;

void WriteBatch(std::string& batch) {
  if (batch.empty()) return;
  std::lock_guard<std::mutex> lock(Reg().write_mu);
  WriteAll(STDOUT_FILENO, batch);
  batch.clear();
}

void FlushAll() {
  std::vector<std::shared_ptr<LineBuffer>> buffers;
  {
    std::lock_guard<std::mutex> lock(Reg().mu);
    buffers = Reg().buffers;
  }
  std::string batch;
  for (auto& b : buffers) {
    {
      std::lock_guard<std::mutex> lock(b->mu);
      batch.swap(b->data);
      b->data.reserve(64 * 1024);
    }
    WriteBatch(batch);
  }
}

}  // namespace

void WriteStdoutLines(std::string_view lines) {
  LineBuffer& b = ThreadBuffer();
  std::string full;
  {
    std::lock_guard<std::mutex> lock(b.mu);
    b.data.append(lines);
    if (b.data.size() < kFlushBytes) return;
    full.swap(b.data);
    b.data.reserve(64 * 1024);
  }
  WriteBatch(full);
}

void WriteStdoutLine(std::string_view line) {
  std::string buf;
  buf.reserve(line.size() + 1);
  buf.append(line);
  buf.push_back('\n');
  WriteStdoutLines(buf);
}

void StartStdoutFlusher() {
  Registry& r = Reg();
  std::lock_guard<std::mutex> lock(r.mu);
  if (r.flusher.joinable()) return;
  r.stop = false;
  r.flusher = std::thread([&r] {
    while (!r.stop.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      FlushAll();
    }
  });
}

void FlushStdout() {
  Registry& r = Reg();
  std::thread flusher;
  {
    std::lock_guard<std::mutex> lock(r.mu);
    r.stop = true;
    flusher.swap(r.flusher);
  }
  if (flusher.joinable()) flusher.join();
  FlushAll();
}

void LogJson(const boost::json::object& event) { WriteStdoutLine(boost::json::serialize(event)); }

void Diag(LogLevel level, std::string_view message) {
  if (static_cast<int>(level) < g_min_level.load(std::memory_order_relaxed)) return;
  static const char* names[] = {"debug", "info", "warn", "error"};
  std::string line = "isartor: ";
  line += names[static_cast<int>(level)];
  line += ": ";
  line.append(message);
  line.push_back('\n');
  WriteAll(STDERR_FILENO, line);
}

std::string NowRfc3339() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
            1000;
  // The "YYYY-MM-DDTHH:MM:SS." part changes once a second: format it once per thread and second.
  thread_local std::time_t cached_secs = -1;
  thread_local char prefix[32];
  if (secs != cached_secs) {
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::snprintf(prefix, sizeof prefix, "%04d-%02d-%02dT%02d:%02d:%02d.", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    cached_secs = secs;
  }
  std::string out(prefix);
  out.push_back(static_cast<char>('0' + ms / 100));
  out.push_back(static_cast<char>('0' + ms / 10 % 10));
  out.push_back(static_cast<char>('0' + ms % 10));
  out.push_back('Z');
  return out;
}

}  // namespace isartor
