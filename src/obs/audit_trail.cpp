#include "obs/audit_trail.h"

#include <boost/json/parse.hpp>

#include "common/sha256.h"
#include "obs/log.h"

namespace isartor {
namespace json = boost::json;

namespace {

// The fields every AU-2 event starts with.
JsonLine Event(const std::string& ts, std::string_view name, const RequestContext& ctx) {
  JsonLine e;
  e.Str("ts", ts).Str("event", name).Str("request_id", ctx.request_id).Str("tenant", ctx.tenant);
  return e;
}

}  // namespace

AuditTrail::AuditTrail(bool include_content, std::unique_ptr<audit::AuditLog> log)
    : include_content_(include_content), log_(std::move(log)) {}

AuditTrail::~AuditTrail() { Close(); }

void AuditTrail::Close() {
  if (log_) log_->Close();
}

void AuditTrail::Emit(std::string& lines, const JsonLine& event) {
  std::size_t begin = lines.size();
  event.AppendTo(lines);
  if (!log_) return;
  // The signed log takes objects; parse only when it is configured (off the common path).
  boost::system::error_code ec;
  auto parsed = json::parse(std::string_view(lines).substr(begin), ec);
  if (!ec && parsed.is_object()) log_->Append(std::move(parsed.as_object()));
}

void AuditTrail::Received(const RequestContext& ctx, std::string_view route) {
  JsonLine e = Event(NowRfc3339(), "request_received", ctx);
  e.Str("route", route)
      .Str("model", ctx.resolved_model)
      .Bool("stream", ctx.stream)
      .Str("prompt_sha256", Sha256Hex(ctx.view.last_user_text));
  if (!ctx.session.empty()) e.Str("session_sha256", Sha256Hex(ctx.session).substr(0, 16));
  if (include_content_) e.Str("prompt", ctx.view.last_user_text);
  std::string lines;
  Emit(lines, e);
  WriteStdoutLines(lines);
}

void AuditTrail::Completed(const RequestContext& ctx, const RequestEnd& facts) {
  std::string ts = NowRfc3339();
  std::string lines;
  for (const auto& d : ctx.decisions) {
    JsonLine e = Event(ts, "layer_decision", ctx);
    e.Str("layer", d.layer)
        .Str("outcome", d.outcome)
        .Num("latency_ms", d.ms);
    if (!d.detail.empty()) e.Str("detail", d.detail);
    if (d.scored && !ctx.similarity.empty()) {
      e.Str("similarity", ctx.similarity);
    }
    Emit(lines, e);
  }
  if (ctx.upstream_status != 0 || !ctx.upstream_provider.empty()) {
    JsonLine e = Event(ts, "l3_call", ctx);
    e.Str("provider", ctx.upstream_provider)
        .Str("model", ctx.resolved_model)
        .Int("status", ctx.upstream_status)
        .Bool("completed", ctx.upstream_complete)
        .Int("prompt_tokens", ctx.prompt_tokens)
        .Int("completion_tokens", ctx.completion_tokens)
        .Num("latency_ms", ctx.upstream_ms)
        .Num("ttfb_ms", ctx.upstream_ttfb_ms);
    if (!ctx.upstream_request_id.empty()) e.Str("upstream_request_id", ctx.upstream_request_id);
    Emit(lines, e);
  }
  JsonLine e = Event(ts, "response_sent", ctx);
  e.Str("route", facts.route)
      .Str("layer", facts.layer ? facts.layer->name : std::string_view("none"))
      .Int("status", facts.status)
      .Bool("completed", facts.completed)
      .Str("end", facts.end)
      .Int("bytes_sent", static_cast<int64_t>(facts.bytes_sent))
      .Num("latency_ms", facts.seconds * 1000.0)
      .Str("model", ctx.resolved_model)
      .Bool("stream", ctx.stream)
      .Str("answer_sha256", facts.answer_sha256);
  if (ctx.prompt_tokens || ctx.completion_tokens) {
    e.Int("prompt_tokens", ctx.prompt_tokens).Int("completion_tokens", ctx.completion_tokens);
  }
  if (!ctx.similarity.empty()) e.Str("similarity", ctx.similarity);
  if (include_content_ && facts.answer_text) e.Str("answer", *facts.answer_text);
  Emit(lines, e);
  WriteStdoutLines(lines);
}

}  // namespace isartor
