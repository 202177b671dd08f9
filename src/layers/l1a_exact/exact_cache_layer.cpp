#include "layers/l1a_exact/exact_cache_layer.h"

#include "common/sha256.h"
#include "dialect/canonical.h"

namespace isartor {

const LayerInfo& ExactCacheLayer::Info() {
  static const LayerInfo info{"l1a", "L1a_ExactCache", "L1a Exact Cache", LayerKind::kCache,
                              /*deflects=*/true};
  return info;
}

ExactCacheLayer::ExactCacheLayer(ExactCache::Options options, bool enabled, Metrics* metrics,
                                 ExactCache::Clock clock)
    : cache_(options, std::move(clock)),
      enabled_(enabled),
      metrics_(metrics),
      series_(metrics->AddLayer(Info().metric_label)),
      cache_series_(metrics->AddCache(Info().name)) {
  const ExactCache* cache = &cache_;
  metrics->AddGauge("isartor_cache_entries", "Entries per cache layer.", "cache_layer=\"l1a\"",
                    [cache] { return static_cast<double>(cache->size()); });
  metrics->AddGauge("isartor_cache_bytes", "Bytes per cache layer.", "cache_layer=\"l1a\"",
                    [cache] { return static_cast<double>(cache->bytes()); });
}

std::string ExactCacheLayer::State() const {
  return enabled_ ? "active" : "disabled (ISARTOR__CACHE_MODE=semantic)";
}

std::string ExactCacheLayer::KeyFor(const RequestContext& ctx) {
  // Length-prefixed parts so no concatenation of two different tuples collides.
  std::string material;
  for (const std::string& part :
       {ctx.tenant, ctx.session,
        dialect::CanonicalRequest(ctx.dialect, ctx.body, ctx.resolved_model)}) {
    material += std::to_string(part.size()) + ":" + part + ";";
  }
  return Sha256(material);
}

boost::asio::awaitable<LayerResult> ExactCacheLayer::Handle(RequestContext& ctx,
                                                            ResponseSink& sink) {
  if (ctx.no_cache) {
    metrics_->RecordCacheEvent(cache_series_, CacheOutcome::kBypass);
    ctx.decision_detail = "lookup skipped (Cache-Control: no-cache)";
    co_return LayerResult::Bypass();
  }
  ctx.exact_key = KeyFor(ctx);
  auto answer = cache_.Get(ctx.exact_key);
  if (!answer) {
    metrics_->RecordCacheEvent(cache_series_, CacheOutcome::kMiss);
    co_return LayerResult::Pass();
  }
  metrics_->RecordCacheEvent(cache_series_, CacheOutcome::kHit);
  metrics_->AddTokensSaved(series_, static_cast<uint64_t>(answer->total_tokens));
  AnswerMeta meta;
  meta.layer = &Info();
  Status sent = co_await sink.SendComplete(200, answer->body, meta);
  LayerResult result;
  result.verdict = LayerVerdict::kAnswered;
  result.status = 200;
  if (!sent.ok()) result.status = 499;  // client went away mid-answer
  co_return result;
}

void ExactCacheLayer::OnAnswer(const RequestContext& ctx,
                               std::shared_ptr<const StoredAnswer> answer) {
  uint64_t before = cache_.evictions();
  cache_.Put(ctx.exact_key.empty() ? KeyFor(ctx) : ctx.exact_key, std::move(answer));
  metrics_->RecordCacheEvent(cache_series_, CacheOutcome::kStore);
  for (uint64_t n = cache_.evictions() - before; n > 0; --n) {
    metrics_->RecordCacheEvent(cache_series_, CacheOutcome::kEvict);
  }
}

}  // namespace isartor
