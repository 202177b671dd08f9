#include "core/layer_info.h"

namespace isartor {

const char* LayerKindName(LayerKind kind) {
  switch (kind) {
    case LayerKind::kCache: return "cache";
    case LayerKind::kLocalModel: return "local_model";
    case LayerKind::kUpstream: return "upstream";
  }
  return "unknown";
}

}  // namespace isartor
