// Who a layer is. Each layer owns one LayerInfo (a static of its class) and returns it from
// Layer::info(); everything that names a layer (the X-Isartor-Layer header, /health, metric
// labels, span names, audit events, the offline banner) reads it from there, so adding a layer
// touches no list elsewhere. A LayerInfo lives as long as the program: code may keep pointers
// to it, and compares layers by its address.
#pragma once

#include <string>

namespace isartor {

enum class LayerKind {
  kCache,       // answers from stored answers (hit / miss / bypass in the audit trail)
  kLocalModel,  // answers with a model running on site
  kUpstream,    // forwards to the upstream LLM (the banner shows where it points)
};

// "cache", "local_model", "upstream" (for /health and logs).
const char* LayerKindName(LayerKind kind);

struct LayerInfo {
  std::string name;          // "l1a": X-Isartor-Layer, the /health key, audit "layer" fields
  std::string metric_label;  // "L1a_ExactCache": final_layer / layer_name labels, span name
  std::string title;         // "L1a Exact Cache": the offline banner
  LayerKind kind = LayerKind::kCache;
  bool deflects = false;     // its answers spare the upstream (X-Isartor-Deflected: true)
};

}  // namespace isartor
