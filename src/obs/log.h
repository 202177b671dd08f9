// Structured logs. Request log lines and audit events are one JSON object per line on stdout.
// Lines are appended to a per-thread buffer (its mutex is only ever contended by the flusher)
// and written in batches: when a buffer passes 32 KiB, and by a flusher thread every 50 ms,
// so the request path makes no syscall for logging. Lines never interleave.
// Diagnostics (startup, warnings, degraded modes) go to stderr as text, unbuffered.
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

namespace isartor {

enum class LogLevel { kDebug = 0, kInfo, kWarn, kError };

// Sets the minimum level for Diag(). Call once at start, before threads run.
void SetLogLevel(std::string_view level);

// Queues `lines` (one or more complete lines, each ending in '\n') for stdout.
void WriteStdoutLines(std::string_view lines);
// Writes `line` + '\n' (queued like WriteStdoutLines).
void WriteStdoutLine(std::string_view line);
// Starts the background flusher (idempotent). Without it, buffers flush only when full and at
// FlushStdout(); the gateway starts it, one-shot commands need not.
void StartStdoutFlusher();
// Writes every buffered line now and stops the flusher. Call at shutdown.
void FlushStdout();

// Serialises `event` and writes it as one line to stdout.
void LogJson(const boost::json::object& event);

// A human-readable diagnostic on stderr: "isartor: <level>: <message>".
void Diag(LogLevel level, std::string_view message);

// RFC 3339 UTC timestamp with milliseconds, for log lines.
std::string NowRfc3339();

}  // namespace isartor
