// Unicode helpers of the BERT text pipeline (internal to the embed module). The character
// classes follow the Hugging Face `tokenizers` Rust implementation, which is the reference.
#pragma once

#include <string>
#include <string_view>

namespace isartor::embed {

// Decodes UTF-8; each byte of an invalid sequence becomes U+FFFD.
std::u32string DecodeUtf8(std::string_view text);
// Encodes code points as UTF-8 (code points are assumed valid scalar values).
void AppendUtf8(char32_t cp, std::string& out);

// BertNormalizer (clean_text, handle_chinese_chars, strip_accents, lowercase), in the order
// `tokenizers` applies them: drop NUL/U+FFFD/control chars, map whitespace to ' ', pad CJK
// ideographs with spaces, NFD, drop nonspacing marks, lowercase.
std::u32string NormalizeBert(const std::u32string& text);

// True for the separators of BertPreTokenizer: Unicode White_Space (Rust char::is_whitespace).
bool IsBertWhitespace(char32_t cp);
// True for characters BertPreTokenizer isolates: ASCII punctuation or Unicode P* categories.
bool IsBertPunctuation(char32_t cp);

}  // namespace isartor::embed
