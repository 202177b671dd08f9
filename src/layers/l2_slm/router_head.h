// The L2 routing decision: a logistic-regression head over the all-MiniLM-L6-v2 embedding of the
// last user message (the same vector L1b computes) plus one length feature. Trained offline by
// tools/train_l2_router_head.py on bench/data/slm_router_prompts.jsonl; the weights are compiled
// in (router_head_weights.inc), so nothing is read at run time.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <span>
#include <string>

#include "common/result.h"
#include "embed/embedder.h"

namespace isartor::l2 {

struct RouteDecision {
  double p_complex = 1.0;  // the head's probability that the prompt needs the big model
  bool local = false;      // p_complex < threshold: the local model should answer
  double seconds = 0.0;    // wall time of the decision (embedding + head)
};

// Thread-safe: immutable after construction.
class RouterHead {
 public:
  // `threshold`: a prompt is answered locally when P(complex) < threshold. In (0, 1).
  explicit RouterHead(double threshold = kDefaultThreshold) : threshold_(threshold) {}

  // Below 0.5 on purpose: a wrong "local" costs a poor answer, a wrong "complex" only money.
  static constexpr double kDefaultThreshold = 0.4;

  // P(complex) for a unit embedding of dimension 384 and its token count ([CLS]/[SEP] included).
  // Returns 1.0 (route to the big model) when the embedding does not have the head's dimension.
  double ComplexProbability(std::span<const float> embedding, std::size_t tokens) const;
  double threshold() const { return threshold_; }

 private:
  double threshold_;
};

// Embeds `text` off the I/O thread (Embedder::EmbedAsync) and applies the head; the coroutine
// resumes on the caller's executor. `embedder` is borrowed. Errors: the embedder's (kCancelled
// when it shuts down, kInternal).
boost::asio::awaitable<Result<RouteDecision>> Classify(embed::Embedder& embedder,
                                                       const RouterHead& head, std::string text);

}  // namespace isartor::l2
