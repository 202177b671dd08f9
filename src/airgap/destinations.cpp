#include "airgap/destinations.h"

namespace isartor {
namespace {

Status Add(std::vector<PlannedDestination>& out, const Config& config, TlsTarget tls,
           EgressPurpose purpose, std::string label, const std::string& url, const char* variable,
           bool configured, bool enabled) {
  auto ep = ParseEndpoint(url);
  if (!ep.ok()) return MakeError(ErrorCode::kInvalidArgument,
                                 std::string(variable) + ": " + ep.error().message);
  if (enabled && ep->tls) {
    Status s = CheckInsecureAllowed(config.offline_mode, *ep, ResolveClientTls(config, tls), label);
    if (!s.ok()) return s;
  }
  out.push_back({Destination{purpose, std::move(label), *ep, configured}, enabled, tls});
  return Status::Ok();
}

}  // namespace

Result<std::vector<PlannedDestination>> PlanDestinations(const Config& config) {
  std::vector<PlannedDestination> out;
  Status s = Add(out, config, TlsTarget::kL3, EgressPurpose::kL3Upstream, "L3 upstream",
                 config.EffectiveL3Url(),
                 "ISARTOR__EXTERNAL_LLM_URL", !config.external_llm_url.empty(), true);
  if (!s.ok()) return s.error();
  int n = 0;
  for (const auto& fb : config.fallback_providers) {
    s = Add(out, config, TlsTarget::kFallback, EgressPurpose::kL3Upstream,
            "L3 fallback " + std::to_string(++n), fb.url,
            "ISARTOR__FALLBACK_PROVIDERS", true, true);
    if (!s.ok()) return s.error();
  }
  s = Add(out, config, TlsTarget::kL2Sidecar, EgressPurpose::kL2Sidecar, "L2 local model",
          config.layer2_sidecar_url,
          "ISARTOR__LAYER2__SIDECAR_URL", config.enable_slm_router, config.enable_slm_router);
  if (!s.ok()) return s.error();
  s = Add(out, config, TlsTarget::kOtel, EgressPurpose::kTelemetry, "OTel collector",
          config.otel_exporter_endpoint,
          "ISARTOR__OTEL_EXPORTER_ENDPOINT", config.enable_monitoring, config.enable_monitoring);
  if (!s.ok()) return s.error();
  return out;
}

void RegisterDestinations(const std::vector<PlannedDestination>& planned, EgressGuard& guard) {
  for (const auto& p : planned) {
    if (p.enabled) guard.Register(p.destination);
  }
}

}  // namespace isartor
