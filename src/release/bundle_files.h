// What a release bundle holds, read from an unpacked folder or straight from its .tar.gz:
// each regular file's path and SHA-256, plus the bytes of SHA256SUMS and its signature.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace isartor::release {

inline constexpr char kSumsFile[] = "SHA256SUMS";
inline constexpr char kSignatureFile[] = "SHA256SUMS.sig";

struct BundleFile {
  std::string sha256_hex;
  uint64_t size = 0;
};

struct BundleContents {
  std::map<std::string, BundleFile> files;  // path relative to the bundle root -> digest
  std::optional<std::string> sums;          // SHA256SUMS text, when present
  std::optional<std::string> signature;     // SHA256SUMS.sig bytes, when present
  // Members that are neither regular files nor directories (symlinks, devices...), and
  // paths found twice in an archive: a bundle holds none, so each is a problem to report.
  std::vector<std::string> anomalies;
};

// Reads the bundle rooted at folder `dir` (the folder that holds SHA256SUMS).
// kNotFound if `dir` is not a readable folder; kDataLoss if a file cannot be read.
Result<BundleContents> ReadBundleDir(const std::string& dir);

// Reads a .tar.gz whose members all sit under one top-level folder (that folder is the
// bundle root). kNotFound if unreadable; kDataLoss if truncated, corrupt or not a tar, or if
// members are not under a single top-level folder (the message names the first offender).
Result<BundleContents> ReadBundleTarGz(const std::string& path);

// ReadBundleDir for a folder, ReadBundleTarGz otherwise.
Result<BundleContents> ReadBundle(const std::string& path);

}  // namespace isartor::release
