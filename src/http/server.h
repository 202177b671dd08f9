// The HTTP/1.1 front (plain or HTTPS): accepts connections, does the TLS handshake when the
// listener has a certificate, reads requests with header/body deadlines and the
// body-size limit, hands each request to the ApiHandler, and drains on Shutdown().
// One io_context per thread, each with its own SO_REUSEPORT acceptor on the same address: the
// kernel spreads connections, and a connection lives on one thread for its whole life, so no
// strand (and no cross-thread hand-off) is needed.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "common/result.h"
#include "http/api_handler.h"
#include "http/server_tls.h"

namespace isartor {

struct ServerOptions {
  std::size_t max_body_bytes = 8u << 20;
  std::chrono::seconds header_timeout{30};
  std::chrono::seconds body_timeout{60};
  // HTTPS when set (borrowed; must outlive the server). Every connection starts with a TLS
  // handshake that must finish within handshake_timeout.
  const ServerTls* tls = nullptr;
  std::chrono::seconds handshake_timeout{10};
};

class Server {
 public:
  // `contexts` (each run by exactly one thread) and `handler` are borrowed and must outlive
  // the server.
  Server(std::vector<boost::asio::io_context*> contexts, ServerOptions options,
         ApiHandler* handler);

  // Binds and listens. Fails (kUnavailable) with the OS reason, e.g. address in use.
  Status Listen(const boost::asio::ip::tcp::endpoint& endpoint);
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  // Starts accepting (returns at once; the io_context threads do the work).
  void Start();
  // Stops accepting, closes idle keep-alive connections, and lets requests in flight finish.
  // Thread-safe. Returns immediately; see active_requests() to wait.
  void Shutdown();
  int active_requests() const { return active_requests_.load(); }
  // TLS handshakes that failed or timed out (plain HTTP on the HTTPS port included), since start.
  uint64_t tls_handshake_failures() const { return tls_handshake_failures_.load(); }

 private:
  struct Connection;
  boost::asio::awaitable<void> AcceptLoop(boost::asio::ip::tcp::acceptor& acceptor);
  boost::asio::awaitable<void> Serve(std::shared_ptr<Connection> conn);
  boost::asio::awaitable<bool> Handshake(Connection& conn);
  static boost::asio::awaitable<void> DiscardUntilClosed(boost::beast::tcp_stream& stream);

  std::vector<boost::asio::io_context*> contexts_;
  ServerOptions options_;
  ApiHandler* handler_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  std::atomic<bool> draining_{false};
  std::atomic<int> active_requests_{0};
  std::atomic<uint64_t> tls_handshake_failures_{0};
  std::mutex mu_;  // guards connections_ (insert/erase/drain only)
  std::set<std::shared_ptr<Connection>> connections_;
};

}  // namespace isartor
