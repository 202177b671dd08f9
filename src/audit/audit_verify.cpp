#include "audit/audit_verify.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <memory>

#include "audit/audit_format.h"
#include "audit/ed25519.h"
#include "audit/sha256.h"

namespace isartor::audit {

namespace {

// Walks the lines of all files in chain order, holding what the next line must look like.
class ChainChecker {
 public:
  ChainChecker(const Ed25519Verifier& key, VerifyReport& report) : key_(key), report_(report) {}

  // Returns false once a failure is recorded (the caller stops there).
  bool CheckFile(const std::string& path, bool is_last_file) {
    std::ifstream in(path, std::ios::binary);
    std::string line;
    uint64_t line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      if (in.eof()) {  // no '\n': the writer was cut mid-line
        if (is_last_file) {
          report_.partial_last_line = true;
          return true;
        }
        return Fail(path, line_no, "unterminated line at the end of a file that is not the "
                                   "last one (truncated file?)");
      }
      if (!CheckLine(path, line_no, line)) return false;
    }
    if (line_no > 0) {
      prev_file_ = path;
      prev_file_last_seq_ = expected_seq_ - 1;
    }
    return true;
  }

  uint64_t events_since_checkpoint() const { return events_since_checkpoint_; }

 private:
  bool Fail(const std::string& file, uint64_t line, std::string reason) {
    report_.failure = VerifyFailure{file, line, std::move(reason)};
    return false;
  }

  bool CheckLine(const std::string& file, uint64_t line_no, const std::string& line) {
    if (line.empty()) return Fail(file, line_no, "empty line (inserted?)");
    auto parsed = ParseLine(line);
    if (!parsed.ok()) {
      return Fail(file, line_no, "not an audit line: " + parsed.error().message);
    }
    const ParsedLine& p = *parsed;
    if (!started_) {
      if (!Start(file, line_no, p)) return false;
    } else if (!CheckLink(file, line_no, p)) {
      return false;
    }
    if (p.is_checkpoint) {
      if (!CheckCheckpoint(file, line_no, p)) return false;
    } else {
      ++report_.events;
      ++count_;
      ++events_since_checkpoint_;
      if (report_.first_ts.empty()) report_.first_ts = p.ts;
      report_.last_ts = p.ts;
    }
    report_.last_seq = p.seq;
    expected_seq_ = p.seq + 1;
    expected_prev_ = Sha256Hex(line);
    prev_line_no_ = line_no;
    return true;
  }

  bool Start(const std::string& file, uint64_t line_no, const ParsedLine& p) {
    started_ = true;
    report_.first_seq = p.seq;
    if (p.seq == 1 && p.prev == kGenesisPrev) {
      report_.starts_at_genesis = true;
      return true;
    }
    if (p.is_checkpoint) {
      count_ = p.count;  // trusted once its signature verifies (CheckCheckpoint)
      return true;
    }
    return Fail(file, line_no,
                "the chain starts at seq " + std::to_string(p.seq) +
                    ", which is neither genesis (seq 1) nor a signed checkpoint: leading lines "
                    "or earlier files are missing");
  }

  bool CheckLink(const std::string& file, uint64_t line_no, const ParsedLine& p) {
    const bool file_start = line_no == 1;
    if (p.seq != expected_seq_) {
      const std::string got = "seq " + std::to_string(p.seq) + " where " +
                              std::to_string(expected_seq_) + " was expected";
      if (file_start && p.seq > expected_seq_) {
        return Fail(file, line_no,
                    "chain break across files: " + prev_file_ + " ends at seq " +
                        std::to_string(prev_file_last_seq_) + " but this file starts at seq " +
                        std::to_string(p.seq) + " (a rotated file is missing)");
      }
      if (p.seq > expected_seq_) {
        return Fail(file, line_no, got + ": " + std::to_string(p.seq - expected_seq_) +
                                       " line(s) deleted or moved before this line");
      }
      return Fail(file, line_no, got + ": a line was inserted before this one or lines were "
                                       "reordered");
    }
    if (p.prev != expected_prev_) {
      if (file_start) {
        return Fail(file, line_no, "first line does not chain to the last line of " +
                                       prev_file_ + " (file replaced or edited)");
      }
      return Fail(file, prev_line_no_,
                  "line hash does not match the prev recorded by line " +
                      std::to_string(line_no) + ": this line was edited (or the next one "
                      "replaced)");
    }
    return true;
  }

