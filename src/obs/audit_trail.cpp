#include "obs/audit_trail.h"

#include <boost/json/serialize.hpp>

#include "common/sha256.h"
#include "obs/log.h"

namespace isartor {
namespace json = boost::json;

AuditTrail::AuditTrail(bool include_content, std::unique_ptr<audit::AuditLog> log)
    : include_content_(include_content), log_(std::move(log)) {}

AuditTrail::~AuditTrail() { Close(); }

void AuditTrail::Close() {
  if (log_) log_->Close();
}

void AuditTrail::Emit(std::string& lines, json::object event) {
  lines += json::serialize(event);
  lines += '\n';
  if (log_) log_->Append(std::move(event));
}

void AuditTrail::Received(const RequestContext& ctx, const std::string& route) {
  json::object e{{"ts", NowRfc3339()},
                 {"event", "request_received"},
                 {"request_id", ctx.request_id},
                 {"tenant", ctx.tenant},
                 {"route", route},
                 {"model", ctx.resolved_model},
                 {"stream", ctx.stream},
                 {"prompt_sha256", Sha256Hex(ctx.view.last_user_text)}};
  if (!ctx.session.empty()) e["session_sha256"] = Sha256Hex(ctx.session).substr(0, 16);
  if (include_content_) e["prompt"] = ctx.view.last_user_text;
  std::string lines;
  Emit(lines, std::move(e));
  WriteStdoutLines(lines);
}

void AuditTrail::Completed(const RequestContext& ctx, const std::string& route,
                           const ResponseFacts& facts) {
  std::string ts = NowRfc3339();
  std::string lines;
  for (const auto& d : ctx.decisions) {
    json::object e{{"ts", ts},          {"event", "layer_decision"}, {"request_id", ctx.request_id},
                   {"tenant", ctx.tenant}, {"layer", d.layer},       {"outcome", d.outcome},
                   {"latency_ms", d.ms}};
    if (!d.detail.empty()) e["detail"] = d.detail;
    if (std::string_view(d.layer) == "l1b" && !ctx.similarity.empty()) {
      e["similarity"] = ctx.similarity;
    }
    Emit(lines, std::move(e));
  }
  if (ctx.upstream_status != 0 || !ctx.upstream_provider.empty()) {
    bool called = ctx.upstream_status != 0;
    json::object e{{"ts", ts},
                   {"event", "l3_call"},
                   {"request_id", ctx.request_id},
                   {"tenant", ctx.tenant},
                   {"provider", ctx.upstream_provider},
                   {"model", ctx.resolved_model},
                   {"status", ctx.upstream_status},
                   {"completed", called},
                   {"prompt_tokens", ctx.prompt_tokens},
                   {"completion_tokens", ctx.completion_tokens},
                   {"latency_ms", ctx.upstream_ms},
                   {"ttfb_ms", ctx.upstream_ttfb_ms}};
    Emit(lines, std::move(e));
  }
  json::object e{{"ts", ts},
                 {"event", "response_sent"},
                 {"request_id", ctx.request_id},
                 {"tenant", ctx.tenant},
                 {"route", route},
                 {"layer", FinalLayerShort(facts.layer)},
                 {"status", facts.status},
                 {"latency_ms", facts.seconds * 1000.0},
                 {"model", ctx.resolved_model},
                 {"stream", ctx.stream},
                 {"answer_sha256", facts.answer_sha256}};
  if (ctx.prompt_tokens || ctx.completion_tokens) {
    e["prompt_tokens"] = ctx.prompt_tokens;
    e["completion_tokens"] = ctx.completion_tokens;
  }
  if (!ctx.similarity.empty()) e["similarity"] = ctx.similarity;
  if (include_content_ && facts.answer_text) e["answer"] = *facts.answer_text;
  Emit(lines, std::move(e));
  WriteStdoutLines(lines);
}

}  // namespace isartor
