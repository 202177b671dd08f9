// Builds the gateway from a Config (metrics, egress guard, layers, chain, HTTP server) and
// serves until SIGTERM/SIGINT, then drains. The only place that wires components together.
#pragma once

#include "config/config.h"

namespace isartor {

// Serves until a signal; returns the process exit code (0 after a clean drain).
int RunGateway(const Config& config);

}  // namespace isartor
