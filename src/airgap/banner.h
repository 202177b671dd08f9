// The offline-mode startup banner (the product page's box), every line computed from the
// running gateway's real state.
#pragma once

#include <string>
#include <vector>

namespace isartor {

struct BannerLine {
  char mark;         // '+' active (✓), '-' disabled, 'x' blocked (✗)
  std::string text;  // "L1a Exact Cache: active"
};

// Renders the box; it widens to fit the longest line (the seed's width is the minimum).
std::string RenderBanner(const std::string& title, const std::vector<BannerLine>& lines);

}  // namespace isartor
