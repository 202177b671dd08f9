#include "obs/log.h"

#include <unistd.h>

#include <atomic>
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

void WriteStdoutLine(std::string_view line) {
  std::string buf;
  buf.reserve(line.size() + 1);
  buf.append(line);
  buf.push_back('\n');
  WriteAll(STDOUT_FILENO, buf);
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
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

}  // namespace isartor
