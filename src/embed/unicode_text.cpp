#include "embed/unicode_text.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>

namespace isartor::embed {
namespace {

enum class CharClass { kPlain, kPunct, kDrop };
struct CharOverride {
  char32_t first, last;
  CharClass cls;
};
// Where the reference tokenizer's (older) Unicode tables disagree with utf8proc's.
constexpr CharOverride kOverrides[] = {
#include "embed/unicode_overrides.inc"
};

const CharClass* FindOverride(char32_t cp) {
  const CharOverride* end = std::end(kOverrides);
  const CharOverride* it = std::lower_bound(
      std::begin(kOverrides), end, cp, [](const CharOverride& o, char32_t c) { return o.last < c; });
  return it != end && it->first <= cp ? &it->cls : nullptr;
}

// tokenizers treats Cc, Cf, Co and Cs as control (removed) but keeps unassigned code points
// (Cn), which then become [UNK]; measured against tokenizers 0.23 on the fixture.
bool IsControl(char32_t cp) {
  if (cp == '\t' || cp == '\n' || cp == '\r') return false;
  if (const CharClass* ov = FindOverride(cp)) return *ov == CharClass::kDrop;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_CS:
      return true;
    default:
      return false;
  }
}

bool IsChineseChar(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

}  // namespace

std::u32string DecodeUtf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(text.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) {
      out.push_back(0xFFFD);
      n = 1;
    } else {
      out.push_back(static_cast<char32_t>(cp));
    }
    p += n;
    left -= n;
  }
  return out;
}

void AppendUtf8(char32_t cp, std::string& out) {
  utf8proc_uint8_t buf[4];
  utf8proc_ssize_t n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(cp), buf);
  out.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
}

bool IsBertWhitespace(char32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

bool IsBertPunctuation(char32_t cp) {
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
      (cp >= 123 && cp <= 126)) {
    return true;
  }
  if (const CharClass* ov = FindOverride(cp)) return *ov == CharClass::kPunct;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
      return true;
    default:
      return false;
  }
}

std::u32string NormalizeBert(const std::u32string& text) {
  // Clean + CJK padding, re-encoded as UTF-8 because utf8proc's NFD (with canonical
  // reordering of combining marks) works on UTF-8 buffers.
  std::string cleaned;
  cleaned.reserve(text.size() + 8);
  for (char32_t cp : text) {
    if (cp == 0 || cp == 0xFFFD || IsControl(cp)) continue;
    if (IsBertWhitespace(cp)) {
      cleaned.push_back(' ');
    } else if (IsChineseChar(cp)) {
      cleaned.push_back(' ');
      AppendUtf8(cp, cleaned);
      cleaned.push_back(' ');
    } else {
      AppendUtf8(cp, cleaned);
    }
  }
  utf8proc_uint8_t* nfd = nullptr;
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(cleaned.data()),
                                    static_cast<utf8proc_ssize_t>(cleaned.size()), &nfd,
                                    static_cast<utf8proc_option_t>(UTF8PROC_STABLE |
                                                                   UTF8PROC_DECOMPOSE));
  // utf8proc_map only fails on invalid UTF-8 or out of memory; `cleaned` is valid UTF-8, so
  // falling back to the undecomposed text keeps us total rather than crashing.
  std::string_view decomposed =
      n >= 0 ? std::string_view(reinterpret_cast<const char*>(nfd), static_cast<size_t>(n))
             : std::string_view(cleaned);
  std::u32string out;
  out.reserve(decomposed.size());
  for (char32_t cp : DecodeUtf8(decomposed)) {
    const CharClass* ov = FindOverride(cp);
    const bool nonspacing_mark =
        ov != nullptr ? *ov == CharClass::kDrop
                      : utf8proc_category(static_cast<utf8proc_int32_t>(cp)) == UTF8PROC_CATEGORY_MN;
    if (nonspacing_mark) continue;
    out.push_back(static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp))));
  }
  std::free(nfd);
  return out;
}

}  // namespace isartor::embed
