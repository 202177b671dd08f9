// The model files linked into the binary by the air-gapped build (ISARTOR_EMBED_MODEL=ON,
// embedded_model.S). Without that option the spans are empty and Available() is false.
#pragma once

#include <cstddef>
#include <span>

namespace isartor::embed {

bool EmbeddedModelAvailable();
std::span<const std::byte> EmbeddedConfigJson();
std::span<const std::byte> EmbeddedVocabTxt();
std::span<const std::byte> EmbeddedSafetensors();

}  // namespace isartor::embed