  bool CheckCheckpoint(const std::string& file, uint64_t line_no, const ParsedLine& p) {
    if (p.head != p.prev) {
      return Fail(file, line_no, "checkpoint head does not match the hash of the line it seals");
    }
    const auto sig = Base64Decode(p.sig_base64);
    if (!sig || !key_.Verify(CheckpointMessage(p.seq, p.count, p.head, p.ts), *sig)) {
      std::string why = "checkpoint signature does not verify (forged or edited checkpoint";
      if (!p.key_id.empty() && p.key_id != key_.KeyId()) {
        why += ", or signed with another key: checkpoint names key " + p.key_id +
               ", verifying with " + key_.KeyId();
      }
      return Fail(file, line_no, why + ")");
    }
    if (p.count != count_) {
      return Fail(file, line_no, "checkpoint signs a count of " + std::to_string(p.count) +
                                     " events but the chain holds " + std::to_string(count_));
    }
    ++report_.checkpoints;
    report_.last_checkpoint_seq = p.seq;
    events_since_checkpoint_ = 0;
    return true;
  }

  const Ed25519Verifier& key_;
  VerifyReport& report_;
  bool started_ = false;
  uint64_t expected_seq_ = 1;
  std::string expected_prev_;
  uint64_t count_ = 0;  // events since genesis
  uint64_t events_since_checkpoint_ = 0;
  uint64_t prev_line_no_ = 0;
  std::string prev_file_;
  uint64_t prev_file_last_seq_ = 0;
};

// Orders files by the seq of their first line, so "audit.log audit.log.*" works. If any first
// line is unreadable the given order stands and the checker reports that line.
std::vector<std::string> ChainOrder(const std::vector<std::string>& paths) {
  std::vector<std::pair<uint64_t, std::string>> keyed;
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    std::string first;
    if (!std::getline(in, first) || first.empty()) {
      keyed.emplace_back(std::numeric_limits<uint64_t>::max(), path);
      continue;
    }
    auto parsed = ParseLine(first);
    if (!parsed.ok()) return paths;
    keyed.emplace_back(parsed->seq, path);
  }
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (auto& k : keyed) out.push_back(std::move(k.second));
  return out;
}

}  // namespace

Result<VerifyReport> VerifyAuditLog(const std::vector<std::string>& paths,
                                    const std::string& public_key_pem_file) {
  if (paths.empty()) return MakeError(ErrorCode::kInvalidArgument, "no audit log files given");
  auto key = Ed25519Verifier::FromPemFile(public_key_pem_file);
  if (!key.ok()) return key.error();
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return MakeError(ErrorCode::kNotFound, "cannot open audit log " + path);
  }
  VerifyReport report;
  report.files = ChainOrder(paths);
  ChainChecker checker(**key, report);
  for (size_t i = 0; i < report.files.size(); ++i) {
    if (!checker.CheckFile(report.files[i], i + 1 == report.files.size())) break;
  }
  report.unsigned_trailing_events = checker.events_since_checkpoint();
  return report;
}

std::string VerifyReport::Summary() const {
  const std::string last_cp = last_checkpoint_seq
                                  ? "last signed checkpoint seq " +
                                        std::to_string(*last_checkpoint_seq)
                                  : "no signed checkpoint";
  if (failure) {
    return "FAILED: " + failure->file + ":" + std::to_string(failure->line) + ": " +
           failure->reason + " (" + std::to_string(events) + " events verified before it, " +
           last_cp + ")";
  }
  std::string s = std::string(unsigned_trailing_events == 0 ? "OK" : "OK (signed part)") +
                  ": " + std::to_string(events) + " events in " + std::to_string(files.size()) +
                  (files.size() == 1 ? " file" : " files");
  if (events > 0) s += ", " + first_ts + " .. " + last_ts;
  s += ", " + last_cp;
  if (unsigned_trailing_events > 0) {
    s += "; WARNING: " + std::to_string(unsigned_trailing_events) +
         " unsigned trailing event(s) after it (live log, crash or truncation)";
  }
  if (partial_last_line) s += "; partial last line ignored";
  if (!starts_at_genesis && first_seq > 0) {
    s += "; chain starts at seq " + std::to_string(first_seq) + " (earlier files not supplied)";
  }
  return s;
}

}  // namespace isartor::audit
