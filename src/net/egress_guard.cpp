#include "net/egress_guard.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>

#include "obs/log.h"

namespace isartor {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

const char* EgressPurposeLabel(EgressPurpose p) {
  static const char* labels[] = {"l3_upstream", "l2_sidecar", "telemetry", "probe"};
  int i = static_cast<int>(p);
  return i >= 0 && i < kEgressPurposes ? labels[i] : "unknown";
}

EgressGuard::EgressGuard(NetworkPolicy policy) : policy_(std::move(policy)) {}

void EgressGuard::Register(Destination destination) {
  std::lock_guard<std::mutex> lock(mu_);
  registry_.push_back(std::move(destination));
}

std::vector<Destination> EgressGuard::Registered() const {
  std::lock_guard<std::mutex> lock(mu_);
  return registry_;
}

bool EgressGuard::IsRegistered(EgressPurpose purpose, const Endpoint& endpoint) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& d : registry_) {
    if (d.purpose == purpose && d.endpoint.host == endpoint.host &&
        d.endpoint.port == endpoint.port) {
      return true;
    }
  }
  return false;
}

Reach EgressGuard::Classify(const std::string& host) const {
  asio::ip::address addr;
  if (NetworkPolicy::ParseIpLiteral(host, &addr)) {
    return policy_.IsInternalAddress(addr) ? Reach::kInternalAddress : Reach::kExternal;
  }
  return policy_.IsInternalName(host) ? Reach::kInternalName : Reach::kExternal;
}

bool EgressGuard::Allows(const std::string& host) const {
  return !policy_.offline() || Classify(host) != Reach::kExternal;
}

asio::awaitable<Result<beast::tcp_stream>> EgressGuard::Connect(
    EgressPurpose purpose, const Endpoint& endpoint, std::chrono::milliseconds timeout) {
  auto blocked = [&](const std::string& why) {
    blocked_[static_cast<int>(purpose)].fetch_add(1, std::memory_order_relaxed);
    Diag(LogLevel::kWarn, std::string("egress blocked (") + EgressPurposeLabel(purpose) +
                              "): " + endpoint.HostPort() + ": " + why);
    return MakeError(ErrorCode::kBlocked, endpoint.HostPort() + " " + why);
  };
  if (!IsRegistered(purpose, endpoint)) {
    co_return blocked("is not a registered destination for this purpose");
  }
  if (policy_.offline() && Classify(endpoint.host) == Reach::kExternal) {
    co_return blocked("is external and offline mode is active");
  }
  auto executor = co_await asio::this_coro::executor;
  beast::tcp_stream stream(executor);
  boost::system::error_code ec;
  tcp::resolver resolver(executor);
  // Numeric hosts skip DNS entirely; names are resolved only once the policy allowed them.
  auto results = co_await resolver.async_resolve(
      endpoint.host, std::to_string(endpoint.port), asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    co_return MakeError(ErrorCode::kUnavailable,
                        "cannot resolve " + endpoint.host + ": " + ec.message());
  }
  if (policy_.offline()) {
    for (const auto& entry : results) {
      if (!policy_.IsInternalAddress(entry.endpoint().address())) {
        co_return blocked("resolves to external address " +
                          entry.endpoint().address().to_string());
      }
    }
  }
  stream.expires_after(timeout);
  co_await stream.async_connect(results, asio::redirect_error(asio::use_awaitable, ec));
  stream.expires_never();
  if (ec == beast::error::timeout) {
    // An unreachable host, not a slow answer: reported (and retried) like a refused connect.
    co_return MakeError(ErrorCode::kUnavailable, "connect to " + endpoint.HostPort() +
                                                     " timed out");
  }
  if (ec) {
    co_return MakeError(ErrorCode::kUnavailable,
                        "connect to " + endpoint.HostPort() + ": " + ec.message());
  }
  stream.socket().set_option(tcp::no_delay(true), ec);
  co_return std::move(stream);
}

}  // namespace isartor
