#include "layers/l1b_semantic/semantic_cache_layer.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "embed/embedder.h"
#include "layers/l1b_semantic/lexical_guard.h"
#include "layers/l1b_semantic/semantic_key.h"
#include "obs/log.h"
#include "otel/request_spans.h"

namespace isartor {
namespace asio = boost::asio;

namespace {

class EmbedderSource : public EmbeddingSource {
 public:
  explicit EmbedderSource(std::shared_ptr<embed::Embedder> embedder)
      : embedder_(std::move(embedder)) {}
  void EmbedAsync(std::string text, Callback done) override {
    embedder_->EmbedAsync(std::move(text), [done = std::move(done)](Result<embed::Embedding> r) {
      if (!r.ok()) return done(r.error());
      // The model sees at most 256 tokens; a full window means the tail may have been cut.
      bool truncated = r->tokens.size() >= 256;
      done(TextVector{std::move(r->vector), truncated});
    });
  }
  int dimension() const override { return embedder_->dimension(); }
  bool FitsWindow(const std::string& text) const override {
    const auto& tokenizer = embedder_->tokenizer();
    return tokenizer.CountTokens(text) <= static_cast<std::size_t>(tokenizer.max_tokens());
  }

 private:
  std::shared_ptr<embed::Embedder> embedder_;
};

// Suspends the coroutine until the source calls back, then resumes it on its own executor:
// the embedding runs on the embedder's workers, never on the I/O thread.
asio::awaitable<Result<TextVector>> EmbedOnWorkers(EmbeddingSource& source, std::string text) {
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable),
                                          void(Result<TextVector>)>(
      [&source](auto handler, std::string text) {
        using Handler = decltype(handler);
        auto shared = std::make_shared<Handler>(std::move(handler));
        source.EmbedAsync(std::move(text), [shared](Result<TextVector> r) {
          auto executor = asio::get_associated_executor(*shared);
          asio::post(executor, [shared, r = std::move(r)]() mutable { (*shared)(std::move(r)); });
        });
      },
      asio::use_awaitable, std::move(text));
}

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string FormatScore(float score) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", score);
  return buf;
}

std::string PendingId(const SemanticKey& key) { return key.partition + '\n' + key.text; }

}  // namespace

std::unique_ptr<EmbeddingSource> MakeEmbedderSource(std::shared_ptr<embed::Embedder> embedder) {
  return std::make_unique<EmbedderSource>(std::move(embedder));
}

const LayerInfo& SemanticCacheLayer::Info() {
  static const LayerInfo info{"l1b", "L1b_SemanticCache", "L1b Semantic Cache", LayerKind::kCache,
                              /*deflects=*/true};
  return info;
}

SemanticCacheLayer::SemanticCacheLayer(Options options, std::unique_ptr<EmbeddingSource> source,
                                       Metrics* metrics, SemanticIndex::Clock clock)
    : options_(options),
      metrics_(metrics),
      series_(metrics->AddLayer(Info().metric_label)),
      cache_series_(metrics->AddCache(Info().name)),
      clock_(clock) {
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
  options_.index.dimension = source->dimension();
  index_ = std::make_unique<SemanticIndex>(options_.index, clock);
  source_ = std::move(source);
  const SemanticIndex* index = index_.get();
  metrics->AddGauge("isartor_cache_entries", "Entries per cache layer.", "cache_layer=\"l1b\"",
                    [index] { return static_cast<double>(index->size()); });
  metrics->AddGauge("isartor_cache_bytes", "Bytes per cache layer.", "cache_layer=\"l1b\"",
                    [index] { return static_cast<double>(index->bytes()); });
  verifier_failures_ = std::make_shared<std::atomic<uint64_t>>(0);
  metrics_->AddCounter("isartor_semantic_verifier_failures_total",
                       "L1b lookups ended as a miss because the verifier could not score a "
                       "candidate (non-finite score).",
                       "", [failures = verifier_failures_] {
                         return static_cast<double>(failures->load(std::memory_order_relaxed));
                       });
}

void SemanticCacheLayer::AddSpanAttributes(const RequestContext& ctx, SpanAttributes& out) const {
  if (!ctx.similarity.empty()) {
    out.SetDouble("isartor.similarity", std::strtod(ctx.similarity.c_str(), nullptr));
  }
}

