// Reading the end of an existing audit log so a new writer can continue its chain, and finding
// rotated files. Internal to the audit module (used by AuditLog::Open).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace isartor::audit {

// Where a chain stands at the end of one file.
struct ChainTail {
  bool empty = true;           // no complete line in the file (missing file counts as empty)
  uint64_t complete_size = 0;  // bytes up to and including the last '\n'
  uint64_t file_size = 0;      // actual size; > complete_size when a partial line trails
  uint64_t last_seq = 0;       // seq of the last complete line
  std::string last_hash;       // SHA-256 hex of the last complete line
  bool last_is_checkpoint = false;
  uint64_t event_count = 0;    // events since genesis, through the last complete line
  uint64_t events_since_checkpoint = 0;  // events after the last checkpoint (unsealed)
};

// Reads the tail of `path` backwards until it finds a checkpoint (whose signed count plus the
// events after it give event_count) or reaches a genesis first line. A missing file is an
// empty tail. Errors: kUnavailable if the file cannot be read; kDataLoss if a line it needs
// does not parse, or the file neither starts at genesis nor holds a checkpoint.
Result<ChainTail> ReadChainTail(const std::string& path);

// Rotated files of `path`: "<path>.<digits>", sorted by their number (oldest first).
// Returns their full paths; an unreadable directory yields an empty list.
std::vector<std::string> ListRotatedFiles(const std::string& path);

// Number of the newest rotated file of `path` (0 if none).
uint64_t LastRotationNumber(const std::string& path);

// "<path>.<number>" with the number zero-padded to 6 digits.
std::string RotatedFileName(const std::string& path, uint64_t number);

}  // namespace isartor::audit
