#include "airgap/banner.h"

#include <algorithm>

namespace isartor {
namespace {

// Display columns of UTF-8 text: one per code point (the box uses no wide characters).
std::size_t Columns(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string Repeat(const std::string& piece, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += piece;
  return out;
}

}  // namespace

std::string RenderBanner(const std::string& title, const std::vector<BannerLine>& lines) {
  std::vector<std::string> rows;
  for (const auto& l : lines) {
    const char* mark = l.mark == '+' ? "\u2713" : l.mark == 'x' ? "\u2717" : "-";
    rows.push_back(std::string(mark) + " " + l.text);
  }
  std::size_t width = 54;  // inner width of the seed's box
  width = std::max(width, Columns(title) + 2);
  for (const auto& r : rows) width = std::max(width, Columns(r) + 2);
  const std::string bar = Repeat("\u2500", width);
  auto row = [&](const std::string& text) {
    return "\u2502 " + text + std::string(width - 1 - Columns(text), ' ') + "\u2502\n";
  };
  std::string out = "\u250c" + bar + "\u2510\n" + row(title) + "\u251c" + bar + "\u2524\n";
  for (const auto& r : rows) out += row(r);
  out += "\u2514" + bar + "\u2518\n";
  return out;
}

}  // namespace isartor
