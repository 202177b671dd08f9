// The one component that opens outbound connections. Nothing else in isartor resolves names or
// calls connect: every purpose (L3 upstream and fallbacks, L2 sidecar, telemetry) registers its
// destination at start so `isartor check` can list everything the configuration can reach, and
// every connection goes through Connect(), which enforces offline mode on the resolved addresses.
// Thread-safety: Register() only before serving; everything else is safe from any thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "net/endpoint.h"
#include "net/network_policy.h"
#include "obs/metrics.h"

namespace isartor {

enum class Reach {
  kInternalAddress,    // IP literal inside the internal networks
  kInternalName,       // internal domain; allowed if it resolves to internal addresses only
  kExternal,           // anything else
};

struct Destination {
  EgressPurpose purpose;
  std::string label;   // "L3 upstream", "fallback 1", "OTel collector"
  Endpoint endpoint;
  bool configured;     // set explicitly by the operator (vs a built-in default)
};

class EgressGuard {
 public:
  // `metrics` is borrowed and must outlive the guard.
  EgressGuard(NetworkPolicy policy, Metrics* metrics);

  void Register(Destination destination);
  std::vector<Destination> Registered() const;
  const NetworkPolicy& policy() const { return policy_; }

  // Classifies a host without resolving it.
  Reach Classify(const std::string& host) const;
  // Whether Connect() could ever succeed for this host under the current mode
  // (online: always; offline: internal only).
  bool Allows(const std::string& host) const;

  // True if `endpoint` (host and port) was registered for `purpose`.
  bool IsRegistered(EgressPurpose purpose, const Endpoint& endpoint) const;

  // Refuses (kBlocked) any destination not registered for `purpose`: no code path can open a
  // connection the registry (and so `isartor check`) does not know about.
  // Resolves (unless offline mode forbids even that) and connects, with a deadline.
  // Returns the connected stream, or kBlocked (offline mode, external destination: no DNS
  // query is made for an external name), kUnavailable (resolve/connect failed) or
  // kDeadlineExceeded. Records isartor_egress_blocked_total{purpose} on kBlocked.
  boost::asio::awaitable<Result<boost::beast::tcp_stream>> Connect(
      EgressPurpose purpose, const Endpoint& endpoint, std::chrono::milliseconds timeout);

 private:
  NetworkPolicy policy_;
  Metrics* metrics_;
  mutable std::mutex mu_;  // guards registry_; held only to copy/scan it, never across I/O
  std::vector<Destination> registry_;
};

}  // namespace isartor
