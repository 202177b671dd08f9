// Every outbound destination the configuration can ever reach, derived from the config alone.
// The gateway registers exactly these with the EgressGuard (which refuses anything else), and
// `isartor check` reports exactly these: one source of truth for both.
#pragma once

#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "net/egress_guard.h"
#include "upstream/client_tls.h"

namespace isartor {

struct PlannedDestination {
  Destination destination;
  bool enabled;  // false: the purpose is switched off (no connection will ever be attempted)
  TlsTarget tls_target;  // which TLS settings apply when the endpoint is https
};

// Fails (kInvalidArgument) naming the variable whose URL does not parse, or an enabled https
// destination whose TLS verification is switched off in offline mode (unless loopback).
Result<std::vector<PlannedDestination>> PlanDestinations(const Config& config);

// Registers every enabled planned destination with `guard`.
void RegisterDestinations(const std::vector<PlannedDestination>& planned, EgressGuard& guard);

}  // namespace isartor
