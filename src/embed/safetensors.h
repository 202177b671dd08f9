// Index of a .safetensors file (8-byte little-endian header length, JSON header, raw data),
// parsed with Boost.JSON. Borrows the file bytes; they must outlive the index.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace isartor::embed {

struct TensorInfo {
  std::string dtype;            // "F32", "I64", ...
  std::vector<int64_t> shape;
  size_t offset = 0;            // from the start of the file
  size_t nbytes = 0;
};

class SafetensorsIndex {
 public:
  // Validates the header: length within the file, valid JSON object, every tensor with a known
  // dtype, non-negative shape and data_offsets that lie inside the data section and match
  // the shape's byte size. Errors are kDataLoss naming `file_name` and the problem.
  static Result<SafetensorsIndex> Parse(std::span<const std::byte> file,
                                        std::string_view file_name);

  // An F32 tensor of exactly `shape`, as a float pointer into the file.
  // kDataLoss if absent ("missing tensor"), not F32, of another shape, or not 4-byte aligned.
  Result<const float*> F32(std::string_view name, std::initializer_list<int64_t> shape) const;
  // Metadata of a tensor, or nullptr if absent.
  const TensorInfo* Find(std::string_view name) const;
  const std::string& file_name() const { return file_name_; }

 private:
  std::span<const std::byte> file_;
  std::string file_name_;
  std::map<std::string, TensorInfo, std::less<>> tensors_;
};

}  // namespace isartor::embed
