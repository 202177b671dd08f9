// The WordPiece tokenizer on arbitrary bytes (valid UTF-8 or not), with the model's real
// vocabulary. Properties: [CLS] first, [SEP] last, at most max_tokens ids, every id in range.
#include <fstream>
#include <memory>
#include <sstream>

#include "embed/tokenizer.h"
#include "fuzz_util.h"

using namespace isartor;

namespace {

std::unique_ptr<embed::WordPieceTokenizer> Load(int max_tokens) {
  std::ifstream in(ISARTOR_FUZZ_VOCAB_FILE, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  embed::TokenizerOptions options;
  options.max_tokens = max_tokens;
  auto t = embed::WordPieceTokenizer::FromVocabText(text.str(), ISARTOR_FUZZ_VOCAB_FILE, options);
  if (!t.ok()) {
    std::fprintf(stderr, "cannot load %s: %s\n", ISARTOR_FUZZ_VOCAB_FILE,
                 t.error().message.c_str());
    std::abort();
  }
  return std::make_unique<embed::WordPieceTokenizer>(std::move(*t));
}

void Check(const embed::WordPieceTokenizer& t, std::string_view text) {
  const auto ids = t.Encode(text);
  FUZZ_CHECK(ids.size() >= 2);
  FUZZ_CHECK(ids.size() <= static_cast<size_t>(t.max_tokens()));
  FUZZ_CHECK(ids.front() == t.cls_id());
  FUZZ_CHECK(ids.back() == t.sep_id());
  for (int32_t id : ids) FUZZ_CHECK(id >= 0 && id < t.vocab_size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto full = Load(256);
  static const auto short_window = Load(8);  // exercises truncation on every long input
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Check(*full, text);
  Check(*short_window, text);
  return 0;
}
