#include "airgap/connectivity_check.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json/serialize.hpp>
#include <iostream>

#include "net/tls_files.h"

namespace isartor {
namespace {

std::string ReachOf(const NetworkPolicy& policy, const std::string& host) {
  boost::asio::ip::address addr;
  if (NetworkPolicy::ParseIpLiteral(host, &addr)) {
    return policy.IsInternalAddress(addr) ? "internal" : "external";
  }
  return policy.IsInternalName(host) ? "internal" : "external";
}

std::string Section(EgressPurpose p) {
  return p == EgressPurpose::kL3Upstream ? "required" : "optional";
}

std::string Display(const Destination& d) {
  // L3 shows host:port (what a firewall rule names); optional services show their URL.
  if (d.purpose == EgressPurpose::kL3Upstream) return d.endpoint.HostPort();
  if (d.purpose == EgressPurpose::kL2Sidecar) return d.endpoint.url + " (L2 local model)";
  return d.endpoint.url;
}

std::string LineText(const CheckLine& l, bool offline) {
  std::string out = "  \u2192 " + l.display + "  [";
  if (!l.network) return out + "CONFIGURED - internal]";
  out += l.configured ? "CONFIGURED - " + l.reach + "]" : "NOT CONFIGURED]";
  if (!l.enabled) return out;  // switched off: no connection is ever attempted
  if (!l.allowed) {
    out += "  (BLOCKED \u2014 offline mode active)";
  } else if (l.reach == "internal") {
    out += offline ? "  (ALLOWED \u2014 internal, offline mode active)" : "  (ALLOWED \u2014 internal)";
  } else {
    out += "  (ALLOWED \u2014 EXTERNAL, leaves the network)";
  }
  if (l.tls) {
    out += "\n      TLS: verified by " + l.trust;
    if (!l.client_certificate.empty()) out += "; client certificate " + l.client_certificate;
  } else {
    out += "\n      TLS: no (plain HTTP)";
  }
  if (!l.probe.empty()) out += "\n      probe: " + l.probe;
  return out;
}

// A free function, not a lambda: GCC 12 miscompiles capturing coroutine lambdas.
// `tls` is the context the gateway would use for this destination (null for http).
boost::asio::awaitable<std::string> ProbeOne(EgressGuard* guard, Destination d,
                                             std::shared_ptr<boost::asio::ssl::context> tls) {
  auto result = co_await guard->Connect(d.purpose, d.endpoint, std::chrono::seconds(3));
  if (!result.ok()) co_return "unreachable: " + result.error().message;
  if (!tls) co_return std::string("reachable");
  boost::beast::ssl_stream<boost::beast::tcp_stream> stream(std::move(*result), *tls);
  SSL_set_tlsext_host_name(stream.native_handle(), d.endpoint.host.c_str());
  stream.set_verify_callback(boost::asio::ssl::host_name_verification(d.endpoint.host));
  boost::system::error_code ec;
  boost::beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(3));
  co_await stream.async_handshake(boost::asio::ssl::stream_base::client,
                                  boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  X509* peer = SSL_get0_peer_certificate(stream.native_handle());
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(stream.native_handle());
  // A chain that failed verification is kept, but not promoted to "the peer certificate".
  if (!peer && chain && sk_X509_num(chain) > 0) peer = sk_X509_value(chain, 0);
  std::string cert = peer ? "certificate " + CertificateSubject(peer) + ", expires " +
                                CertificateNotAfter(peer)
                          : "no certificate received";
  if (ec) {
    std::string why = ec.message() + VerifyFailureReason(stream.native_handle());
    TakeOpenSslErrors();
    co_return "reachable, TLS FAILED: " + why + "; " + cert;
  }
  co_return "reachable, TLS verified; " + cert;
}

}  // namespace

CheckReport BuildCheckReport(const Config& config, const std::vector<PlannedDestination>& plan,
                             const NetworkPolicy& policy, const license::LicenseVerdict& license) {
  CheckReport report;
  report.offline = config.offline_mode;
  report.license = license;
  std::vector<std::string> external_reachable;
  for (const auto& p : plan) {
    const Destination& d = p.destination;
    CheckLine line;
    line.section = Section(d.purpose);
    line.label = d.label;
    line.display = Display(d);
    line.configured = d.configured;
    line.enabled = p.enabled;
    line.reach = ReachOf(policy, d.endpoint.host);
    line.allowed = !(config.offline_mode && line.reach == "external");
    line.tls = d.endpoint.tls;
    if (line.tls) {
      ClientTlsSettings tls = ResolveClientTls(config, p.tls_target);
      line.trust = DescribeTrust(tls);
      line.client_certificate = tls.client_cert_file;
    }
    if (p.enabled) ++report.registered_destinations;
    if (p.enabled && line.allowed && line.reach == "external") {
      external_reachable.push_back(d.label + " " + d.endpoint.HostPort());
    }
    report.lines.push_back(line);
  }
  auto internal = [&](std::string display) {
    CheckLine l;
    l.section = "internal";
    l.display = std::move(display);
    l.configured = true;
    l.network = false;
    l.reach = "internal";
    report.lines.push_back(l);
  };
  internal("(in-memory cache \u2014 no network connection)");
  internal("(MiniLM embeddings computed in-process \u2014 no network connection)");
  internal("(license check: offline HMAC \u2014 no network connection)");
  if (external_reachable.empty()) {
    report.air_gap_compatible = true;
    report.verdict_reason = config.offline_mode ? "L3 disabled or offline mode active"
                                                : "every configured destination is internal";
  } else {
    std::string list;
    for (const auto& e : external_reachable) list += (list.empty() ? "" : ", ") + e;
    report.verdict_reason = "offline mode is off and these destinations are external: " + list;
  }
  return report;
}

std::string RenderCheckText(const CheckReport& r) {
  std::string out = "Isartor Connectivity Audit\n";
  out += "\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500"
         "\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\n";
  const std::pair<const char*, const char*> sections[] = {
      {"required", "Required (L3 cloud routing):"},
      {"optional", "Optional (observability / monitoring):"},
      {"internal", "Internal only (no external):"}};
  for (const auto& [key, title] : sections) {
    out += std::string(title) + "\n";
    for (const auto& l : r.lines) {
      if (l.section == key) out += LineText(l, r.offline) + "\n";
    }
  }
  out += "Zero hidden telemetry connections: \u2713 VERIFIED (egress guard refuses all but the " +
         std::to_string(r.registered_destinations) + " destination(s) listed as enabled above)\n";
  out += "License: " + std::string(license::LicenseStatusName(r.license.status)) + " \u2014 " +
         r.license.message + "\n";
  out += std::string("Air-gap compatible: ") + (r.air_gap_compatible ? "\u2713 YES" : "\u2717 NO") +
         " (" + r.verdict_reason + ")\n";
  return out;
}

boost::json::object RenderCheckJson(const CheckReport& r) {
  boost::json::array lines;
  for (const auto& l : r.lines) {
    boost::json::object o{{"section", l.section}, {"label", l.label}, {"destination", l.display},
                          {"configured", l.configured}, {"enabled", l.enabled},
                          {"network", l.network}, {"reach", l.reach}, {"allowed", l.allowed}};
    if (!l.probe.empty()) o["probe"] = l.probe;
    if (l.network) o["tls"] = l.tls;
    if (l.tls) o["ca"] = l.trust;
    if (!l.client_certificate.empty()) o["client_certificate"] = l.client_certificate;
    lines.push_back(std::move(o));
  }
  return {{"offline_mode", r.offline},
          {"destinations", std::move(lines)},
          {"registered_destinations", r.registered_destinations},
          {"zero_hidden_connections", true},
          {"license", {{"status", license::LicenseStatusName(r.license.status)},
                       {"message", r.license.message}}},
          {"air_gap_compatible", r.air_gap_compatible},
          {"reason", r.verdict_reason}};
}

void ProbeDestinations(const Config& config, const std::vector<PlannedDestination>& plan,
                       CheckReport& report) {
  auto policy = NetworkPolicy::Create(config.offline_mode, config.internal_networks,
                                      config.internal_domains);
  if (!policy.ok()) return;
  EgressGuard guard(std::move(*policy));
  RegisterDestinations(plan, guard);
  boost::asio::io_context ioc;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    CheckLine& line = report.lines[i];
    if (!plan[i].enabled) continue;
    if (!line.allowed) {
      line.probe = "skipped (blocked)";
      continue;
    }
    std::shared_ptr<boost::asio::ssl::context> tls;
    if (plan[i].destination.endpoint.tls) {
      auto built = BuildClientTlsContext(ResolveClientTls(config, plan[i].tls_target));
      if (!built.ok()) {
        line.probe = "not probed: " + built.error().message;
        continue;
      }
      tls = std::move(*built);
    }
    auto future = boost::asio::co_spawn(ioc, ProbeOne(&guard, plan[i].destination, tls),
                                        boost::asio::use_future);
    ioc.restart();
    ioc.run();
    line.probe = future.get();
  }
}

int RunCheckCommand(const Config& config, bool json, bool probe) {
  auto plan = PlanDestinations(config);
  auto policy = NetworkPolicy::Create(config.offline_mode, config.internal_networks,
                                      config.internal_domains);
  if (!plan.ok() || !policy.ok()) {
    std::cerr << "isartor check: " << (plan.ok() ? policy.error() : plan.error()).message << "\n";
    return 2;
  }
  auto verdict = license::CheckLicense(config.license_key, std::chrono::system_clock::now());
  CheckReport report = BuildCheckReport(config, *plan, *policy, verdict);
  if (probe) ProbeDestinations(config, *plan, report);
  if (json) {
    std::cout << boost::json::serialize(RenderCheckJson(report)) << "\n";
  } else {
    std::cout << RenderCheckText(report);
  }
  return report.air_gap_compatible ? 0 : 1;
}

}  // namespace isartor
