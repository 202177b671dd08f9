// The audit log line format, shared by the writer (AuditLog) and the verifier.
//
// Event line:      {"seq":N,"prev":"<hex>","ts":"<RFC3339>", ...event fields...}
// Checkpoint line: {"seq":N,"type":"checkpoint","prev":"<hex>","ts":"<RFC3339>","count":C,
//                   "head":"<hex>","key":"<key id>","sig":"<base64>"}
// `prev` is the SHA-256 of the previous line's bytes (without its '\n'); the first line of a
// chain has 64 zeros. `head` equals `prev` (the hash of the line the checkpoint seals), `count`
// is the number of event lines since the genesis line, and `sig` is Ed25519 over
// CheckpointMessage(). See docs/audit-log.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "common/result.h"

namespace isartor::audit {

inline constexpr std::string_view kGenesisPrev =
    "0000000000000000000000000000000000000000000000000000000000000000";

// The exact bytes a checkpoint signature covers:
// "isartor-audit-checkpoint-v1\nseq=<seq>\ncount=<count>\nhead=<head>\nts=<ts>\n".
std::string CheckpointMessage(uint64_t seq, uint64_t count, std::string_view head,
                              std::string_view ts);

// RFC 3339 UTC with milliseconds, e.g. "2024-05-01T12:00:00.123Z". Never fails.
std::string FormatTimestamp(std::chrono::system_clock::time_point t);

// Serialises an event line (no trailing newline). Event keys that collide with the envelope
// ("seq", "prev", "ts") are kept under "event_<key>", and an event "type" of "checkpoint" is
// kept as "event_type" so an event can never pose as a checkpoint.
std::string BuildEventLine(uint64_t seq, std::string_view prev, std::string_view ts,
                           const boost::json::object& event);

// Serialises a checkpoint line (no trailing newline). `sig_base64` is the Base64 signature.
std::string BuildCheckpointLine(uint64_t seq, std::string_view prev, std::string_view ts,
                                uint64_t count, std::string_view key_id,
                                std::string_view sig_base64);

// The envelope fields of one line.
struct ParsedLine {
  uint64_t seq = 0;
  std::string prev;
  std::string ts;  // empty if absent
  bool is_checkpoint = false;
  // Checkpoint-only fields.
  uint64_t count = 0;
  std::string head;
  std::string key_id;
  std::string sig_base64;
};

// Parses one line (without '\n'). Returns kDataLoss naming what is wrong if the line is not
// a JSON object, lacks an integer "seq" or a 64-hex "prev", or is a checkpoint lacking
// "count", "head" or "sig". Never throws.
Result<ParsedLine> ParseLine(std::string_view line);

}  // namespace isartor::audit
