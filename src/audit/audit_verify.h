// Verifying audit log files written by AuditLog: the hash chain, every checkpoint signature
// and the event count, across rotated files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace isartor::audit {

// The first place the log stops being trustworthy.
struct VerifyFailure {
  std::string file;
  uint64_t line = 0;  // 1-based line number in `file`
  std::string reason;
};

struct VerifyReport {
  std::vector<std::string> files;  // in chain order (sorted by their first seq)
  uint64_t events = 0;             // event lines whose chain links verified
  uint64_t checkpoints = 0;        // checkpoint lines whose signature verified
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  std::string first_ts;  // of the first event ("" if none)
  std::string last_ts;   // of the last verified event
  bool starts_at_genesis = false;  // false: earlier files were not supplied (retention)
  std::optional<uint64_t> last_checkpoint_seq;  // last signed checkpoint, if any
  // Events after the last signed checkpoint: their chain links are intact but no signature
  // covers them yet (a live log, or a kill -9 / a truncation after the last checkpoint).
  uint64_t unsigned_trailing_events = 0;
  // The last file ended in a line without '\n' (a write cut by kill -9); it is ignored.
  bool partial_last_line = false;
  std::optional<VerifyFailure> failure;  // set: tampering or damage detected

  // True when nothing failed and every event is covered by a signed checkpoint.
  bool fully_signed() const { return !failure && unsigned_trailing_events == 0; }
  // One line: "OK: 1200 events, 2024-...Z .. 2024-...Z, last signed checkpoint seq 1213" plus
  // the caveats, or "FAILED: file:line: reason (N events verified before it)".
  std::string Summary() const;
};

// Verifies `paths` (any order: they are sorted by the seq of their first line) against the
// Ed25519 public key in `public_key_pem_file`. The chain must start at genesis (seq 1) or, if
// older rotated files were not supplied, at a signed checkpoint (every rotated-into file
// starts with one). Tampering is reported in VerifyReport::failure, never as an Error.
// Errors: kNotFound / kInvalidArgument for the key, kNotFound if a path cannot be opened,
// kInvalidArgument if `paths` is empty. Thread-safe (no shared state).
Result<VerifyReport> VerifyAuditLog(const std::vector<std::string>& paths,
                                    const std::string& public_key_pem_file);

}  // namespace isartor::audit
