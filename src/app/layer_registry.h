// The layers of the chain, as registrations: a name and a factory each, in the order a request
// meets them. Adding a layer is one line in DefaultLayers() (layer_registry.cpp); a test may
// insert its own registration into the list it passes to Gateway::Create. Nothing else in the
// app knows which layers exist: the chain, the banner, /health, metrics, traces and the audit
// trail read each layer's LayerInfo.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "core/layer.h"
#include "obs/metrics.h"

namespace isartor {

class HttpClient;
namespace embed {
class Embedder;
}  // namespace embed

// What a factory may use. Everything is borrowed and outlives the chain.
struct LayerEnv {
  const Config& config;
  Metrics* metrics;             // a layer registers its own series and gauges here
  HttpClient* upstream_client;  // for the upstream LLM (EgressPurpose::kL3Upstream)
  HttpClient* sidecar_client;   // for a local model server (EgressPurpose::kL2Sidecar)
  // The MiniLM embedder shared by every layer that needs it; null when no layer asked for it
  // or it failed to load (then `embedder_error` says why).
  std::shared_ptr<embed::Embedder> embedder;
  std::string embedder_error;
};

// Builds one layer. An error stops the gateway from starting; a layer that can do without
// what it lacks returns a DisabledLayer saying why instead.
using LayerFactory = std::function<Result<std::unique_ptr<Layer>>(const LayerEnv& env)>;

struct LayerRegistration {
  std::string name;  // for error messages: the layer's LayerInfo::name
  LayerFactory build;
};

// The chain as shipped: l1a, l1b, l2, l3.
std::vector<LayerRegistration> DefaultLayers();

}  // namespace isartor
