// Cost of the L1b verifier per candidate (pair_verifier.h: feature vector incl. the lexical
// comparison, then the dot product), against the hard lexical guard alone (the second stage
// before the verifier), measured in the same run on the same pairs.
//   cmake --build build --target isartor_l1b_verifier_bench && build/src/isartor_l1b_verifier_bench
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "layers/l1b_semantic/lexical_guard.h"
#include "layers/l1b_semantic/pair_verifier.h"

namespace {

std::vector<float> UnitVector(std::mt19937& rng) {
  std::normal_distribution<float> n;
  std::vector<float> v(384);
  double s = 0;
  for (float& x : v) s += double(x = n(rng)) * x;
  for (float& x : v) x = static_cast<float>(x / std::sqrt(s));
  return v;
}

template <typename F>
double MedianNsPerCall(F f, int calls, int rounds) {
  std::vector<double> per;
  for (int r = 0; r < rounds; ++r) {
    auto t = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) f(i);
    per.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t)
                      .count() / calls);
  }
  std::sort(per.begin(), per.end());
  return per[per.size() / 2];
}

}  // namespace

int main() {
  const std::vector<std::pair<std::string, std::string>> texts = {
      {"How do I reset my Outlook password?", "I forgot my Outlook password, how can I set a new one?"},
      {"Is it safe to drink tap water in Mexico City?", "Is it unsafe to drink tap water in Mexico City?"},
      {"How do I connect to the office VPN from home on port 443?", "How do I connect to the office VPN from home?"},
      {"What is the difference between a Roth IRA and a traditional IRA in 2024?", "How does a Roth IRA compare to a traditional IRA?"},
  };
  std::mt19937 rng(14);
  std::vector<std::vector<float>> u, v;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    u.push_back(UnitVector(rng));
    v.push_back(UnitVector(rng));
  }
  auto verifier = isartor::MakeTrainedPairVerifier();
  volatile float sink = 0;
  const int calls = 20000, rounds = 7;
  double verifier_ns = MedianNsPerCall(
      [&](int i) {
        std::size_t k = i % texts.size();
        sink = sink + verifier->Score({u[k], v[k], texts[k].first, texts[k].second});
      },
      calls, rounds);
  double guard_ns = MedianNsPerCall(
      [&](int i) {
        std::size_t k = i % texts.size();
        sink = sink + isartor::CheckLexicalGuard(texts[k].first, texts[k].second).veto;
      },
      calls, rounds);
  std::printf("{\"verifier_us_per_candidate\": %.2f, \"lexical_guard_us_per_candidate\": %.2f, "
              "\"ratio_verifier_to_guard\": %.2f, \"calls\": %d, \"rounds\": %d}\n",
              verifier_ns / 1000, guard_ns / 1000, verifier_ns / guard_ns, calls, rounds);
  return 0;
}
