// Locating and opening the model files (config.json, vocab.txt, model.safetensors).
//
// Order at start: an explicit directory (flag), then ISARTOR__EMBEDDING_MODEL_DIR, then the copy
// embedded in the binary (CMake option ISARTOR_EMBED_MODEL), then the default models folder
// baked in at build time (ISARTOR_MODEL_DIR). Nothing is ever downloaded.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"

namespace isartor::embed {

// Read-only bytes of one model file: a private read-only memory map of a file, or a view of
// bytes linked into the binary. Movable, not copyable; the bytes stay valid while it lives.
class ModelBlob {
 public:
  ModelBlob() = default;
  ModelBlob(ModelBlob&& other) noexcept;
  ModelBlob& operator=(ModelBlob&& other) noexcept;
  ModelBlob(const ModelBlob&) = delete;
  ModelBlob& operator=(const ModelBlob&) = delete;
  ~ModelBlob();

  // Maps `path` read-only. kNotFound if it does not exist, kDataLoss if it cannot be read
  // or mapped (the message names the path and the OS error). An empty file maps to no bytes.
  static Result<ModelBlob> MapFile(const std::string& path);
  // Borrows static bytes that live in a read-only file-backed mapping (the embedded model in
  // the binary's .rodata, so DropPages() may drop them); never fails.
  static ModelBlob FromStatic(std::span<const std::byte> bytes, std::string name);

  std::span<const std::byte> bytes() const { return {data_, size_}; }
  std::string_view text() const { return {reinterpret_cast<const char*>(data_), size_}; }
  // Where the bytes came from (a path or "embedded:<file>"), for error messages.
  const std::string& name() const { return name_; }
  // Tells the kernel the pages of [offset, offset+len) will not be needed again (they were
  // copied into prepared weights), so they leave the resident set; the kernel re-reads them
  // from the file if they are touched again.
  void DropPages(size_t offset, size_t len) const;

 private:
  const std::byte* data_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;
  std::string name_;
};

struct ModelFiles {
  std::string origin;  // directory path, or "embedded"
  ModelBlob config;    // config.json
  ModelBlob vocab;     // vocab.txt
  ModelBlob weights;   // model.safetensors
};

// True if this binary was built with ISARTOR_EMBED_MODEL=ON (model files linked in).
bool ModelIsEmbedded();
// The default models folder baked in at build time.
std::string DefaultModelDir();

// Opens the three files in `dir`. kNotFound naming the missing file, kDataLoss if unreadable.
Result<ModelFiles> OpenModelDir(const std::string& dir);
// The embedded copy; kNotFound if the binary has none.
Result<ModelFiles> OpenEmbeddedModel();
// Applies the resolution order above. `explicit_dir` empty means "not given". The error of the
// first source that exists but fails is returned; if none exists, kNotFound listing what was
// tried and how to fix it (scripts/setup_models.sh).
Result<ModelFiles> ResolveModelFiles(const std::string& explicit_dir = "");

}  // namespace isartor::embed
