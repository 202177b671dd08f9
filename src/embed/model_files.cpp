#include "embed/model_files.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <utility>

#include "embed/embedded_model.h"

namespace isartor::embed {

ModelBlob::ModelBlob(ModelBlob&& other) noexcept { *this = std::move(other); }

ModelBlob& ModelBlob::operator=(ModelBlob&& other) noexcept {
  if (this != &other) {
    this->~ModelBlob();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    mapped_ = std::exchange(other.mapped_, false);
    name_ = std::move(other.name_);
  }
  return *this;
}

ModelBlob::~ModelBlob() {
  if (mapped_ && data_ != nullptr) {
    munmap(const_cast<std::byte*>(data_), size_);
  }
  data_ = nullptr;
  mapped_ = false;
}

Result<ModelBlob> ModelBlob::MapFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return MakeError(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kDataLoss,
                     path + ": cannot open: " + std::strerror(err));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return MakeError(ErrorCode::kDataLoss, path + ": not a regular file");
  }
  ModelBlob blob;
  blob.name_ = path;
  if (st.st_size > 0) {
    void* p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const int err = errno;
      close(fd);
      return MakeError(ErrorCode::kDataLoss, path + ": cannot mmap: " + std::strerror(err));
    }
    blob.data_ = static_cast<const std::byte*>(p);
    blob.size_ = static_cast<size_t>(st.st_size);
    blob.mapped_ = true;
  }
  close(fd);  // the mapping keeps the file alive
  return blob;
}

ModelBlob ModelBlob::FromStatic(std::span<const std::byte> bytes, std::string name) {
  ModelBlob blob;
  blob.data_ = bytes.data();
  blob.size_ = bytes.size();
  blob.name_ = std::move(name);
  return blob;
}

void ModelBlob::DropPages(size_t offset, size_t len) const {
  if (data_ == nullptr || offset >= size_) return;
  const auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  auto begin = reinterpret_cast<uintptr_t>(data_) + offset;
  auto end = begin + std::min(len, size_ - offset);
  begin = (begin + page - 1) / page * page;  // only whole pages inside the range
  end = end / page * page;
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

bool ModelIsEmbedded() { return EmbeddedModelAvailable(); }

std::string DefaultModelDir() { return ISARTOR_DEFAULT_MODEL_DIR; }

Result<ModelFiles> OpenModelDir(const std::string& dir) {
  ModelFiles files;
  files.origin = dir;
  std::pair<const char*, ModelBlob*> wanted[] = {
      {"config.json", &files.config}, {"vocab.txt", &files.vocab},
      {"model.safetensors", &files.weights}};
  for (auto& [name, blob] : wanted) {
    auto mapped = ModelBlob::MapFile((std::filesystem::path(dir) / name).string());
    if (!mapped.ok()) return mapped.error();
    *blob = std::move(mapped).value();
  }
  return files;
}

Result<ModelFiles> OpenEmbeddedModel() {
  if (!EmbeddedModelAvailable()) {
    return MakeError(ErrorCode::kNotFound, "this binary has no embedded model");
  }
  ModelFiles files;
  files.origin = "embedded";
  files.config = ModelBlob::FromStatic(EmbeddedConfigJson(), "embedded:config.json");
  files.vocab = ModelBlob::FromStatic(EmbeddedVocabTxt(), "embedded:vocab.txt");
  files.weights = ModelBlob::FromStatic(EmbeddedSafetensors(), "embedded:model.safetensors");
  return files;
}

Result<ModelFiles> ResolveModelFiles(const std::string& explicit_dir) {
  if (!explicit_dir.empty()) return OpenModelDir(explicit_dir);
  if (const char* env = std::getenv("ISARTOR__EMBEDDING_MODEL_DIR"); env != nullptr && *env) {
    return OpenModelDir(env);
  }
  if (EmbeddedModelAvailable()) return OpenEmbeddedModel();
  auto files = OpenModelDir(DefaultModelDir());
  if (!files.ok() && files.error().code == ErrorCode::kNotFound) {
    return MakeError(ErrorCode::kNotFound,
                     files.error().message +
                         " (no --model-dir, ISARTOR__EMBEDDING_MODEL_DIR unset, no embedded "
                         "model; run scripts/setup_models.sh or set ISARTOR__EMBEDDING_MODEL_DIR)");
  }
  return files;
}

}  // namespace isartor::embed
