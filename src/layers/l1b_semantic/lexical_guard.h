// A cheap lexical check run on a semantic-cache candidate before it is served: two prompts can
// embed close together and still need different answers ("... in 2023" / "... in 2024",
// "is X safe" / "is X not safe", "capital of France" / "capital of Germany"). MiniLM is weak at
// exactly these, so any of the following differences vetoes the hit:
//   number  — the multisets of numbers (digits, or words like "three", "first", "half") differ
//   date    — the sets of month / weekday / relative-day words differ
//   unit    — the multisets of units differ (cups / pints, km / miles, celsius / fahrenheit)
//   negation — the number of negations differs (not, no, never, without, n't, ...)
//   entity  — a proper noun, acronym or alphanumeric token (iPhone, GPT4, USA) of one text does
//             not occur in the other (case-insensitive); title-cased texts only contribute
//             acronyms and alphanumerics
//   opposite — one text has a word, the other its antonym (best/worst, before/after, buy/sell,
//              increase/decrease, ...) and not the word itself
//   order   — the same entities, numbers and units in another order around a direction word
//             (from, to, into, than, vs, ...): "5 km to miles" / "5 miles to km",
//             "is Rust faster than Go" / "is Go faster than Rust"
// Several word lists were extended after looking at misses of our own trap set (see
// bench/results/semantic_cache.md): they are not an independent test set.
// False vetoes only cost a cache miss; false passes can serve a wrong answer, so the checks
// lean strict. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace isartor {

struct GuardVerdict {
  bool veto = false;
  std::string reason;  // "number", "date", "unit", "negation", "entity", "opposite",
                       // "order"
};

GuardVerdict CheckLexicalGuard(std::string_view new_text, std::string_view cached_text);

// Every check above, each evaluated on its own (CheckLexicalGuard stops at the first), plus one
// similarity signal: the lexical features of the L1b verifier (pair_verifier.h). Order is part
// of the verifier's trained weights: append, never reorder.
//   same_up_to_typos — the content words (stopwords and greetings such as "hi" dropped) match
//     one to one in order, where up to two words of 5+ letters (no digits) differ by one edit
//     (a letter substituted, inserted, deleted, or two adjacent letters swapped): the same
//     question retyped. Not a veto input.
struct LexicalDifferences {
  static constexpr int kCount = 8;
  bool number = false, date = false, unit = false, negation = false, entity = false,
       opposite = false, order = false;
  bool same_up_to_typos = false;
};

LexicalDifferences CompareLexically(std::string_view new_text, std::string_view cached_text);

}  // namespace isartor
