#include "audit/log_tail.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "audit/audit_format.h"
#include "audit/sha256.h"

namespace isartor::audit {

namespace fs = std::filesystem;

namespace {

Result<std::string> ReadRange(const std::string& path, uint64_t begin, uint64_t end) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kUnavailable, "cannot read " + path);
  std::string buf(end - begin, '\0');
  in.seekg(static_cast<std::streamoff>(begin));
  in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
  if (static_cast<uint64_t>(in.gcount()) != buf.size()) {
    return MakeError(ErrorCode::kUnavailable, "short read from " + path);
  }
  return buf;
}

// Splits complete lines (each ended by '\n') of `text`.
std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) break;
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return lines;
}

}  // namespace

Result<ChainTail> ReadChainTail(const std::string& path) {
  ChainTail tail;
  std::error_code ec;
  if (!fs::exists(path, ec)) return tail;
  tail.file_size = fs::file_size(path, ec);
  if (ec) return MakeError(ErrorCode::kUnavailable, "cannot stat " + path + ": " + ec.message());
  // Grow a window from the end until it holds a checkpoint or reaches the file start; the
  // writer seals at least every N events, so one small window normally suffices.
  for (uint64_t window = 64 * 1024;; window *= 4) {
    const uint64_t begin = tail.file_size > window ? tail.file_size - window : 0;
    auto data = ReadRange(path, begin, tail.file_size);
    if (!data.ok()) return data.error();
    std::string_view text(*data);
    const size_t last_nl = text.rfind('\n');
    if (last_nl == std::string_view::npos) {
      if (begin == 0) return tail;  // only a partial line: nothing to continue
      continue;
    }
    tail.complete_size = begin + last_nl + 1;
    size_t start = 0;
    if (begin > 0) start = text.find('\n') + 1;  // the first fragment may be a partial line
    std::vector<std::string_view> lines = SplitLines(text.substr(start, last_nl + 1 - start));
    if (lines.empty()) continue;
    tail.empty = false;
    uint64_t events_after = 0;
    for (size_t i = lines.size(); i-- > 0;) {
      auto parsed = ParseLine(lines[i]);
      if (!parsed.ok()) {
        return MakeError(ErrorCode::kDataLoss, path + ": cannot continue the chain, a line near "
                                                   "the end is damaged: " + parsed.error().message);
      }
      if (i == lines.size() - 1) {
        tail.last_seq = parsed->seq;
        tail.last_hash = Sha256Hex(lines[i]);
        tail.last_is_checkpoint = parsed->is_checkpoint;
      }
      if (parsed->is_checkpoint) {
        tail.event_count = parsed->count + events_after;
        tail.events_since_checkpoint = events_after;
        return tail;
      }
      ++events_after;
      if (i == 0 && begin == 0) {
        if (parsed->seq == 1 && parsed->prev == kGenesisPrev) {
          tail.event_count = events_after;
          tail.events_since_checkpoint = events_after;
          return tail;
        }
        return MakeError(ErrorCode::kDataLoss,
                         path + ": cannot continue the chain: the file neither starts at "
                                "genesis nor holds a checkpoint");
      }
    }
    if (begin == 0) return MakeError(ErrorCode::kInternal, "unreachable tail state");
  }
}

std::vector<std::string> ListRotatedFiles(const std::string& path) {
  const fs::path p(path);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  const std::string prefix = p.filename().string() + ".";
  std::vector<std::pair<uint64_t, std::string>> found;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.size() > 18 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    found.emplace_back(std::stoull(digits), (dir / name).string());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

uint64_t LastRotationNumber(const std::string& path) {
  const auto files = ListRotatedFiles(path);
  if (files.empty()) return 0;
  const std::string& last = files.back();
  return std::stoull(last.substr(last.rfind('.') + 1));
}

std::string RotatedFileName(const std::string& path, uint64_t number) {
  char digits[32];
  std::snprintf(digits, sizeof(digits), "%06llu", static_cast<unsigned long long>(number));
  return path + "." + digits;
}

}  // namespace isartor::audit
