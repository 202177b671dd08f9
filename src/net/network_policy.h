// What counts as "internal" for offline mode: IP literals inside the internal networks, and
// host names under an internal domain suffix (whose resolved addresses must also be internal).
// Link-local and cloud-metadata addresses are never internal, whatever the configured networks.
// Immutable after Create(); safe to share between threads.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace isartor {

struct Cidr {
  boost::asio::ip::address base;
  int prefix = 0;
  bool Contains(const boost::asio::ip::address& addr) const;
};

// Parses "10.0.0.0/8" or "::1/128" (a bare address means a host route).
Result<Cidr> ParseCidr(std::string_view text);

class NetworkPolicy {
 public:
  // Fails (kInvalidArgument) listing every unparseable CIDR or empty domain.
  static Result<NetworkPolicy> Create(bool offline, const std::vector<std::string>& networks,
                                      const std::vector<std::string>& domains);

  bool offline() const { return offline_; }
  // True if `addr` lies in an internal network and is not link-local / metadata.
  bool IsInternalAddress(const boost::asio::ip::address& addr) const;
  // True if `host` (a name, not an IP literal) matches an internal domain suffix:
  // "localhost" matches exactly; ".corp" matches "x.corp" and "corp".
  bool IsInternalName(std::string_view host) const;
  // If `host` is an IP literal (with or without [brackets]) returns it.
  static bool ParseIpLiteral(std::string_view host, boost::asio::ip::address* out);

 private:
  bool offline_ = false;
  std::vector<Cidr> networks_;
  std::vector<std::string> domains_;
};

}  // namespace isartor
