// A parsed base URL of an outbound destination (http or https only).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace isartor {

struct Endpoint {
  std::string url;        // as configured
  std::string host;       // without brackets for IPv6
  uint16_t port = 0;
  bool tls = false;
  std::string base_path;  // "/v1" (no trailing slash), may be empty
  std::string HostPort() const;  // "host:port" ([v6]:port)
};

// Fails (kInvalidArgument) for anything but http(s)://host[:port][/path] with a non-empty host.
Result<Endpoint> ParseEndpoint(std::string_view url);

}  // namespace isartor
