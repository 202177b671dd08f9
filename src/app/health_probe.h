// `isartor healthcheck`: asks the gateway this configuration describes for GET /healthz, for
// container health checks (a scratch image has no curl). Its own listener only: the address is
// ISARTOR__HOST_PORT with a wildcard host (0.0.0.0, ::) replaced by loopback, so it never talks
// to another machine and needs no egress registration.
#pragma once

#include <chrono>
#include <string>

#include "common/result.h"
#include "config/config.h"

namespace isartor {

// Where the probe connects: host (an IP literal) and port. kInvalidArgument for a host_port
// that is not ip:port.
struct HealthTarget {
  std::string host;
  unsigned short port = 0;
  bool tls = false;  // the listener has a certificate (ISARTOR__TLS_CERT_FILE)
};
Result<HealthTarget> HealthTargetFor(const Config& config);

// One GET /healthz within `timeout`. OK when the answer is 200; kUnavailable (with what went
// wrong: connection refused, timeout, another status) otherwise. Over TLS the certificate is not
// verified: the target is the gateway's own listener, and the probe only asks whether it answers.
Status ProbeHealth(const HealthTarget& target, std::chrono::milliseconds timeout);

// The subcommand: prints "healthy" or the reason on stderr; exit 0 = healthy, 1 = not, 2 = bad
// configuration.
int RunHealthCommand(const Config& config, std::chrono::milliseconds timeout);

}  // namespace isartor
