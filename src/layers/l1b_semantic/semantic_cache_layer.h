// L1b: answers a prompt that means the same as one answered before, inside the same hard
// partition (see semantic_key.h). Two stages: the index recalls the entries whose last user turn
// has a cosine similarity of at least the (recall) threshold; then, best first, each candidate
// must pass the optional hard lexical veto (lexical_guard.h) and the verifier (pair_verifier.h),
// whose score must reach the verifier threshold. The first candidate that passes is served.
//
// Request path: SemanticKeyFor -> bypass if the text exceeds the model's window (decided by
// tokenizing, before any embedding) -> embed the text on the embedder's worker threads (the
// request's coroutine is suspended meanwhile, never the I/O thread) -> SemanticIndex::Search ->
// lexical veto and verifier on up to `candidates` matches, best first -> hit or pass.
// A hit carries X-Isartor-Similarity (cosine) and X-Isartor-Verifier-Score. A verifier that
// cannot decide (non-finite score) ends the lookup as a miss and counts
// isartor_semantic_verifier_failures_total and an l1b "error" cache event.
// The vector of a miss is kept briefly so OnAnswer can store the upstream's answer without
// embedding again. A failing embedder or index is never a failed request: the layer passes and
// counts isartor_cache_events_total{cache_layer="l1b",outcome="error"}.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/defaults.h"
#include "core/layer.h"
#include "layers/l1b_semantic/pair_verifier.h"
#include "layers/l1b_semantic/semantic_index.h"
#include "obs/metrics.h"

namespace isartor {

namespace embed {
class Embedder;
}

struct TextVector {
  std::vector<float> values;  // unit norm
  bool truncated = false;     // the text exceeded the model's window; the tail was not seen
};

// Where the layer gets its vectors. Implementations are thread-safe.
class EmbeddingSource {
 public:
  using Callback = std::function<void(Result<TextVector>)>;
  virtual ~EmbeddingSource() = default;
  // Calls `done` exactly once, from any thread (possibly before returning), with the vector or
  // an error. `done` must be short and must not call back into the source.
  virtual void EmbedAsync(std::string text, Callback done) = 0;
  virtual int dimension() const = 0;
  // Whether the model sees all of `text` (it fits the token window): decided before embedding,
  // so a prompt that could only be embedded truncated costs a tokenization, not an embedding.
  // Cheap, runs on the caller's thread.
  virtual bool FitsWindow(const std::string& text) const = 0;
};

// Wraps the in-process MiniLM embedder. Never returns null.
std::unique_ptr<EmbeddingSource> MakeEmbedderSource(std::shared_ptr<embed::Embedder> embedder);

class SemanticCacheLayer : public Layer {
 public:
  struct Options {
    SemanticIndex::Options index;
    // Minimum cosine similarity for a candidate (recall; ISARTOR__SIMILARITY_THRESHOLD's default).
    float threshold = static_cast<float>(defaults::kSimilarityThreshold);
    std::size_t candidates = 4;  // matches above the threshold the second stage may examine
    bool lexical_guard = true;   // any lexical difference vetoes a candidate outright
    // Second stage; null = cosine and lexical veto only. Shared, immutable.
    std::shared_ptr<const PairVerifier> verifier;
    // Minimum verifier score for a hit (ISARTOR__SEMANTIC_VERIFIER_THRESHOLD's default).
    float verifier_threshold = static_cast<float>(defaults::kSemanticVerifierThreshold);
    std::size_t max_pending = 4096;            // remembered miss vectors awaiting OnAnswer
    std::chrono::seconds pending_ttl{600};
  };

  // `source` is owned; `metrics` borrowed and must outlive the layer (the layer registers its
  // series and its size gauges there). The index dimension is taken from the source.
  SemanticCacheLayer(Options options, std::unique_ptr<EmbeddingSource> source, Metrics* metrics,
                     SemanticIndex::Clock clock = nullptr);
  ~SemanticCacheLayer() override;

  // "l1b", "L1b_SemanticCache", "L1b Semantic Cache": a cache that deflects.
  static const LayerInfo& Info();
  const LayerInfo& info() const override { return Info(); }
  std::string State() const override { return "active"; }
  // Answers with the cached body, or passes. The coroutine is suspended while the embedder's
  // workers run the model and resumes on its own executor. Never returns kFailed.
  boost::asio::awaitable<LayerResult> Handle(RequestContext& ctx, ResponseSink& sink) override;
  // Stores the answer under the request's vector (remembered from Handle, or embedded now on
  // the embedder's threads without blocking the caller).
  void OnAnswer(const RequestContext& ctx, std::shared_ptr<const StoredAnswer> answer) override;
  // isartor.similarity: the score of a hit.
  void AddSpanAttributes(const RequestContext& ctx, SpanAttributes& out) const override;

  const SemanticIndex& index() const { return *index_; }
  // Embeddings still pending for OnAnswer (tests).
  std::size_t pending() const;

 private:
  struct Pending {
    std::vector<float> vector;
    std::chrono::steady_clock::time_point at;
  };
  void Remember(const std::string& id, std::vector<float> vector);
  bool TakePending(const std::string& id, std::vector<float>& vector);
  void Store(const std::string& partition, const std::vector<float>& vector, std::string text,
             std::shared_ptr<const StoredAnswer> answer);
  void ReportEmbedError(const Error& error);
  void ReportVerifierFailure();

  Options options_;
  Metrics* metrics_;
  Metrics::LayerSeries* series_;
  Metrics::CacheSeries* cache_series_;
  SemanticIndex::Clock clock_;
  std::unique_ptr<SemanticIndex> index_;  // declared before source_: outlives its callbacks
  mutable std::mutex pending_mu_;
  std::unordered_map<std::string, Pending> pending_;  // pending_mu_
  std::unique_ptr<EmbeddingSource> source_;
  std::atomic<uint64_t> embed_failures_{0};  // for log rate limiting
  std::shared_ptr<std::atomic<uint64_t>> verifier_failures_;  // read by the metrics counter
};

}  // namespace isartor
