// A reader for gzip-compressed tar archives (ustar, GNU long names, pax path records): enough
// to check a release bundle as it arrived, without unpacking it and without a tar program.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"

namespace isartor::release {

struct TarEntry {
  enum class Type { kFile, kDirectory, kOther };
  std::string path;       // as stored, without a leading "./"
  Type type = Type::kFile;
  char type_flag = '0';   // the raw tar type flag, for messages about kOther members
  uint64_t size = 0;      // content bytes (0 for directories)
};

// Reads members in archive order. Not thread-safe.
class TarGzReader {
 public:
  // kNotFound if `path` cannot be opened.
  static Result<std::unique_ptr<TarGzReader>> Open(const std::string& path);
  ~TarGzReader();
  TarGzReader(const TarGzReader&) = delete;
  TarGzReader& operator=(const TarGzReader&) = delete;

  // Moves to the next member, skipping unread content of the current one. Returns nullopt at
  // the end-of-archive marker. kDataLoss if the data is truncated, fails its gzip CRC, or a
  // header is not a valid tar header (message says which and at which byte offset).
  Result<std::optional<TarEntry>> Next();
  // Reads up to `n` bytes of the current member's content; returns 0 at its end.
  // kDataLoss if the archive ends inside the content.
  Result<size_t> Read(char* buf, size_t n);

 private:
  explicit TarGzReader(void* gz, std::string path);
  Status ReadExact(char* buf, size_t n, const char* what);
  Status Skip(uint64_t n);

  void* gz_;  // gzFile
  std::string path_;
  uint64_t offset_ = 0;     // uncompressed bytes consumed
  uint64_t remaining_ = 0;  // content bytes left in the current member
  uint64_t padding_ = 0;    // bytes to the next 512-byte boundary after the content
};

}  // namespace isartor::release
