#include "embed/safetensors.h"

#include <boost/json.hpp>

#include <cstring>

namespace isartor::embed {
namespace {

int DtypeSize(std::string_view dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL" || dtype == "F8_E4M3" ||
      dtype == "F8_E5M2") {
    return 1;
  }
  return 0;
}

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

// Parses one tensor entry; `data_size` is the byte length of the data section.
Result<TensorInfo> ParseEntry(const boost::json::value& v, size_t data_start, size_t data_size,
                              const std::string& where) {
  const auto* obj = v.if_object();
  if (obj == nullptr) return MakeError(ErrorCode::kDataLoss, where + ": not an object");
  TensorInfo t;
  const auto* dtype = obj->if_contains("dtype");
  const auto* shape = obj->if_contains("shape");
  const auto* offsets = obj->if_contains("data_offsets");
  if (!dtype || !dtype->is_string() || !shape || !shape->is_array() || !offsets ||
      !offsets->is_array() || offsets->as_array().size() != 2) {
    return MakeError(ErrorCode::kDataLoss, where + ": needs dtype, shape and data_offsets[2]");
  }
  t.dtype = std::string(dtype->as_string());
  const int elem = DtypeSize(t.dtype);
  if (elem == 0) return MakeError(ErrorCode::kDataLoss, where + ": unknown dtype " + t.dtype);
  uint64_t count = 1;
  for (const auto& d : shape->as_array()) {
    if (!d.is_int64() || d.as_int64() < 0 || d.as_int64() > (int64_t{1} << 40)) {
      return MakeError(ErrorCode::kDataLoss, where + ": bad shape entry");
    }
    t.shape.push_back(d.as_int64());
    count *= static_cast<uint64_t>(d.as_int64());
    if (count > (uint64_t{1} << 40)) return MakeError(ErrorCode::kDataLoss, where + ": too big");
  }
  const auto& off = offsets->as_array();
  if (!off[0].is_int64() || !off[1].is_int64() || off[0].as_int64() < 0 ||
      off[1].as_int64() < off[0].as_int64()) {
    return MakeError(ErrorCode::kDataLoss, where + ": bad data_offsets");
  }
  const auto begin = static_cast<uint64_t>(off[0].as_int64());
  const auto end = static_cast<uint64_t>(off[1].as_int64());
  if (end > data_size) {
    return MakeError(ErrorCode::kDataLoss, where + ": data_offsets end " + std::to_string(end) +
                                               " is past the end of the data (" +
                                               std::to_string(data_size) +
                                               " bytes): file truncated?");
  }
  if (end - begin != count * static_cast<uint64_t>(elem)) {
    return MakeError(ErrorCode::kDataLoss, where + ": data_offsets span " +
                                               std::to_string(end - begin) +
                                               " bytes, shape needs " +
                                               std::to_string(count * elem));
  }
  t.offset = data_start + begin;
  t.nbytes = end - begin;
  return t;
}

}  // namespace

Result<SafetensorsIndex> SafetensorsIndex::Parse(std::span<const std::byte> file,
                                                 std::string_view file_name) {
  const std::string name(file_name);
  if (file.size() < 8) {
    return MakeError(ErrorCode::kDataLoss, name + ": too short for a safetensors header (" +
                                               std::to_string(file.size()) + " bytes)");
  }
  uint64_t header_len = 0;
  std::memcpy(&header_len, file.data(), 8);  // little-endian, as is x86-64
  if (header_len > file.size() - 8 || header_len > (uint64_t{100} << 20)) {
    return MakeError(ErrorCode::kDataLoss, name + ": header length " +
                                               std::to_string(header_len) +
                                               " exceeds the file size (truncated or corrupt)");
  }
  std::string_view header(reinterpret_cast<const char*>(file.data()) + 8, header_len);
  boost::system::error_code ec;
  boost::json::value root = boost::json::parse(header, ec);
  if (ec || !root.is_object()) {
    return MakeError(ErrorCode::kDataLoss, name + ": header is not a JSON object" +
                                               (ec ? ": " + ec.message() : std::string()));
  }
  SafetensorsIndex index;
  index.file_ = file;
  index.file_name_ = name;
  const size_t data_start = 8 + header_len;
  const size_t data_size = file.size() - data_start;
  for (const auto& kv : root.as_object()) {
    if (kv.key() == "__metadata__") continue;
    const std::string where = name + ": tensor '" + std::string(kv.key()) + "'";
    auto entry = ParseEntry(kv.value(), data_start, data_size, where);
    if (!entry.ok()) return entry.error();
    index.tensors_.emplace(std::string(kv.key()), std::move(entry).value());
  }
  return index;
}

const TensorInfo* SafetensorsIndex::Find(std::string_view name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

Result<const float*> SafetensorsIndex::F32(std::string_view name,
                                           std::initializer_list<int64_t> shape) const {
  const std::string where = file_name_ + ": tensor '" + std::string(name) + "'";
  const TensorInfo* t = Find(name);
  if (t == nullptr) return MakeError(ErrorCode::kDataLoss, where + " is missing");
  if (t->dtype != "F32") {
    return MakeError(ErrorCode::kDataLoss, where + " has dtype " + t->dtype + ", expected F32");
  }
  std::vector<int64_t> want(shape);
  if (t->shape != want) {
    return MakeError(ErrorCode::kDataLoss, where + " has shape " + ShapeString(t->shape) +
                                               ", expected " + ShapeString(want));
  }
  const std::byte* p = file_.data() + t->offset;
  if (reinterpret_cast<uintptr_t>(p) % alignof(float) != 0) {
    return MakeError(ErrorCode::kDataLoss, where + " is not 4-byte aligned in the file");
  }
  return reinterpret_cast<const float*>(p);
}

}  // namespace isartor::embed
