// The one component that opens outbound connections. Nothing else in isartor resolves names or
// calls connect: every purpose (L3 upstream and fallbacks, L2 sidecar, telemetry) registers its
// destination at start so `isartor check` can list everything the configuration can reach, and
// every connection goes through Connect(), which enforces offline mode on the resolved addresses.
// Thread-safety: Register() only before serving; everything else is safe from any thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "net/endpoint.h"
#include "net/network_policy.h"

namespace isartor {

// Why a connection is made: destinations are registered, and refusals counted, per purpose.
enum class EgressPurpose : int { kL3Upstream = 0, kL2Sidecar, kTelemetry, kProbe, kCount };
inline constexpr int kEgressPurposes = static_cast<int>(EgressPurpose::kCount);

const char* EgressPurposeLabel(EgressPurpose p);   // "l3_upstream", "l2_sidecar", ...

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
  explicit EgressGuard(NetworkPolicy policy);

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
  // kDeadlineExceeded. Counts each kBlocked in blocked(purpose).
  boost::asio::awaitable<Result<boost::beast::tcp_stream>> Connect(
      EgressPurpose purpose, const Endpoint& endpoint, std::chrono::milliseconds timeout);

  // Connections refused for `purpose` since start (isartor_egress_blocked_total{purpose}).
  uint64_t blocked(EgressPurpose purpose) const {
    return blocked_[static_cast<int>(purpose)].load(std::memory_order_relaxed);
  }

 private:
  NetworkPolicy policy_;
  std::array<std::atomic<uint64_t>, kEgressPurposes> blocked_{};
  mutable std::mutex mu_;  // guards registry_; held only to copy/scan it, never across I/O
  std::vector<Destination> registry_;
};

}  // namespace isartor
