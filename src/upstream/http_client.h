// Outbound HTTP/1.1 client (http and https) with keep-alive connection pooling. Connections are
// opened only through the EgressGuard. Responses are read incrementally so a streamed answer can
// be relayed chunk by chunk. HTTPS verifies the certificate and host name against the CA set of
// the context chosen for the destination (see upstream/client_tls.h).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "net/egress_guard.h"

namespace isartor {

struct OutboundRequest {
  std::string method = "POST";
  std::string target;  // path + query, e.g. /v1/chat/completions
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

class HttpClient;
struct PooledConnection;

// One response being read. Owns its connection until destroyed; a fully read keep-alive
// connection goes back to the pool, anything else is closed. Not thread-safe (one coroutine).
class UpstreamResponse {
 public:
  ~UpstreamResponse();
  UpstreamResponse(const UpstreamResponse&) = delete;
  UpstreamResponse& operator=(const UpstreamResponse&) = delete;

  int status() const { return status_; }
  // Value of a response header (case-insensitive), empty if absent.
  std::string Header(const std::string& name) const;
  // Next piece of the body as the upstream sends it. An empty string means the body is complete.
  // Errors: kDeadlineExceeded (no byte within `idle`), kUnavailable (connection cut).
  boost::asio::awaitable<Result<std::string>> ReadSome(std::chrono::milliseconds idle);
  // Reads the rest of the body (at most `limit` bytes, else kUpstreamError).
  boost::asio::awaitable<Result<std::string>> ReadAll(std::chrono::milliseconds idle,
                                                      std::size_t limit);
  // Closes the connection now (client went away); pending reads complete with an error.
  void Cancel();
  // Bounds every later read by `deadline` as well as by its idle time: a read that would wait
  // past it fails with kDeadlineExceeded ("total deadline"). Guards against a trickling upstream
  // whose idle gaps never reach the idle timeout.
  void SetDeadline(std::chrono::steady_clock::time_point deadline) { deadline_ = deadline; }

 private:
  friend class HttpClient;
  UpstreamResponse() = default;
  HttpClient* client_ = nullptr;
  std::unique_ptr<PooledConnection> conn_;
  struct ParserHolder;
  std::unique_ptr<ParserHolder> parser_;
  int status_ = 0;
  std::map<std::string, std::string> headers_;
  bool done_ = false;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
};

class HttpClient {
 public:
  // Borrowed pointers must outlive the client.
  HttpClient(EgressGuard* guard, boost::asio::ssl::context* tls, EgressPurpose purpose);
  ~HttpClient();

  // Sends `request` to `endpoint` and returns once the response headers arrived.
  // A pooled connection that turns out dead is retried once on a fresh one.
  // Errors: kBlocked (egress guard), kUnavailable, kDeadlineExceeded.
  boost::asio::awaitable<Result<std::unique_ptr<UpstreamResponse>>> Send(
      const Endpoint& endpoint, const OutboundRequest& request,
      std::chrono::milliseconds connect_timeout, std::chrono::milliseconds first_byte_timeout);

  std::size_t idle_connections() const;

  // Whether the egress guard could ever let this client reach `endpoint` (offline mode refuses
  // external hosts). Says nothing about registration or reachability. Thread-safe.
  bool Allows(const Endpoint& endpoint) const { return guard_->Allows(endpoint.host); }

  // HTTPS to `endpoint`'s host:port uses `tls` (borrowed, must outlive the client) instead of
  // the constructor's context. Call before the first Send (not thread-safe with Send).
  void SetTlsFor(const Endpoint& endpoint, boost::asio::ssl::context* tls);

  // Closes every pooled connection and stops pooling: a connection released afterwards is
  // closed instead of kept. REQUIRES: the io_contexts that own the sockets are still alive.
  // Call it before they are destroyed, because pooled sockets (and their timers) belong to those
  // contexts: closing them from ~HttpClient after the contexts died was a use-after-free at
  // shutdown. Thread-safe; idempotent.
  void Shutdown();

 private:
  friend class UpstreamResponse;
  void Release(std::unique_ptr<PooledConnection> conn);
  std::unique_ptr<PooledConnection> TakeIdle(const std::string& key);
  boost::asio::awaitable<Result<std::unique_ptr<PooledConnection>>> Open(
      const Endpoint& endpoint, std::chrono::milliseconds timeout);

  EgressGuard* guard_;
  boost::asio::ssl::context* tls_;
  std::map<std::string, boost::asio::ssl::context*> tls_by_host_port_;  // set before serving
  EgressPurpose purpose_;
  mutable std::mutex mu_;  // guards idle_ and shut_down_; never held across I/O
  bool shut_down_ = false;
  std::map<std::string, std::vector<std::unique_ptr<PooledConnection>>> idle_;
};

}  // namespace isartor
