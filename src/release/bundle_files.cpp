#include "release/bundle_files.h"

#include <array>
#include <filesystem>
#include <fstream>

#include "release/sha256_stream.h"
#include "release/tar_gz_reader.h"

namespace isartor::release {

namespace {

namespace fs = std::filesystem;

// SHA256SUMS and its signature are kept in memory; a real one is a few kilobytes.
constexpr uint64_t kMaxSmallFile = 1 << 20;

bool IsSmallFile(const std::string& rel) { return rel == kSumsFile || rel == kSignatureFile; }

void KeepSmallFile(BundleContents& out, const std::string& rel, std::string bytes) {
  if (rel == kSumsFile) out.sums = std::move(bytes);
  if (rel == kSignatureFile) out.signature = std::move(bytes);
}

}  // namespace

Result<BundleContents> ReadBundleDir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return MakeError(ErrorCode::kNotFound, dir + " is not a readable folder");
  }
  BundleContents out;
  fs::recursive_directory_iterator it(dir, ec), end;
  if (ec) return MakeError(ErrorCode::kNotFound, "cannot list " + dir + ": " + ec.message());
  std::array<char, 64 * 1024> buf;
  for (; it != end; it.increment(ec)) {
    if (ec) return MakeError(ErrorCode::kDataLoss, "cannot list " + dir + ": " + ec.message());
    const fs::path& p = it->path();
    const std::string rel = p.lexically_relative(dir).generic_string();
    const fs::file_status st = it->symlink_status(ec);
    if (fs::is_directory(st)) continue;
    if (!fs::is_regular_file(st)) {
      out.anomalies.push_back(rel + " is not a regular file (a bundle holds only files)");
      continue;
    }
    std::ifstream in(p, std::ios::binary);
    if (!in) return MakeError(ErrorCode::kDataLoss, "cannot read " + p.string());
    Sha256Stream sha;
    std::string small;
    uint64_t size = 0;
    while (in.read(buf.data(), buf.size()) || in.gcount() > 0) {
      const std::string_view chunk(buf.data(), static_cast<size_t>(in.gcount()));
      sha.Update(chunk);
      size += chunk.size();
      if (IsSmallFile(rel) && size <= kMaxSmallFile) small.append(chunk);
    }
    if (in.bad()) return MakeError(ErrorCode::kDataLoss, "cannot read " + p.string());
    if (IsSmallFile(rel) && size <= kMaxSmallFile) KeepSmallFile(out, rel, std::move(small));
    out.files[rel] = BundleFile{sha.FinishHex(), size};
  }
  return out;
}

Result<BundleContents> ReadBundleTarGz(const std::string& path) {
  auto reader = TarGzReader::Open(path);
  if (!reader.ok()) return reader.error();
  BundleContents out;
  std::optional<std::string> root;
  std::array<char, 64 * 1024> buf;
  bool any = false;
  while (true) {
    auto next = (*reader)->Next();
    if (!next.ok()) return next.error();
    if (!next->has_value()) break;
    const TarEntry& entry = **next;
    any = true;
    const size_t slash = entry.path.find('/');
    const std::string top = entry.path.substr(0, slash);
    if (top.empty() || top == ".." || (root && top != *root)) {
      return MakeError(ErrorCode::kDataLoss,
                       path + ": member '" + entry.path +
                           "' is not under the bundle's single top-level folder" +
                           (root ? " '" + *root + "'" : std::string()));
    }
    root = top;
    if (slash == std::string::npos) {
      if (entry.type == TarEntry::Type::kDirectory) continue;
      return MakeError(ErrorCode::kDataLoss, path + ": member '" + entry.path +
                                                 "' lies outside the bundle's top-level folder");
    }
    const std::string rel = entry.path.substr(slash + 1);
    if (entry.type == TarEntry::Type::kDirectory) continue;
    if (entry.type == TarEntry::Type::kOther) {
      out.anomalies.push_back(rel + " is not a regular file (tar type '" +
                              std::string(1, entry.type_flag) + "'; a bundle holds only files)");
      continue;
    }
    if (out.files.count(rel) != 0) {
      out.anomalies.push_back(rel + " appears twice in the archive");
    }
    Sha256Stream sha;
    std::string small;
    uint64_t size = 0;
    while (true) {
      auto n = (*reader)->Read(buf.data(), buf.size());
      if (!n.ok()) return n.error();
      if (*n == 0) break;
      const std::string_view chunk(buf.data(), *n);
      sha.Update(chunk);
      size += chunk.size();
      if (IsSmallFile(rel) && size <= kMaxSmallFile) small.append(chunk);
    }
    if (IsSmallFile(rel) && size <= kMaxSmallFile) KeepSmallFile(out, rel, std::move(small));
    out.files[rel] = BundleFile{sha.FinishHex(), size};
  }
  if (!any) return MakeError(ErrorCode::kDataLoss, path + ": the archive is empty");
  return out;
}

Result<BundleContents> ReadBundle(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return ReadBundleDir(path);
  if (!fs::exists(path, ec)) return MakeError(ErrorCode::kNotFound, path + " does not exist");
  return ReadBundleTarGz(path);
}

}  // namespace isartor::release
