#include "net/endpoint.h"

#include <boost/url/parse.hpp>
#include <charconv>

namespace isartor {

std::string Endpoint::HostPort() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

Result<Endpoint> ParseEndpoint(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  auto bad = [&](const std::string& why) {
    return MakeError(ErrorCode::kInvalidArgument, "URL '" + std::string(url) + "': " + why);
  };
  if (!parsed) return bad("not a valid absolute URL");
  Endpoint ep;
  ep.url = std::string(url);
  std::string scheme(parsed->scheme());
  if (scheme != "http" && scheme != "https") return bad("scheme must be http or https");
  ep.tls = scheme == "https";
  ep.host = std::string(parsed->encoded_host());
  if (ep.host.size() >= 2 && ep.host.front() == '[') ep.host = ep.host.substr(1, ep.host.size() - 2);
  if (ep.host.empty()) return bad("missing host");
  ep.port = ep.tls ? 443 : 80;
  if (parsed->has_port()) {
    auto p = parsed->port();
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
    if (ec != std::errc() || ptr != p.data() + p.size() || value == 0 || value > 65535) {
      return bad("bad port");
    }
    ep.port = static_cast<uint16_t>(value);
  }
  ep.base_path = std::string(parsed->encoded_path());
  while (!ep.base_path.empty() && ep.base_path.back() == '/') ep.base_path.pop_back();
  return ep;
}

}  // namespace isartor
