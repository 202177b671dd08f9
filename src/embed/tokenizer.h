// BERT uncased WordPiece tokenizer, token-for-token identical to the Hugging Face `tokenizers`
// pipeline of all-MiniLM-L6-v2 (BertNormalizer + BertPreTokenizer + WordPiece + [CLS]/[SEP]).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"

namespace isartor::embed {

struct TokenizerOptions {
  // Total ids per text including [CLS] and [SEP]; longer texts keep their first
  // max_tokens - 2 word pieces (sentence-transformers' max_seq_length for this model).
  int max_tokens = 256;
  // A word longer than this (in code points) becomes a single [UNK].
  int max_input_chars_per_word = 100;
};

// Immutable after construction: Encode() is const and safe to call from any number of threads.
class WordPieceTokenizer {
 public:
  // Builds the tokenizer from the text of vocab.txt (one token per line, id = line number).
  // `source_name` names the file in error messages.
  // Returns kDataLoss if the vocabulary is empty, has a duplicate token, or lacks one of
  // [PAD] [UNK] [CLS] [SEP] [MASK]; kInvalidArgument if the options are out of range
  // (max_tokens < 2, max_input_chars_per_word < 1).
  static Result<WordPieceTokenizer> FromVocabText(std::string_view vocab_text,
                                                  std::string_view source_name,
                                                  TokenizerOptions options = {});

  // Token ids for `text` (UTF-8): [CLS] pieces... [SEP], at most options.max_tokens ids.
  // Never fails: bytes that are not valid UTF-8 are treated as U+FFFD, which text cleaning
  // removes (as Python would after decoding with errors="replace"). The special token strings
  // ("[CLS]", "[MASK]", ...) written literally in the text map to their ids, as in HF.
  std::vector<int32_t> Encode(std::string_view text) const;

  // How many ids Encode() would return without the max_tokens limit ([CLS] and [SEP]
  // included): > max_tokens() means Encode() cuts the text. Same rules; never fails.
  std::size_t CountTokens(std::string_view text) const;

  int vocab_size() const { return static_cast<int>(id_to_token_.size()); }
  int32_t cls_id() const { return cls_id_; }
  int32_t sep_id() const { return sep_id_; }
  int32_t unk_id() const { return unk_id_; }
  int max_tokens() const { return options_.max_tokens; }

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Vocab = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

  WordPieceTokenizer() = default;
  // [CLS] and every piece of `text`, untruncated, without [SEP].
  std::vector<int32_t> EncodeAll(std::string_view text) const;
  // Appends the ids of one text span that holds no special token.
  void EncodeSpan(const std::u32string& span, std::vector<int32_t>& ids) const;
  // Appends the WordPiece ids of one pre-tokenized word.
  void EncodeWord(const std::u32string& word, std::vector<int32_t>& ids) const;
  int32_t Lookup(std::string_view piece) const;

  TokenizerOptions options_;
  Vocab vocab_;
  std::vector<std::string> id_to_token_;
  std::vector<std::pair<std::u32string, int32_t>> special_;  // matched in raw text
  int32_t cls_id_ = 0, sep_id_ = 0, unk_id_ = 0;
};

}  // namespace isartor::embed