// source_ goes first (member order), so no embedder callback can touch a destroyed index.
SemanticCacheLayer::~SemanticCacheLayer() { source_.reset(); }

std::size_t SemanticCacheLayer::pending() const {
  std::lock_guard<std::mutex> lock(pending_mu_);
  return pending_.size();
}

void SemanticCacheLayer::Remember(const std::string& id, std::vector<float> vector) {
  auto now = clock_();
  std::lock_guard<std::mutex> lock(pending_mu_);
  if (pending_.size() >= options_.max_pending) {
    // Misses whose answer never came (upstream failed, client left) age out here.
    std::erase_if(pending_, [&](const auto& kv) { return now - kv.second.at > options_.pending_ttl; });
    if (pending_.size() >= options_.max_pending) pending_.erase(pending_.begin());
  }
  pending_[id] = Pending{std::move(vector), now};
}

bool SemanticCacheLayer::TakePending(const std::string& id, std::vector<float>& vector) {
  std::lock_guard<std::mutex> lock(pending_mu_);
  auto it = pending_.find(id);
  if (it == pending_.end()) return false;
  vector = std::move(it->second.vector);
  pending_.erase(it);
  return true;
}

void SemanticCacheLayer::ReportEmbedError(const Error& error) {
  metrics_->RecordCacheEvent(cache_series_, CacheOutcome::kError);
  uint64_t n = embed_failures_.fetch_add(1, std::memory_order_relaxed);
  if (n < 3 || n % 1000 == 0) {  // a broken embedder must not flood the log
    Diag(LogLevel::kWarn, "L1b skipped: embedding failed (" + std::to_string(n + 1) +
                              " so far): " + error.message);
  }
}

void SemanticCacheLayer::ReportVerifierFailure() {
  metrics_->RecordCacheEvent(cache_series_, CacheOutcome::kError);
  uint64_t n = verifier_failures_->fetch_add(1, std::memory_order_relaxed);
  if (n < 3 || n % 1000 == 0) {
    Diag(LogLevel::kWarn, "L1b miss: the verifier returned no finite score (" +
                              std::to_string(n + 1) + " so far)");
  }
}

