// The TLS rows of the config table (listener, outbound defaults, per-destination overrides),
// kept apart from config.cpp for size; they are part of the one table ConfigVars() returns.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace isartor {

// Appends the listener variables (ISARTOR__TLS_*).
void AddTlsVars(std::vector<ConfigVar>& v);
// Appends ISARTOR__UPSTREAM_CA_* / _CLIENT_* and the per-destination overrides (L3, fallback,
// L2 sidecar, OTLP).
void AddOutboundTlsDefaults(std::vector<ConfigVar>& v);
// Adds a problem for every TLS setting that needs another one that is missing.
void CheckTlsCombinations(const Config& c, std::vector<std::string>& problems);

}  // namespace isartor
