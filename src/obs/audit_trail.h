// AU-2 audit events: one JSON object per decision — request received, each layer's decision
// (hit / miss / veto / blocked / error), the L3 call, response sent — each with the request id,
// the tenant hash and the time. Written to stdout (for the SIEM) and, when configured, appended
// to the signed, hash-chained audit log. Prompt and answer text appear only as SHA-256 unless
// include_content is set; keys and secrets never appear.
// Thread-safe: Received()/Completed() run concurrently; each writes its lines with one write(2).
#pragma once

#include <memory>
#include <string>

#include "audit/audit_log.h"
#include "core/request_context.h"
#include "obs/json_line.h"
#include "obs/metrics.h"

namespace isartor {

struct ResponseFacts {
  FinalLayer layer = FinalLayer::kNone;
  int status = 0;
  double seconds = 0;
  std::string answer_sha256;
  const std::string* answer_text = nullptr;  // only when include_content
  // Whether the client received the whole answer, and if not why: "complete",
  // "client_closed" (the client went away: status is then 499) or "incomplete" (the answer
  // was cut on our side, e.g. the upstream cut a stream).
  bool completed = true;
  std::string end = "complete";
  std::size_t bytes_sent = 0;
};

class AuditTrail {
 public:
  // `log` may be null (no signed file configured).
  AuditTrail(bool include_content, std::unique_ptr<audit::AuditLog> log);
  ~AuditTrail();

  bool include_content() const { return include_content_; }
  void Received(const RequestContext& ctx, const std::string& route);
  void Completed(const RequestContext& ctx, const std::string& route, const ResponseFacts& facts);
  // Seals the signed log with a final checkpoint (shutdown).
  void Close();
  audit::AuditLog* log() { return log_.get(); }

 private:
  void Emit(std::string& lines, const JsonLine& event);

  bool include_content_;
  std::unique_ptr<audit::AuditLog> log_;
};

}  // namespace isartor
