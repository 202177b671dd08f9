// The SHA256SUMS file of a release bundle: the `sha256sum` text format ("<hex>  <path>\n",
// sorted by path), so a site can also check it with coreutils. It lists every file of the
// bundle except itself and its detached signature SHA256SUMS.sig (raw 64-byte Ed25519).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/result.h"
#include "release/bundle_files.h"

namespace isartor::release {

// Renders the listing of `files`, leaving out SHA256SUMS and SHA256SUMS.sig. Never fails.
std::string FormatSums(const std::map<std::string, BundleFile>& files);

// Parses SHA256SUMS into path -> hex digest. kInvalidArgument, naming the line, if a line is
// not "<64 hex>  <path>" (or "<hex> *<path>"), a path is absolute, contains "..", or repeats.
Result<std::map<std::string, std::string>> ParseSums(std::string_view text);

}  // namespace isartor::release