boost::asio::awaitable<LayerResult> SemanticCacheLayer::Handle(RequestContext& ctx,
                                                               ResponseSink& sink) {
  if (ctx.no_cache) {
    metrics_->RecordCacheEvent(cache_series_, CacheOutcome::kBypass);
    ctx.decision_detail = "lookup skipped (Cache-Control: no-cache)";
    co_return LayerResult::Bypass();
  }
  SemanticKey key = SemanticKeyFor(ctx);
  if (!key.eligible) {
    metrics_->RecordCacheEvent(cache_series_, CacheOutcome::kBypass);
    ctx.decision_detail = key.skip_reason;
    co_return LayerResult::Bypass();
  }
  if (!source_->FitsWindow(key.text)) {
    // Only the start would be embedded: two prompts sharing it (Claude Code's boilerplate)
    // would look identical. Not worth an embedding to find that out.
    metrics_->RecordCacheEvent(cache_series_, CacheOutcome::kBypass);
    ctx.decision_detail = "prompt longer than the embedding window";
    co_return LayerResult::Bypass();
  }
  auto started = std::chrono::steady_clock::now();
  otel::Span embed_span = otel::StartStepSpan(ctx, "L1b embedding");
  Result<TextVector> embedded = co_await EmbedOnWorkers(*source_, key.text);
  embed_span.End();
  metrics_->RecordSemanticEmbedding(SecondsSince(started));
  if (!embedded.ok()) {
    ReportEmbedError(embedded.error());
    co_return LayerResult::Pass();
  }
  if (embedded->truncated) {  // the vector does not cover the whole prompt: too risky
    metrics_->RecordCacheEvent(cache_series_, CacheOutcome::kBypass);
    Remember(PendingId(key), {});  // tells OnAnswer not to embed it again
    ctx.decision_detail = "prompt longer than the embedding window";
    co_return LayerResult::Bypass();
  }
  started = std::chrono::steady_clock::now();
  otel::Span search_span = otel::StartStepSpan(ctx, "L1b index search");
  auto matches = index_->Search(key.partition, embedded->values, options_.candidates,
                                options_.threshold);
  if (matches.ok()) search_span.SetAttribute("isartor.candidates", static_cast<int64_t>(matches->size()));
  search_span.End();
  metrics_->RecordSemanticSearch(SecondsSince(started));
  if (!matches.ok()) {
    metrics_->RecordCacheEvent(cache_series_, CacheOutcome::kError);
    co_return LayerResult::Pass();
  }
  const SemanticMatch* hit = nullptr;
  float verifier_score = 0;
  bool verifier_failed = false;
  for (const SemanticMatch& m : *matches) {
    if (options_.lexical_guard && CheckLexicalGuard(key.text, m.entry->text).veto) continue;
    if (options_.verifier) {
      float score = options_.verifier->Score(
          VerifierInput{embedded->values, m.vector, key.text, m.entry->text});
      if (!std::isfinite(score)) {
        verifier_failed = true;  // cannot tell: no hit from this lookup, never a failure
        break;
      }
      if (score < options_.verifier_threshold) continue;
      verifier_score = score;
    }
    hit = &m;
    break;
  }
  if (!hit) {
    if (verifier_failed) {
      ReportVerifierFailure();
    } else {
      metrics_->RecordCacheEvent(cache_series_,
                                 matches->empty() ? CacheOutcome::kMiss : CacheOutcome::kVeto);
    }
    Remember(PendingId(key), std::move(embedded->values));
    co_return LayerResult::Pass();
  }
  metrics_->RecordCacheEvent(cache_series_, CacheOutcome::kHit);
  SemanticIndex::MarkUsed(*hit->entry);
  metrics_->AddTokensSaved(series_, static_cast<uint64_t>(hit->entry->answer->total_tokens));
  ctx.similarity = FormatScore(hit->score);
  AnswerMeta meta;
  meta.layer = &Info();
  meta.headers.emplace_back("X-Isartor-Similarity", ctx.similarity);
  if (options_.verifier) {
    meta.headers.emplace_back("X-Isartor-Verifier-Score", FormatScore(verifier_score));
  }
  std::shared_ptr<const StoredAnswer> answer = hit->entry->answer;
  Status sent = co_await sink.SendComplete(200, answer->body, meta);
  LayerResult result;
  result.verdict = LayerVerdict::kAnswered;
  result.status = sent.ok() ? 200 : 499;  // 499: the client went away mid-answer
  // L1a may store it under this prompt's exact key: the same answer, served next time without
  // an embedding.
  if (sent.ok()) result.answer = answer;
  co_return result;
}

void SemanticCacheLayer::Store(const std::string& partition, const std::vector<float>& vector,
                               std::string text, std::shared_ptr<const StoredAnswer> answer) {
  auto inserted = index_->Insert(partition, vector, std::move(text), std::move(answer));
  if (!inserted.ok()) {
    metrics_->RecordCacheEvent(cache_series_, CacheOutcome::kError);
    Diag(LogLevel::kWarn, "L1b store failed: " + inserted.error().message);
    return;
  }
  metrics_->RecordCacheEvent(cache_series_, CacheOutcome::kStore);
  for (std::size_t n = *inserted; n > 0; --n) {
    metrics_->RecordCacheEvent(cache_series_, CacheOutcome::kEvict);
  }
}

void SemanticCacheLayer::OnAnswer(const RequestContext& ctx,
                                  std::shared_ptr<const StoredAnswer> answer) {
  if (!answer) return;
  SemanticKey key = SemanticKeyFor(ctx);
  if (!key.eligible || !source_->FitsWindow(key.text)) return;
  std::vector<float> vector;
  if (TakePending(PendingId(key), vector)) {
    if (vector.empty()) return;  // too long to embed whole
    Store(key.partition, vector, std::move(key.text), std::move(answer));
    return;
  }
  // No vector from Handle (Cache-Control: no-cache skipped the lookup): embed now, store from
  // the embedder's thread. The index is thread-safe and outlives the source.
  std::string text = key.text;
  source_->EmbedAsync(std::move(text), [this, key = std::move(key), answer = std::move(answer)](
                                           Result<TextVector> r) mutable {
    if (!r.ok()) {
      if (r.error().code != ErrorCode::kCancelled) ReportEmbedError(r.error());
      return;
    }
    if (r->truncated) return;
    Store(key.partition, r->values, std::move(key.text), std::move(answer));
  });
}

}  // namespace isartor
