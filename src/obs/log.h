// Structured logs. Request log lines and audit events are one JSON object per line on stdout,
// written with a single write(2) so concurrent lines never interleave (no lock needed).
// Diagnostics (startup, warnings, degraded modes) go to stderr as text.
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

namespace isartor {

enum class LogLevel { kDebug = 0, kInfo, kWarn, kError };

// Sets the minimum level for Diag(). Call once at start, before threads run.
void SetLogLevel(std::string_view level);

// Writes `line` + '\n' to stdout in one write call.
void WriteStdoutLine(std::string_view line);

// Serialises `event` and writes it as one line to stdout.
void LogJson(const boost::json::object& event);

// A human-readable diagnostic on stderr: "isartor: <level>: <message>".
void Diag(LogLevel level, std::string_view message);

// RFC 3339 UTC timestamp with milliseconds, for log lines.
std::string NowRfc3339();

}  // namespace isartor
