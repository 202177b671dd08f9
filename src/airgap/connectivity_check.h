// `isartor check`: the Connectivity Audit. Computed from the configuration and the same
// destination plan the gateway registers with its egress guard; opens no connection unless
// probing is asked for, and then only to destinations the guard allows.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "airgap/destinations.h"
#include "config/config.h"
#include "license/license.h"

namespace isartor {

struct CheckLine {
  std::string section;   // "required" | "optional" | "internal"
  std::string label;     // "L3 upstream"
  std::string display;   // "api.openai.com:443", "http://localhost:4317", "(in-memory cache ...)"
  bool configured = false;
  bool enabled = true;   // the purpose is switched on
  bool network = true;   // false for in-process components
  std::string reach;     // "internal" | "external"
  bool allowed = true;
  std::string probe;     // filled by --probe: "reachable", "unreachable: ...", "skipped (blocked)"
  bool tls = false;      // https destination
  std::string trust;     // what verifies it (upstream/client_tls.h DescribeTrust), when tls
  std::string client_certificate;  // presented for mTLS, when tls and configured
};

struct CheckReport {
  bool offline = false;
  std::vector<CheckLine> lines;
  bool air_gap_compatible = false;
  std::string verdict_reason;
  int registered_destinations = 0;
  license::LicenseVerdict license;
};

CheckReport BuildCheckReport(const Config& config, const std::vector<PlannedDestination>& plan,
                             const NetworkPolicy& policy, const license::LicenseVerdict& license);
std::string RenderCheckText(const CheckReport& report);
boost::json::object RenderCheckJson(const CheckReport& report);

// Connects (through an EgressGuard) to every allowed, enabled destination and records the
// outcome in report.lines[i].probe; for https, also does the TLS handshake with the settings
// the gateway would use and reports the peer certificate's subject and expiry (also when
// verification fails). Blocked destinations are never contacted.
void ProbeDestinations(const Config& config, const std::vector<PlannedDestination>& plan,
                       CheckReport& report);

// Runs `isartor check [--json] [--probe]`; returns 0 when air-gap compatible, 1 otherwise.
int RunCheckCommand(const Config& config, bool json, bool probe);

}  // namespace isartor
