#include "app/layer_registry.h"

#include <chrono>

#include "core/disabled_layer.h"
#include "layers/l1a_exact/exact_cache_layer.h"
#include "layers/l1b_semantic/pair_verifier.h"
#include "layers/l1b_semantic/semantic_cache_layer.h"
#include "layers/l2_slm/slm_router_layer.h"
#include "layers/l3_upstream/upstream_layer.h"
#include "obs/log.h"

namespace isartor {
namespace {

Result<std::unique_ptr<Layer>> BuildExactCache(const LayerEnv& env) {
  const Config& config = env.config;
  ExactCache::Options o;
  o.max_entries = config.cache_max_capacity;
  o.max_bytes = config.cache_max_bytes;
  o.ttl = std::chrono::seconds(config.cache_ttl_secs);
  return std::unique_ptr<Layer>(
      std::make_unique<ExactCacheLayer>(o, config.cache_mode != "semantic", env.metrics));
}

// The semantic cache when the mode asks for it and the model loaded; otherwise a disabled
// slot saying why (a missing or corrupt model never stops the gateway).
Result<std::unique_ptr<Layer>> BuildSemanticCache(const LayerEnv& env) {
  const Config& config = env.config;
  if (config.cache_mode == "exact") {
    return std::unique_ptr<Layer>(
        std::make_unique<DisabledLayer>(SemanticCacheLayer::Info(), "ISARTOR__CACHE_MODE=exact"));
  }
  if (!env.embedder) {
    return std::unique_ptr<Layer>(
        std::make_unique<DisabledLayer>(SemanticCacheLayer::Info(), env.embedder_error));
  }
  SemanticCacheLayer::Options o;
  o.index.max_entries = config.cache_max_capacity;
  o.index.ttl = std::chrono::seconds(config.cache_ttl_secs);
  o.index.ef_search = config.semantic_ef_search;
  o.threshold = static_cast<float>(config.similarity_threshold);
  o.lexical_guard = config.semantic_lexical_veto;
  if (config.semantic_verifier) o.verifier = MakeTrainedPairVerifier();
  o.verifier_threshold = static_cast<float>(config.semantic_verifier_threshold);
  return std::unique_ptr<Layer>(
      std::make_unique<SemanticCacheLayer>(o, MakeEmbedderSource(env.embedder), env.metrics));
}

// The SLM router when enabled and buildable, else a DisabledLayer saying why.
Result<std::unique_ptr<Layer>> BuildSlmRouter(const LayerEnv& env) {
  const Config& config = env.config;
  const LayerInfo& info = SlmRouterLayer::Info();
  if (!config.enable_slm_router) {
    return std::unique_ptr<Layer>(std::make_unique<DisabledLayer>(info, "ENABLE_SLM_ROUTER=false"));
  }
  if (!env.embedder) {
    return std::unique_ptr<Layer>(std::make_unique<DisabledLayer>(info, "MiniLM model unavailable"));
  }
  auto layer = SlmRouterLayer::Create(config, env.sidecar_client, env.embedder);
  if (!layer.ok()) {
    Diag(LogLevel::kError, "L2 SLM router disabled: " + layer.error().message);
    return std::unique_ptr<Layer>(std::make_unique<DisabledLayer>(info, layer.error().message));
  }
  SlmRouterLayer* l2 = layer->get();
  const std::pair<const char*, uint64_t SlmRouterStats::*> outcomes[] = {
      {"ineligible", &SlmRouterStats::ineligible}, {"routed_big", &SlmRouterStats::routed_big},
      {"routed_local", &SlmRouterStats::routed_local}, {"answered", &SlmRouterStats::answered},
      {"rejected", &SlmRouterStats::rejected}, {"failed", &SlmRouterStats::failed}};
  for (const auto& [name, field] : outcomes) {
    env.metrics->AddGauge("isartor_l2_requests", "L2 SLM router outcomes since start.",
                          std::string("outcome=\"") + name + "\"",
                          [l2, field] { return static_cast<double>(l2->stats().*field); });
  }
  return std::unique_ptr<Layer>(std::move(*layer));
}

Result<std::unique_ptr<Layer>> BuildUpstream(const LayerEnv& env) {
  auto layer = UpstreamLayer::Create(env.config, env.upstream_client, env.metrics);
  if (!layer.ok()) return layer.error();
  return std::unique_ptr<Layer>(std::move(*layer));
}

}  // namespace

std::vector<LayerRegistration> DefaultLayers() {
  return {
      {"l1a", BuildExactCache},
      {"l1b", BuildSemanticCache},
      {"l2", BuildSlmRouter},
      {"l3", BuildUpstream},
  };
}

}  // namespace isartor
