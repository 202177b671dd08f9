#include "embed/embedded_model.h"

#ifdef ISARTOR_HAVE_EMBEDDED_MODEL
// Symbols defined by embedded_model.S (.incbin of the model files).
extern "C" {
extern const std::byte isartor_model_config_begin[], isartor_model_config_end[];
extern const std::byte isartor_model_vocab_begin[], isartor_model_vocab_end[];
extern const std::byte isartor_model_weights_begin[], isartor_model_weights_end[];
}
#endif

namespace isartor::embed {

#ifdef ISARTOR_HAVE_EMBEDDED_MODEL
bool EmbeddedModelAvailable() { return true; }
std::span<const std::byte> EmbeddedConfigJson() {
  return {isartor_model_config_begin, isartor_model_config_end};
}
std::span<const std::byte> EmbeddedVocabTxt() {
  return {isartor_model_vocab_begin, isartor_model_vocab_end};
}
std::span<const std::byte> EmbeddedSafetensors() {
  return {isartor_model_weights_begin, isartor_model_weights_end};
}
#else
bool EmbeddedModelAvailable() { return false; }
std::span<const std::byte> EmbeddedConfigJson() { return {}; }
std::span<const std::byte> EmbeddedVocabTxt() { return {}; }
std::span<const std::byte> EmbeddedSafetensors() { return {}; }
#endif

}  // namespace isartor::embed
