#include "layers/l1b_semantic/lexical_guard.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace isartor {
namespace {

struct Token {
  std::string text;   // as written (apostrophes normalised to ')
  std::string lower;  // lowercase, possessive 's removed
  bool sentence_initial = false;
};

bool IsWordByte(unsigned char c) { return std::isalnum(c) || c >= 0x80; }

std::vector<Token> Tokenize(std::string_view s) {
  std::vector<Token> out;
  std::string cur;
  bool sentence_start = true, cur_initial = true;
  auto flush = [&] {
    while (!cur.empty() && cur.back() == '\'') cur.pop_back();
    if (cur.empty()) return;
    Token t{cur, "", cur_initial};
    for (unsigned char c : cur) t.lower += static_cast<char>(std::tolower(c));
    if (t.lower.size() > 2 && t.lower.ends_with("'s")) t.lower.resize(t.lower.size() - 2);
    out.push_back(std::move(t));
    cur.clear();
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    // U+2019 (right single quote) is the apostrophe most keyboards on phones produce.
    if (c == 0xE2 && i + 2 < s.size() && (unsigned char)s[i + 1] == 0x80 &&
        (unsigned char)s[i + 2] == 0x99) {
      if (!cur.empty()) cur += '\'';
      i += 2;
      continue;
    }
    bool digit_sep = (c == '.' || c == ',') && !cur.empty() &&
                     std::isdigit((unsigned char)cur.back()) && i + 1 < s.size() &&
                     std::isdigit((unsigned char)s[i + 1]);
    if (IsWordByte(c) || digit_sep || (c == '\'' && !cur.empty())) {
      if (cur.empty()) cur_initial = sentence_start;
      cur += static_cast<char>(c);
      sentence_start = false;
      continue;
    }
    flush();
    if (c == '.' || c == '?' || c == '!' || c == ':' || c == '\n' || c == ';') {
      sentence_start = true;
    }
  }
  flush();
  return out;
}

const std::unordered_map<std::string, std::string>& NumberWords() {
  static const auto* words = new std::unordered_map<std::string, std::string>{
      {"zero", "0"}, {"two", "2"}, {"three", "3"}, {"four", "4"}, {"five", "5"}, {"six", "6"},
      {"seven", "7"}, {"eight", "8"}, {"nine", "9"}, {"ten", "10"}, {"eleven", "11"},
      {"twelve", "12"}, {"thirteen", "13"}, {"fourteen", "14"}, {"fifteen", "15"},
      {"sixteen", "16"}, {"seventeen", "17"}, {"eighteen", "18"}, {"nineteen", "19"},
      {"twenty", "20"}, {"thirty", "30"}, {"forty", "40"}, {"fifty", "50"}, {"sixty", "60"},
      {"seventy", "70"}, {"eighty", "80"}, {"ninety", "90"}, {"hundred", "100"},
      {"thousand", "1000"}, {"million", "1e6"}, {"billion", "1e9"}, {"trillion", "1e12"},
      {"dozen", "12"}, {"half", "1/2"}, {"quarter", "1/4"}, {"twice", "x2"}, {"double", "x2"},
      {"triple", "x3"}, {"first", "#1"}, {"second", "#2"}, {"third", "#3"}, {"fourth", "#4"},
      {"fifth", "#5"}, {"sixth", "#6"}, {"seventh", "#7"}, {"eighth", "#8"}, {"ninth", "#9"},
      {"tenth", "#10"}};
  return *words;
}

const std::unordered_set<std::string>& DateWords() {
  static const auto* words = new std::unordered_set<std::string>{
      "january", "february", "march", "april", "may_month", "june", "july", "august",
      "september", "october", "november", "december", "monday", "tuesday", "wednesday",
      "thursday", "friday", "saturday", "sunday", "yesterday", "today", "tomorrow", "tonight",
      "weekend", "next", "previous", "last", "ago"};
  return *words;
}

const std::unordered_set<std::string>& NegationWords() {
  static const auto* words = new std::unordered_set<std::string>{
      "not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "cannot",
      "nowhere"};
  return *words;
}

const std::vector<std::pair<std::string, std::string>>& Opposites() {
  static const auto* pairs = new std::vector<std::pair<std::string, std::string>>{
      {"best", "worst"}, {"most", "least"}, {"more", "less"}, {"more", "fewer"},
      {"max", "min"}, {"maximum", "minimum"}, {"largest", "smallest"}, {"biggest", "smallest"},
      {"highest", "lowest"}, {"fastest", "slowest"}, {"faster", "slower"},
      {"better", "worse"}, {"before", "after"}, {"above", "below"}, {"increase", "decrease"},
      {"advantages", "disadvantages"}, {"pros", "cons"}, {"buy", "sell"},
      {"import", "export"}, {"upload", "download"}, {"encrypt", "decrypt"},
      {"encode", "decode"}, {"compress", "decompress"}, {"enable", "disable"},
      {"install", "uninstall"}, {"add", "remove"}, {"start", "stop"}, {"open", "close"},
      {"win", "lose"}, {"hot", "cold"}, {"positive", "negative"}, {"true", "false"},
      {"legal", "illegal"}, {"possible", "impossible"}, {"safe", "dangerous"},
      {"safe", "unsafe"}, {"healthy", "unhealthy"}, {"good", "bad"}, {"early", "late"},
      {"young", "old"}, {"long", "short"}, {"inside", "outside"}, {"input", "output"},
      {"push", "pull"}, {"send", "receive"}, {"login", "logout"}, {"male", "female"},
      {"men", "women"}, {"north", "south"}, {"east", "west"}, {"left", "right"},
      {"cheap", "expensive"}, {"cheapest", "expensive"}, {"easy", "hard"},
      {"easiest", "hardest"}, {"rich", "poor"}, {"love", "hate"}, {"like", "dislike"},
      {"true", "myth"}, {"strong", "weak"}, {"heavy", "light"}, {"high", "low"},
      {"include", "exclude"}, {"allow", "deny"}, {"accept", "reject"}, {"ascending",
      "descending"}, {"lowercase", "uppercase"}, {"min", "max"}, {"plus", "minus"},
      {"open", "closed"}, {"take", "avoid"}, {"beginner", "advanced"}, {"beginner", "expert"},
      {"causes", "effects"}, {"cause", "effect"}, {"short", "detailed"}, {"brief", "detailed"},
      {"adult", "baby"}, {"adult", "child"}, {"adults", "children"}, {"import", "export"},
      {"pro", "con"}, {"benefits", "risks"}, {"benefits", "drawbacks"}, {"love", "hate"}};
  return *pairs;
}

const std::unordered_set<std::string>& Stopwords() {
  static const auto* words = new std::unordered_set<std::string>{
      "a", "an", "the", "is", "are", "was", "were", "be", "been", "being", "am", "do", "does",
      "did", "to", "of", "in", "on", "at", "for", "with", "by", "from", "and", "or", "but",
      "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "i", "me", "my",
      "you", "your", "we", "our", "us", "it", "its", "this", "that", "these", "those", "can",
      "could", "should", "would", "will", "shall", "may", "might", "must", "have", "has",
      "had", "there", "their", "they", "them", "he", "she", "his", "her", "as", "if", "so",
      "than", "then", "about", "into", "please", "tell", "explain", "vs", "versus", "between",
      "i'm", "what's", "it's", "there's", "one", "ones", "some", "any", "get", "way"};
  return *words;
}

struct Features {
  std::multiset<std::string> numbers;
  std::set<std::string> dates;
  int negations = 0;
  std::set<std::string> entities;  // lowercase
  std::unordered_set<std::string> words;  // every lowercase token
  std::vector<std::string> content;       // lowercase non-stopwords in order
  std::set<std::string> directions;       // from, to, into, than, ... (see Reordered)
  std::multiset<std::string> units;       // cup, km, celsius, ... (singular)
  std::vector<std::string> key;           // entities, numbers and units in order
};

std::string Singular(const std::string& w) {
  if (w == "feet") return "foot";
  if (w == "inches") return "inch";
  if (w.size() > 3 && w.back() == 's') return w.substr(0, w.size() - 1);
  return w;
}

const std::unordered_set<std::string>& UnitWords() {
  static const auto* words = new std::unordered_set<std::string>{
      "cup", "pint", "quart", "gallon", "liter", "litre", "ml", "ounce", "oz", "gram", "g", "kg",
      "kilogram", "pound", "lb", "ton", "tonne", "mm", "cm", "meter", "metre", "km",
      "kilometer", "mile", "foot", "ft", "inch", "yard", "celsius", "fahrenheit", "kelvin",
      "second", "minute", "hour", "day", "week", "month", "year", "decade", "century", "byte",
      "kb", "mb", "gb", "tb", "dollar", "euro", "usd", "eur", "percent", "mph", "kmh",
      "calorie", "kcal", "tablespoon", "teaspoon", "tbsp", "tsp", "acre", "hectare", "watt",
      "kw", "kwh", "volt", "amp"};
  return *words;
}

const std::unordered_set<std::string>& DirectionWords() {
  static const auto* words = new std::unordered_set<std::string>{
      "from", "to", "into", "than", "vs", "versus", "over", "before", "after", "by"};
  return *words;
}

bool HasDigit(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}
bool HasAlpha(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return std::isalpha(c); });
}

