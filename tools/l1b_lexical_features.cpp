// Prints the lexical guard's signals (lexical_guard.h, CompareLexically) for
// text pairs, so tools/train_l1b_verifier.py trains on exactly what the gateway computes.
// Input on stdin: one pair per line, "new_text<TAB>cached_text". Output: one line per pair,
// eight 0/1 values separated by spaces (number date unit negation entity opposite order
// same_up_to_typos).
#include <iostream>
#include <string>

#include "layers/l1b_semantic/lexical_guard.h"

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    auto tab = line.find('\t');
    if (tab == std::string::npos) {
      std::cerr << "expected new_text<TAB>cached_text\n";
      return 2;
    }
    auto d = isartor::CompareLexically(std::string_view(line).substr(0, tab),
                                       std::string_view(line).substr(tab + 1));
    std::cout << d.number << ' ' << d.date << ' ' << d.unit << ' ' << d.negation << ' '
              << d.entity << ' ' << d.opposite << ' ' << d.order << ' ' << d.same_up_to_typos
              << '\n';
  }
  return 0;
}
