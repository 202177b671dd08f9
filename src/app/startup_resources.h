// What the gateway loads once at start and hands to several components: the MiniLM embedder
// (shared by L1b, L2 and /v1/embeddings), the tokenizer for count_tokens estimates, and the AU-2
// audit trail. Called from Gateway::Create (gateway_app.cpp) only; not thread-safe.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "config/config.h"
#include "embed/embedder.h"
#include "obs/audit_trail.h"
#include "obs/metrics.h"

namespace isartor {

// The MiniLM embedder, loaded once and shared by the layers that need it and the embeddings
// route (one copy of the model, one worker pool). Null, with the reason logged, when nothing
// needs it or the model fails to load.
struct SharedEmbedder {
  std::shared_ptr<embed::Embedder> embedder;
  std::string error;  // why it is null although a layer wanted it
};
SharedEmbedder LoadEmbedder(const Config& config);

// count_tokens estimates: the MiniLM WordPiece tokenizer (the embedder's, or read from the
// model files when no layer loaded the embedder); null when no vocabulary can be found.
std::shared_ptr<const embed::WordPieceTokenizer> LoadTokenizer(const Config& config,
                                                               const SharedEmbedder& shared);

// The AU-2 trail: stdout always; the signed log when ISARTOR__AUDIT_LOG_PATH is set (its event
// counters are added to `metrics`). Errors: kInvalidArgument (no signing key), the log's own.
Result<std::unique_ptr<AuditTrail>> OpenAuditTrail(const Config& config, Metrics& metrics);

}  // namespace isartor