void AddNumbers(const std::string& token, std::multiset<std::string>& numbers) {
  std::string cur;
  for (std::size_t i = 0; i <= token.size(); ++i) {
    char c = i < token.size() ? token[i] : ' ';
    if (std::isdigit((unsigned char)c) || (c == '.' && !cur.empty())) {
      cur += c;
    } else if (c == ',' && !cur.empty()) {
      continue;  // thousands separator: 2,000 == 2000
    } else if (!cur.empty()) {
      while (cur.size() > 1 && cur.back() == '.') cur.pop_back();
      numbers.insert(cur);
      cur.clear();
    }
  }
}

Features Extract(std::string_view text) {
  Features f;
  std::vector<Token> tokens = Tokenize(text);
  int alpha = 0, capitalised = 0;  // words not starting a sentence
  for (const Token& t : tokens) {
    if (t.sentence_initial || !std::isalpha((unsigned char)t.text[0])) continue;
    ++alpha;
    if (std::isupper((unsigned char)t.text[0])) ++capitalised;
  }
  bool title_case = alpha >= 4 && capitalised * 10 >= alpha * 6;
  for (const Token& t : tokens) {
    f.words.insert(t.lower);
    if (!Stopwords().count(t.lower)) f.content.push_back(t.lower);
    if (DirectionWords().count(t.lower)) f.directions.insert(t.lower);
    std::string singular = Singular(t.lower);
    bool unit = UnitWords().count(singular) > 0;
    if (unit) f.units.insert(singular);
    if (HasDigit(t.text)) AddNumbers(t.text, f.numbers);
    if (auto n = NumberWords().find(t.lower); n != NumberWords().end()) f.numbers.insert(n->second);
    // "may" is a month only when capitalised mid-sentence.
    std::string date = t.lower == "may" ? (t.text == "May" && !t.sentence_initial ? "may_month" : "")
                                        : t.lower;
    if (DateWords().count(date)) f.dates.insert(date);
    if (NegationWords().count(t.lower) || t.lower.ends_with("n't")) ++f.negations;
    int upper = 0;
    for (unsigned char c : t.text) upper += std::isupper(c) ? 1 : 0;
    bool acronym = upper >= 2 || (upper == 1 && !std::isupper((unsigned char)t.text[0]));
    bool alnum = HasDigit(t.text) && HasAlpha(t.text);
    bool proper = !title_case && !t.sentence_initial && t.text.size() >= 2 &&
                  std::isupper((unsigned char)t.text[0]);
    if (acronym || alnum || proper) f.entities.insert(t.lower);
    if (acronym || alnum || proper || unit || HasDigit(t.text) || NumberWords().count(t.lower)) {
      f.key.push_back(unit ? singular : t.lower);
    }
  }
  return f;
}

