#include "release/bundle_sums.h"

#include "audit/sha256.h"

namespace isartor::release {

namespace {

bool UnsafePath(std::string_view path) {
  if (path.empty() || path.front() == '/') return true;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t end = std::min(path.find('/', start), path.size());
    const std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

std::string FormatSums(const std::map<std::string, BundleFile>& files) {
  std::string out;
  for (const auto& [path, file] : files) {
    if (path == kSumsFile || path == kSignatureFile) continue;
    out += file.sha256_hex + "  " + path + "\n";
  }
  return out;
}

Result<std::map<std::string, std::string>> ParseSums(std::string_view text) {
  std::map<std::string, std::string> out;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t nl = text.find('\n');
    if (nl == std::string_view::npos) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "SHA256SUMS line " + std::to_string(line_no) +
                           " has no line end: the file is truncated");
    }
    const std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    const auto bad = [&](const std::string& why) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "SHA256SUMS line " + std::to_string(line_no) + " " + why);
    };
    if (line.size() < 67 || !audit::IsSha256Hex(line.substr(0, 64)) || line[64] != ' ' ||
        (line[65] != ' ' && line[65] != '*')) {
      return bad("is not '<sha256 hex>  <path>'");
    }
    const std::string path(line.substr(66));
    if (UnsafePath(path)) return bad("names an unsafe path '" + path + "'");
    if (!out.emplace(path, std::string(line.substr(0, 64))).second) {
      return bad("lists '" + path + "' a second time");
    }
  }
  if (out.empty()) return MakeError(ErrorCode::kInvalidArgument, "SHA256SUMS is empty");
  return out;
}

}  // namespace isartor::release
