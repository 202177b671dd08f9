#include "net/network_policy.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace isartor {
namespace ip = boost::asio::ip;
namespace {

ip::address Normalize(const ip::address& addr) {
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, addr.to_v6());
  }
  return addr;
}

bool PrefixMatch(const unsigned char* a, const unsigned char* b, int prefix) {
  int full = prefix / 8, rest = prefix % 8;
  if (!std::equal(a, a + full, b)) return false;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xFF << (8 - rest));
  return (a[full] & mask) == (b[full] & mask);
}

// Never internal: IPv4 link-local (incl. 169.254.169.254 metadata), IPv6 link-local, the
// AWS IPv6 metadata address, and unspecified addresses.
bool IsForbidden(const ip::address& addr) {
  if (addr.is_unspecified()) return true;
  if (addr.is_v4()) {
    auto b = addr.to_v4().to_bytes();
    if (b[0] == 169 && b[1] == 254) return true;
    if (b[0] == 100 && b[1] == 100 && b[2] == 100 && b[3] == 200) return true;  // Alibaba
    return false;
  }
  auto v6 = addr.to_v6();
  if (v6.is_link_local()) return true;
  return v6 == ip::make_address_v6("fd00:ec2::254");
}

}  // namespace

bool Cidr::Contains(const ip::address& raw) const {
  ip::address addr = Normalize(raw);
  if (addr.is_v4() != base.is_v4()) return false;
  if (addr.is_v4()) {
    auto a = addr.to_v4().to_bytes(), b = base.to_v4().to_bytes();
    return PrefixMatch(a.data(), b.data(), prefix);
  }
  auto a = addr.to_v6().to_bytes(), b = base.to_v6().to_bytes();
  return PrefixMatch(a.data(), b.data(), prefix);
}

Result<Cidr> ParseCidr(std::string_view text) {
  auto slash = text.find('/');
  std::string addr_text(text.substr(0, slash));
  boost::system::error_code ec;
  ip::address base = ip::make_address(addr_text, ec);
  if (ec) return MakeError(ErrorCode::kInvalidArgument, "bad network '" + std::string(text) + "'");
  base = Normalize(base);
  int max_prefix = base.is_v4() ? 32 : 128;
  int prefix = max_prefix;
  if (slash != std::string_view::npos) {
    auto p = text.substr(slash + 1);
    auto [ptr, err] = std::from_chars(p.data(), p.data() + p.size(), prefix);
    if (err != std::errc() || ptr != p.data() + p.size() || prefix < 0 || prefix > max_prefix) {
      return MakeError(ErrorCode::kInvalidArgument, "bad prefix in '" + std::string(text) + "'");
    }
  }
  return Cidr{base, prefix};
}

Result<NetworkPolicy> NetworkPolicy::Create(bool offline, const std::vector<std::string>& networks,
                                            const std::vector<std::string>& domains) {
  NetworkPolicy policy;
  policy.offline_ = offline;
  std::string problems;
  for (const auto& n : networks) {
    auto cidr = ParseCidr(n);
    if (!cidr.ok()) problems += "ISARTOR__INTERNAL_NETWORKS: " + cidr.error().message + "\n";
    else policy.networks_.push_back(*cidr);
  }
  for (auto d : domains) {
    std::transform(d.begin(), d.end(), d.begin(), ::tolower);
    if (d.empty() || d == ".") problems += "ISARTOR__INTERNAL_DOMAINS: empty suffix\n";
    else policy.domains_.push_back(d);
  }
  if (!problems.empty()) return MakeError(ErrorCode::kInvalidArgument, problems);
  return policy;
}

bool NetworkPolicy::IsInternalAddress(const ip::address& raw) const {
  ip::address addr = Normalize(raw);
  if (IsForbidden(addr)) return false;
  return std::any_of(networks_.begin(), networks_.end(),
                     [&](const Cidr& c) { return c.Contains(addr); });
}

bool NetworkPolicy::IsInternalName(std::string_view host_in) const {
  std::string host(host_in);
  std::transform(host.begin(), host.end(), host.begin(), ::tolower);
  while (!host.empty() && host.back() == '.') host.pop_back();  // FQDN trailing dot
  if (host.empty()) return false;
  for (const auto& d : domains_) {
    if (d[0] != '.') {
      if (host == d) return true;
      continue;
    }
    if (host == d.substr(1)) return true;
    if (host.size() > d.size() && host.compare(host.size() - d.size(), d.size(), d) == 0) {
      return true;
    }
  }
  return false;
}

bool NetworkPolicy::ParseIpLiteral(std::string_view host, ip::address* out) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  boost::system::error_code ec;
  auto addr = ip::make_address(std::string(host), ec);
  if (ec) return false;
  *out = Normalize(addr);
  return true;
}

}  // namespace isartor
