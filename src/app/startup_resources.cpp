#include "app/startup_resources.h"

#include "audit/audit_log.h"
#include "embed/model_files.h"
#include "obs/log.h"

namespace isartor {

SharedEmbedder LoadEmbedder(const Config& config) {
  if (config.cache_mode == "exact" && !config.enable_slm_router && !config.local_embeddings) {
    return {};
  }
  embed::EmbedderOptions options;
  options.model_dir = config.embedding_model_dir;
  auto embedder = embed::Embedder::Create(std::move(options));
  if (!embedder.ok()) {
    Diag(LogLevel::kError, std::string(config.cache_mode != "exact"
                                           ? "L1b semantic cache disabled"
                                           : "L2 SLM router disabled") +
                               (config.cache_mode != "exact" && config.enable_slm_router
                                    ? " (and L2 SLM router)" : "") +
                               ": embedding model failed to load: " + embedder.error().message);
    return {nullptr, "embedding model failed to load: " + embedder.error().message};
  }
  return {std::shared_ptr<embed::Embedder>(std::move(*embedder)), ""};
}

// count_tokens estimates: the MiniLM WordPiece tokenizer (the embedder's, or read from the
// model files when no layer loaded the embedder); null when no vocabulary can be found.
std::shared_ptr<const embed::WordPieceTokenizer> LoadTokenizer(const Config& config,
                                                               const SharedEmbedder& shared) {
  if (shared.embedder) {
    return std::shared_ptr<const embed::WordPieceTokenizer>(shared.embedder,
                                                            &shared.embedder->tokenizer());
  }
  auto files = embed::ResolveModelFiles(config.embedding_model_dir);
  if (!files.ok()) return nullptr;
  auto tokenizer = embed::WordPieceTokenizer::FromVocabText(files->vocab.text(),
                                                            files->vocab.name());
  if (!tokenizer.ok()) return nullptr;
  return std::make_shared<const embed::WordPieceTokenizer>(std::move(*tokenizer));
}

// The AU-2 trail: stdout always; the signed log when ISARTOR__AUDIT_LOG_PATH is set.
Result<std::unique_ptr<AuditTrail>> OpenAuditTrail(const Config& config, Metrics& metrics) {
  std::unique_ptr<audit::AuditLog> log;
  if (!config.audit_log_path.empty()) {
    if (config.audit_signing_key_file.empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "ISARTOR__AUDIT_LOG_PATH needs ISARTOR__AUDIT_SIGNING_KEY_FILE (create one "
                       "with: isartor audit keygen --out DIR)");
    }
    audit::AuditLogOptions options;
    options.path = config.audit_log_path;
    options.signing_key_file = config.audit_signing_key_file;
    options.checkpoint_every_n_events = config.audit_checkpoint_every;
    options.rotate_bytes = config.audit_rotate_bytes;
    auto fsync = audit::ParseFsyncPolicy(config.audit_fsync);
    if (!fsync.ok()) return fsync.error();
    options.fsync = *fsync;
    auto opened = audit::AuditLog::Open(options);
    if (!opened.ok()) {
      return MakeError(opened.error().code, "audit log: " + opened.error().message);
    }
    log = std::move(opened.value());
    auto* raw = log.get();
    metrics.AddGauge("isartor_audit_events_total", "Audit events by fate.", "fate=\"appended\"",
                     [raw] { return static_cast<double>(raw->counters().appended); });
    metrics.AddGauge("isartor_audit_events_total", "Audit events by fate.", "fate=\"dropped\"",
                     [raw] { return static_cast<double>(raw->counters().dropped); });
    metrics.AddGauge("isartor_audit_events_total", "Audit events by fate.",
                     "fate=\"write_error\"",
                     [raw] { return static_cast<double>(raw->counters().write_errors); });
  }
  return std::make_unique<AuditTrail>(config.audit_include_content, std::move(log));
}

}  // namespace isartor
