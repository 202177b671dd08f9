#include "layers/l1b_semantic/pair_verifier.h"

#include <cmath>
#include <limits>

#include "layers/l1b_semantic/lexical_guard.h"

namespace isartor {
namespace {
#include "layers/l1b_semantic/pair_verifier_weights.inc"

class TrainedPairVerifier : public PairVerifier {
 public:
  float Score(const VerifierInput& input) const override {
    std::vector<float> x = VerifierFeatures(input);
    if (x.size() != static_cast<std::size_t>(kVerifierInputs)) {
      return std::numeric_limits<float>::quiet_NaN();
    }
    double z = kVerifierBias;
    for (std::size_t i = 0; i < x.size(); ++i) z += double(kVerifierWeights[i]) * x[i];
    return static_cast<float>(1.0 / (1.0 + std::exp(-z)));
  }
};

}  // namespace

std::unique_ptr<PairVerifier> MakeTrainedPairVerifier() {
  return std::make_unique<TrainedPairVerifier>();
}

std::vector<float> VerifierFeatures(const VerifierInput& input) {
  const std::size_t d = input.prompt_vector.size();
  if (d == 0 || input.cached_vector.size() != d) return {};
  std::vector<float> x(2 * d + 1 + LexicalDifferences::kCount);
  double cosine = 0;
  for (std::size_t i = 0; i < d; ++i) {
    float u = input.prompt_vector[i], v = input.cached_vector[i];
    x[i] = std::fabs(u - v);
    x[d + i] = u * v;
    cosine += double(u) * v;
  }
  x[2 * d] = static_cast<float>(cosine);
  LexicalDifferences lex = CompareLexically(input.prompt_text, input.cached_text);
  const bool signals[LexicalDifferences::kCount] = {lex.number,   lex.date,     lex.unit,
                                                    lex.negation, lex.entity,   lex.opposite,
                                                    lex.order,    lex.same_up_to_typos};
  for (int i = 0; i < LexicalDifferences::kCount; ++i) x[2 * d + 1 + i] = signals[i] ? 1.f : 0.f;
  return x;
}

}  // namespace isartor
