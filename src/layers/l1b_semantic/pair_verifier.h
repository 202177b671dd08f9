// The second stage of L1b: given a prompt and a cached entry the index recalled, would the
// cached answer answer the prompt? A logistic regression over MiniLM features of both texts
// (|u - v| and u * v elementwise, and their cosine) plus the lexical guard's signals as
// features (lexical_guard.h: numbers, dates, units, negation, entities, opposites, order, and
// "the same words up to typos"). Trained offline by tools/train_l1b_verifier.py on a QQP sample and the train split of
// bench/data/l1b_pairs.jsonl; the weights are compiled in (pair_verifier_weights.inc), so
// nothing is read at run time. Measured: bench/results/semantic_cache.md.
#pragma once

#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace isartor {

struct VerifierInput {
  std::span<const float> prompt_vector;  // unit norm
  std::span<const float> cached_vector;  // unit norm, same dimension
  std::string_view prompt_text;
  std::string_view cached_text;
};

// Implementations are thread-safe (immutable after construction).
class PairVerifier {
 public:
  virtual ~PairVerifier() = default;
  // P(the cached answer answers the prompt), in [0, 1]. A score that is not finite (NaN) means
  // the verifier could not decide (e.g. vectors of the wrong dimension): the caller must treat
  // it as "no", never as a hit.
  virtual float Score(const VerifierInput& input) const = 0;
};

// The compiled-in logistic regression. Never returns null.
std::unique_ptr<PairVerifier> MakeTrainedPairVerifier();

// The feature vector the trained verifier reads (the trainer recomputes it in numpy from the
// same definition): |u - v| (d), u * v (d), cos(u, v), then the LexicalDifferences::kCount
// lexical signals as 0/1, in their declared order.
// Empty when the two vectors differ in size or are empty.
std::vector<float> VerifierFeatures(const VerifierInput& input);

}  // namespace isartor
