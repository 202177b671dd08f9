#include "layers/l2_slm/quality_guard.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

namespace isartor::l2 {

namespace {

// Openings of answers where a small model declines or admits it cannot help: such an answer is
// worth less than the big model's.
constexpr std::array<std::string_view, 16> kRefusals = {
    "i'm sorry", "i am sorry", "sorry, i", "i apologize", "i cannot", "i can't", "i can not",
    "i am unable", "i'm unable", "i am not able", "i'm not able", "as an ai", "as a language model",
    "i don't have access", "i do not have access", "i don't know"};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // Typographic apostrophes count as ASCII ones.
  for (std::size_t pos; (pos = out.find("\xE2\x80\x99")) != std::string::npos;) {
    out.replace(pos, 3, "'");
  }
  return out;
}

bool IsRefusal(std::string_view text) {
  std::size_t start = text.find_first_not_of(" \t\r\n*\"");
  if (start == std::string_view::npos) return false;
  std::string head = Lower(text.substr(start, 160));
  for (std::string_view r : kRefusals) {
    if (head.rfind(r, 0) == 0) return true;
    // "Sure! However, I cannot ..." and "Unfortunately, I can't ..." openings.
    std::size_t at = head.find(r);
    if (at != std::string::npos && at < 40) return true;
  }
  return false;
}

bool IsRepetitive(std::string_view text) {
  std::map<std::string_view, int> counts;
  int lines = 0, worst = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
      ++lines;
      worst = std::max(worst, ++counts[line]);
    }
    pos = end + 1;
  }
  return lines >= 6 && worst * 2 > lines;
}

}  // namespace

std::optional<std::string> RejectReason(std::string_view text, std::string_view finish_reason) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return "empty";
  if (!finish_reason.empty() && finish_reason != "stop" && finish_reason != "end_turn" &&
      finish_reason != "stop_sequence") {
    return "truncated";
  }
  if (IsRefusal(text)) return "refusal";
  if (IsRepetitive(text)) return "repetition";
  return std::nullopt;
}

}  // namespace isartor::l2