bool EntityMissing(const Features& a, const Features& b) {
  return std::any_of(a.entities.begin(), a.entities.end(),
                     [&](const std::string& e) { return !b.words.count(e); });
}

bool Opposed(const Features& a, const Features& b) {
  for (const auto& [x, y] : Opposites()) {
    bool ax = a.words.count(x), ay = a.words.count(y), bx = b.words.count(x),
         by = b.words.count(y);
    if ((ax && !ay && by && !bx) || (ay && !ax && bx && !by)) return true;
  }
  return false;
}

// The same entities, numbers and units in another order only matter around a direction word
// ("5 km to miles" / "5 miles to km", "Rust faster than Go" / "Go faster than Rust").
bool Reordered(const Features& a, const Features& b) {
  if (a.directions.empty() || a.directions != b.directions) return false;
  if (a.key.size() < 2 || a.key == b.key) return false;
  std::vector<std::string> x = a.key, y = b.key;
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  return x == y;
}

// Damerau-Levenshtein distance <= 1 (optimal string alignment), for short words.
bool WithinOneEdit(const std::string& a, const std::string& b) {
  if (a == b) return true;
  const std::size_t n = a.size(), m = b.size();
  if (n > m + 1 || m > n + 1) return false;
  std::size_t i = 0;
  while (i < n && i < m && a[i] == b[i]) ++i;  // first difference at i
  if (n == m) {
    if (a.compare(i + 1, std::string::npos, b, i + 1, std::string::npos) == 0) return true;
    return i + 1 < n && a[i] == b[i + 1] && a[i + 1] == b[i] &&
           a.compare(i + 2, std::string::npos, b, i + 2, std::string::npos) == 0;
  }
  const std::string& longer = n > m ? a : b;
  const std::string& shorter = n > m ? b : a;
  return longer.compare(i + 1, std::string::npos, shorter, i, std::string::npos) == 0;
}

