#include "embed/tokenizer.h"

#include <array>

#include "embed/unicode_text.h"

namespace isartor::embed {
namespace {

constexpr std::array<std::string_view, 5> kSpecialTokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]",
                                                            "[MASK]"};

std::u32string ToU32(std::string_view ascii) { return std::u32string(ascii.begin(), ascii.end()); }

}  // namespace

Result<WordPieceTokenizer> WordPieceTokenizer::FromVocabText(std::string_view vocab_text,
                                                             std::string_view source_name,
                                                             TokenizerOptions options) {
  if (options.max_tokens < 2 || options.max_input_chars_per_word < 1) {
    return MakeError(ErrorCode::kInvalidArgument, "tokenizer options out of range");
  }
  WordPieceTokenizer tok;
  tok.options_ = options;
  size_t pos = 0;
  while (pos < vocab_text.size()) {
    size_t end = vocab_text.find('\n', pos);
    if (end == std::string_view::npos) end = vocab_text.size();
    std::string_view line = vocab_text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto id = static_cast<int32_t>(tok.id_to_token_.size());
    if (!tok.vocab_.emplace(std::string(line), id).second) {
      return MakeError(ErrorCode::kDataLoss, std::string(source_name) + ": duplicate token '" +
                                                 std::string(line) + "' on line " +
                                                 std::to_string(id + 1));
    }
    tok.id_to_token_.emplace_back(line);
    pos = end + 1;
  }
  if (tok.id_to_token_.empty()) {
    return MakeError(ErrorCode::kDataLoss, std::string(source_name) + ": empty vocabulary");
  }
  for (std::string_view special : kSpecialTokens) {
    auto it = tok.vocab_.find(special);
    if (it == tok.vocab_.end()) {
      return MakeError(ErrorCode::kDataLoss, std::string(source_name) + ": vocabulary lacks " +
                                                 std::string(special));
    }
    tok.special_.emplace_back(ToU32(special), it->second);
  }
  tok.unk_id_ = tok.vocab_.find("[UNK]")->second;
  tok.cls_id_ = tok.vocab_.find("[CLS]")->second;
  tok.sep_id_ = tok.vocab_.find("[SEP]")->second;
  return tok;
}

std::vector<int32_t> WordPieceTokenizer::Encode(std::string_view text) const {
  std::vector<int32_t> ids = EncodeAll(text);
  const size_t max_pieces = static_cast<size_t>(options_.max_tokens) - 1;  // room for [SEP]
  if (ids.size() > max_pieces) ids.resize(max_pieces);
  ids.push_back(sep_id_);
  return ids;
}

std::size_t WordPieceTokenizer::CountTokens(std::string_view text) const {
  return EncodeAll(text).size() + 1;  // + [SEP]
}

std::vector<int32_t> WordPieceTokenizer::EncodeAll(std::string_view text) const {
  const std::u32string cps = DecodeUtf8(text);
  std::vector<int32_t> ids;
  ids.push_back(cls_id_);
  // HF matches the special tokens in the raw text first (they are "not normalized"), then
  // runs the normal pipeline on the spans between them.
  size_t span_start = 0;
  size_t i = 0;
  while (i < cps.size()) {
    const std::pair<std::u32string, int32_t>* hit = nullptr;
    if (cps[i] == U'[') {
      for (const auto& special : special_) {
        if (cps.compare(i, special.first.size(), special.first) == 0) {
          hit = &special;
          break;
        }
      }
    }
    if (hit == nullptr) {
      ++i;
      continue;
    }
    EncodeSpan(cps.substr(span_start, i - span_start), ids);
    ids.push_back(hit->second);
    i += hit->first.size();
    span_start = i;
  }
  EncodeSpan(cps.substr(span_start), ids);
  return ids;
}

void WordPieceTokenizer::EncodeSpan(const std::u32string& span, std::vector<int32_t>& ids) const {
  if (span.empty()) return;
  const std::u32string normalized = NormalizeBert(span);
  std::u32string word;
  auto flush = [&] {
    if (!word.empty()) EncodeWord(word, ids);
    word.clear();
  };
  for (char32_t cp : normalized) {
    if (IsBertWhitespace(cp)) {
      flush();
    } else if (IsBertPunctuation(cp)) {
      flush();
      word.push_back(cp);
      flush();
    } else {
      word.push_back(cp);
    }
  }
  flush();
}

void WordPieceTokenizer::EncodeWord(const std::u32string& word, std::vector<int32_t>& ids) const {
  if (word.size() > static_cast<size_t>(options_.max_input_chars_per_word)) {
    ids.push_back(unk_id_);
    return;
  }
  std::string utf8;
  std::vector<size_t> char_end;  // char_end[k]: byte offset just past code point k
  char_end.reserve(word.size());
  for (char32_t cp : word) {
    AppendUtf8(cp, utf8);
    char_end.push_back(utf8.size());
  }
  const size_t first_piece = ids.size();
  std::string piece;
  size_t start = 0;  // in code points
  while (start < word.size()) {
    const size_t byte_start = start == 0 ? 0 : char_end[start - 1];
    int32_t found = -1;
    size_t end = word.size();
    for (; end > start; --end) {
      piece.assign(start == 0 ? "" : "##");
      piece.append(utf8, byte_start, char_end[end - 1] - byte_start);
      found = Lookup(piece);
      if (found >= 0) break;
    }
    if (found < 0) {  // HF: a word with an unmatchable remainder is a single [UNK]
      ids.resize(first_piece);
      ids.push_back(unk_id_);
      return;
    }
    ids.push_back(found);
    start = end;
  }
}

int32_t WordPieceTokenizer::Lookup(std::string_view piece) const {
  auto it = vocab_.find(piece);
  return it == vocab_.end() ? -1 : it->second;
}

}  // namespace isartor::embed
