// AU-2 audit events: one JSON object per decision — request received, each layer's decision
// (hit / miss / veto / blocked / error), the L3 call, response sent — each with the request id,
// the tenant hash and the time. Written to stdout (for the SIEM) and, when configured, appended
// to the signed, hash-chained audit log. Prompt and answer text appear only as SHA-256 unless
// include_content is set; keys and secrets never appear.
// It is an observer of the chain (core/chain_observer.h): RequestRead writes request_received,
// RequestEnded the layer decisions, the L3 call and response_sent.
// Thread-safe: Received()/Completed() run concurrently; each writes its lines with one write(2).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "audit/audit_log.h"
#include "core/chain_observer.h"
#include "core/request_context.h"
#include "obs/json_line.h"

namespace isartor {

class AuditTrail : public ChainObserver {
 public:
  // `log` may be null (no signed file configured).
  AuditTrail(bool include_content, std::unique_ptr<audit::AuditLog> log);
  ~AuditTrail();

  bool include_content() const { return include_content_; }
  void Received(const RequestContext& ctx, std::string_view route);
  // `end.answer_text` is written only with include_content.
  void Completed(const RequestContext& ctx, const RequestEnd& end);

  // ChainObserver:
  void RequestRead(const RequestContext& ctx, std::string_view route) override {
    Received(ctx, route);
  }
  void RequestEnded(const RequestContext& ctx, const RequestEnd& end) override {
    Completed(ctx, end);
  }
  // Seals the signed log with a final checkpoint (shutdown).
  void Close();
  audit::AuditLog* log() { return log_.get(); }

 private:
  void Emit(std::string& lines, const JsonLine& event);

  bool include_content_;
  std::unique_ptr<audit::AuditLog> log_;
};

}  // namespace isartor
