#include "release/tar_gz_reader.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>

namespace isartor::release {

namespace {

constexpr size_t kBlock = 512;
// pax and GNU long-name records carry a path; anything larger is not a bundle of ours.
constexpr uint64_t kMaxMetaRecord = 1 << 20;

bool AllZero(const char* p, size_t n) {
  return std::all_of(p, p + n, [](char c) { return c == 0; });
}

// Tar numeric fields: octal text, NUL/space terminated (or GNU base-256 for big sizes).
std::optional<uint64_t> ParseNumber(const char* field, size_t len) {
  if (static_cast<unsigned char>(field[0]) & 0x80) {
    uint64_t v = 0;
    for (size_t i = 1; i < len; ++i) {
      if (v >> 56) return std::nullopt;
      v = (v << 8) | static_cast<unsigned char>(field[i]);
    }
    return v;
  }
  uint64_t v = 0;
  size_t i = 0;
  while (i < len && field[i] == ' ') ++i;
  bool any = false;
  for (; i < len && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (v >> 60) return std::nullopt;
    v = v * 8 + static_cast<uint64_t>(field[i] - '0');
    any = true;
  }
  for (; i < len; ++i) {
    if (field[i] != ' ' && field[i] != '\0') return std::nullopt;
  }
  if (!any) return std::nullopt;
  return v;
}

std::string Field(const char* p, size_t len) { return std::string(p, strnlen(p, len)); }

bool ChecksumMatches(const char* h) {
  auto stored = ParseNumber(h + 148, 8);
  if (!stored) return false;
  uint64_t sum = 0;
  for (size_t i = 0; i < kBlock; ++i) {
    sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
  }
  return sum == *stored;
}

// The "path" record of a pax extended header ("<len> path=<value>\n" records).
std::optional<std::string> PaxPath(std::string_view records) {
  while (!records.empty()) {
    const size_t space = records.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    size_t len = 0;
    for (char c : records.substr(0, space)) {
      if (c < '0' || c > '9') return std::nullopt;
      len = len * 10 + static_cast<size_t>(c - '0');
    }
    if (len <= space + 1 || len > records.size()) return std::nullopt;
    std::string_view record = records.substr(space + 1, len - space - 2);  // drop '\n'
    if (record.starts_with("path=")) return std::string(record.substr(5));
    records.remove_prefix(len);
  }
  return std::nullopt;
}

std::string Normalise(std::string path) {
  while (path.starts_with("./")) path.erase(0, 2);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace

Result<std::unique_ptr<TarGzReader>> TarGzReader::Open(const std::string& path) {
  gzFile gz = gzopen(path.c_str(), "rb");
  if (gz == nullptr) return MakeError(ErrorCode::kNotFound, "cannot open " + path);
  return std::unique_ptr<TarGzReader>(new TarGzReader(gz, path));
}

TarGzReader::TarGzReader(void* gz, std::string path) : gz_(gz), path_(std::move(path)) {}

TarGzReader::~TarGzReader() { gzclose(static_cast<gzFile>(gz_)); }

Status TarGzReader::ReadExact(char* buf, size_t n, const char* what) {
  size_t got = 0;
  while (got < n) {
    const int r = gzread(static_cast<gzFile>(gz_), buf + got, static_cast<unsigned>(n - got));
    if (r < 0) {
      int err = 0;
      const char* msg = gzerror(static_cast<gzFile>(gz_), &err);
      return MakeError(ErrorCode::kDataLoss, path_ + ": corrupt gzip data at byte " +
                                                 std::to_string(offset_ + got) + " of the tar (" +
                                                 msg + ")");
    }
    if (r == 0) {
      return MakeError(ErrorCode::kDataLoss,
                       path_ + ": truncated: the archive ends at byte " +
                           std::to_string(offset_ + got) + " of the unpacked tar, inside " + what);
    }
    got += static_cast<size_t>(r);
  }
  offset_ += n;
  return Status::Ok();
}

Status TarGzReader::Skip(uint64_t n) {
  std::array<char, 64 * 1024> buf;
  while (n > 0) {
    const size_t step = static_cast<size_t>(std::min<uint64_t>(n, buf.size()));
    if (Status s = ReadExact(buf.data(), step, "a member's content"); !s.ok()) return s;
    n -= step;
  }
  return Status::Ok();
}

Result<size_t> TarGzReader::Read(char* buf, size_t n) {
  const size_t step = static_cast<size_t>(std::min<uint64_t>(n, remaining_));
  if (step == 0) return size_t{0};
  if (Status s = ReadExact(buf, step, "a member's content"); !s.ok()) return s.error();
  remaining_ -= step;
  return step;
}

Result<std::optional<TarEntry>> TarGzReader::Next() {
  if (Status s = Skip(remaining_ + padding_); !s.ok()) return s.error();
  remaining_ = padding_ = 0;
  std::optional<std::string> long_path;
  while (true) {
    char h[kBlock];
    const uint64_t header_at = offset_;
    if (Status s = ReadExact(h, kBlock, "a member header"); !s.ok()) return s.error();
    if (AllZero(h, kBlock)) {
      // End-of-archive marker: a second zero block must follow, then only the stream's end.
      if (Status s = ReadExact(h, kBlock, "the end-of-archive marker"); !s.ok()) return s.error();
      // Drain the rest (tar pads to its record size with zeros) so zlib checks the CRC.
      char tail[kBlock];
      int r;
      while ((r = gzread(static_cast<gzFile>(gz_), tail, sizeof tail)) > 0) {
        if (!AllZero(tail, static_cast<size_t>(r))) {
          return MakeError(ErrorCode::kDataLoss,
                           path_ + ": data after the end-of-archive marker");
        }
      }
      int err = Z_OK;
      const char* msg = gzerror(static_cast<gzFile>(gz_), &err);
      if (r < 0 || err != Z_OK) {
        return MakeError(ErrorCode::kDataLoss, path_ + ": truncated or corrupt gzip stream (" +
                                                   msg + ")");
      }
      return std::optional<TarEntry>();
    }
    if (!ChecksumMatches(h)) {
      return MakeError(ErrorCode::kDataLoss, path_ + ": not a valid tar header at byte " +
                                                 std::to_string(header_at) +
                                                 " (checksum mismatch): corrupt or not a tar");
    }
    auto size = ParseNumber(h + 124, 12);
    if (!size) {
      return MakeError(ErrorCode::kDataLoss,
                       path_ + ": bad size field in the tar header at byte " +
                           std::to_string(header_at));
    }
    const char flag = h[156];
    const uint64_t pad = (kBlock - *size % kBlock) % kBlock;
    if (flag == 'L' || flag == 'x') {
      if (*size > kMaxMetaRecord) {
        return MakeError(ErrorCode::kDataLoss, path_ + ": oversized long-name record at byte " +
                                                   std::to_string(header_at));
      }
      std::string data(static_cast<size_t>(*size), '\0');
      if (Status s = ReadExact(data.data(), data.size(), "a long-name record"); !s.ok()) {
        return s.error();
      }
      if (Status s = Skip(pad); !s.ok()) return s.error();
      if (flag == 'L') {
        long_path = std::string(data.c_str());
      } else if (auto p = PaxPath(data)) {
        long_path = *p;
      }
      continue;
    }
    if (flag == 'g') {  // pax global header: nothing we need
      if (Status s = Skip(*size + pad); !s.ok()) return s.error();
      continue;
    }
    TarEntry entry;
    if (long_path) {
      entry.path = *long_path;
    } else {
      std::string name = Field(h, 100);
      const std::string prefix =
          std::memcmp(h + 257, "ustar", 5) == 0 ? Field(h + 345, 155) : std::string();
      entry.path = prefix.empty() ? name : prefix + "/" + name;
    }
    entry.path = Normalise(std::move(entry.path));
    entry.type_flag = flag;
    if (flag == '0' || flag == '\0' || flag == '7') {
      entry.type = TarEntry::Type::kFile;
      entry.size = *size;
      remaining_ = *size;
      padding_ = pad;
    } else if (flag == '5') {
      entry.type = TarEntry::Type::kDirectory;
      if (Status s = Skip(*size + pad); !s.ok()) return s.error();
    } else {
      entry.type = TarEntry::Type::kOther;
      if (Status s = Skip(*size + pad); !s.ok()) return s.error();
    }
    return std::optional<TarEntry>(std::move(entry));
  }
}

}  // namespace isartor::release