const std::unordered_set<std::string>& Greetings() {
  static const auto* words = new std::unordered_set<std::string>{
      "hi", "hello", "hey", "quick", "question", "thanks", "thank", "pls"};
  return *words;
}

bool SameUpToTypos(const Features& a, const Features& b) {
  std::vector<const std::string*> x, y;
  for (const auto& w : a.content) if (!Greetings().count(w)) x.push_back(&w);
  for (const auto& w : b.content) if (!Greetings().count(w)) y.push_back(&w);
  if (x.empty() || x.size() != y.size()) return false;
  int edited = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const std::string &u = *x[i], &v = *y[i];
    if (u == v) continue;
    bool editable = u.size() >= 5 && v.size() >= 5 && !HasDigit(u) && !HasDigit(v);
    if (!editable || !WithinOneEdit(u, v) || ++edited > 2) return false;
  }
  return true;
}

}  // namespace

GuardVerdict CheckLexicalGuard(std::string_view new_text, std::string_view cached_text) {
  Features a = Extract(new_text), b = Extract(cached_text);
  if (a.numbers != b.numbers) return {true, "number"};
  if (a.dates != b.dates) return {true, "date"};
  if (a.units != b.units) return {true, "unit"};
  if (a.negations != b.negations) return {true, "negation"};
  if (EntityMissing(a, b) || EntityMissing(b, a)) return {true, "entity"};
  if (Opposed(a, b)) return {true, "opposite"};
  if (Reordered(a, b)) return {true, "order"};
  return {};
}

LexicalDifferences CompareLexically(std::string_view new_text, std::string_view cached_text) {
  Features a = Extract(new_text), b = Extract(cached_text);
  LexicalDifferences d;
  d.number = a.numbers != b.numbers;
  d.date = a.dates != b.dates;
  d.unit = a.units != b.units;
  d.negation = a.negations != b.negations;
  d.entity = EntityMissing(a, b) || EntityMissing(b, a);
  d.opposite = Opposed(a, b);
  d.order = Reordered(a, b);
  d.same_up_to_typos = SameUpToTypos(a, b);
  return d;
}

}  // namespace isartor
