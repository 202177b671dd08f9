// The HTTP/1.1 front: accepts connections, reads requests with header/body deadlines and the
// body-size limit, hands each request to the ApiHandler, and drains on Shutdown().
// Each connection runs as one coroutine on its own strand; N threads run the io_context.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>

#include "common/result.h"
#include "http/api_handler.h"

namespace isartor {

struct ServerOptions {
  std::size_t max_body_bytes = 8u << 20;
  std::chrono::seconds header_timeout{30};
  std::chrono::seconds body_timeout{60};
};

class Server {
 public:
  // `handler` is borrowed and must outlive the server.
  Server(boost::asio::io_context& ioc, ServerOptions options, ApiHandler* handler);

  // Binds and listens. Fails (kUnavailable) with the OS reason, e.g. address in use.
  Status Listen(const boost::asio::ip::tcp::endpoint& endpoint);
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  // Starts accepting (returns at once; the io_context threads do the work).
  void Start();
  // Stops accepting, closes idle keep-alive connections, and lets requests in flight finish.
  // Thread-safe. Returns immediately; see active_requests() to wait.
  void Shutdown();
  int active_requests() const { return active_requests_.load(); }

 private:
  struct Connection;
  boost::asio::awaitable<void> AcceptLoop();
  boost::asio::awaitable<void> Serve(std::shared_ptr<Connection> conn);

  boost::asio::io_context& ioc_;
  ServerOptions options_;
  ApiHandler* handler_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::atomic<bool> draining_{false};
  std::atomic<int> active_requests_{0};
  std::mutex mu_;  // guards connections_ (insert/erase/drain only)
  std::set<std::shared_ptr<Connection>> connections_;
};

}  // namespace isartor
