#include "app/health_probe.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <iostream>

#include "net/endpoint.h"

namespace isartor {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

template <typename Stream>
asio::awaitable<Status> GetHealthz(Stream& stream, const std::string& host) {
  boost::system::error_code ec;
  http::request<http::empty_body> req(http::verb::get, "/healthz", 11);
  req.set(http::field::host, host);
  req.set(http::field::connection, "close");
  co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return MakeError(ErrorCode::kUnavailable, "sending GET /healthz: " + ec.message());
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  co_await http::async_read(stream, buffer, res, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return MakeError(ErrorCode::kUnavailable, "reading the answer: " + ec.message());
  if (res.result_int() != 200) {
    co_return MakeError(ErrorCode::kUnavailable,
                        "GET /healthz answered " + std::to_string(res.result_int()));
  }
  co_return Status::Ok();
}

// A free function, not a lambda: GCC 12 miscompiles capturing coroutine lambdas.
asio::awaitable<Status> Probe(HealthTarget target, std::chrono::milliseconds timeout) {
  auto executor = co_await asio::this_coro::executor;
  boost::system::error_code ec;
  asio::ip::tcp::endpoint endpoint(asio::ip::make_address(target.host), target.port);
  beast::tcp_stream tcp(executor);
  tcp.expires_after(timeout);
  co_await tcp.async_connect(endpoint, asio::redirect_error(asio::use_awaitable, ec));
  const std::string where = target.host + ":" + std::to_string(target.port);
  if (ec) co_return MakeError(ErrorCode::kUnavailable, "cannot connect to " + where + ": " +
                                                           ec.message());
  if (!target.tls) co_return co_await GetHealthz(tcp, target.host);
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_verify_mode(asio::ssl::verify_none);
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp), tls);
  co_await stream.async_handshake(asio::ssl::stream_base::client,
                                  asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return MakeError(ErrorCode::kUnavailable, "TLS handshake with " + where + ": " +
                                                           ec.message());
  co_return co_await GetHealthz(stream, target.host);
}

}  // namespace

Result<HealthTarget> HealthTargetFor(const Config& config) {
  // host:port is the authority of a URL: the same parser as every configured endpoint.
  auto parsed = ParseEndpoint("http://" + config.host_port);
  if (!parsed.ok() || config.host_port.find(':') == std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "ISARTOR__HOST_PORT: expected ip:port, got '" + config.host_port + "'");
  }
  std::string host = parsed->host == "localhost" ? "127.0.0.1" : parsed->host;
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "ISARTOR__HOST_PORT: '" + host + "' is not an IP address");
  }
  if (parsed->port == 0) {
    return MakeError(ErrorCode::kInvalidArgument, "ISARTOR__HOST_PORT: port 0");
  }
  if (addr.is_unspecified()) host = addr.is_v6() ? "::1" : "127.0.0.1";
  return HealthTarget{host, parsed->port, config.ListenerTls()};
}

Status ProbeHealth(const HealthTarget& target, std::chrono::milliseconds timeout) {
  asio::io_context ioc;
  auto future = asio::co_spawn(ioc, Probe(target, timeout), asio::use_future);
  ioc.run();
  return future.get();
}

int RunHealthCommand(const Config& config, std::chrono::milliseconds timeout) {
  auto target = HealthTargetFor(config);
  if (!target.ok()) {
    std::cerr << "isartor healthcheck: " << target.error().message << "\n";
    return 2;
  }
  Status s = ProbeHealth(*target, timeout);
  if (!s.ok()) {
    std::cerr << "isartor healthcheck: unhealthy: " << s.error().message << "\n";
    return 1;
  }
  std::cerr << "isartor healthcheck: healthy\n";
  return 0;
}

}  // namespace isartor
