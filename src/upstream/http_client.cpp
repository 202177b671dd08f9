#include "upstream/http_client.h"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <cerrno>

#include <algorithm>
#include <atomic>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <limits>
#include <optional>

#include "net/tls_files.h"

namespace isartor {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::redirect_error;
using asio::use_awaitable;

struct PooledConnection {
  std::string key;
  std::optional<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  bool reused = false;

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
  void Close() {
    boost::system::error_code ec;
    lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    lowest().socket().close(ec);
  }
};

struct UpstreamResponse::ParserHolder {
  http::response_parser<http::buffer_body> parser;
};

namespace {

// Pools are per thread: each thread runs its own io_context, and a socket is best used by the
// context that owns it (no cross-thread hand-off per operation).
int ThreadIndex() {
  static std::atomic<int> next{0};
  thread_local int index = next++;
  return index;
}

std::string PoolKey(const Endpoint& ep) {
  return (ep.tls ? "https://" : "http://") + ep.HostPort() + "#" + std::to_string(ThreadIndex());
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), ::tolower);
  return s;
}

// Runs `f(stream)` on whichever stream type the connection has.
template <typename F>
auto WithStream(PooledConnection& c, F&& f) {
  return c.secure ? f(*c.secure) : f(*c.plain);
}

Error IoError(const boost::system::error_code& ec, const std::string& what) {
  if (ec == beast::error::timeout) return MakeError(ErrorCode::kDeadlineExceeded, what + " timed out");
  return MakeError(ErrorCode::kUnavailable, what + ": " + ec.message());
}

// Whether a pooled connection was closed by the peer while idle (FIN or stray bytes waiting):
// such a connection is discarded before a request is written to it.
bool PeerHungUp(PooledConnection& c) {
  char byte;
  ssize_t n = ::recv(c.lowest().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
}

}  // namespace

UpstreamResponse::~UpstreamResponse() {
  if (!conn_) return;
  if (done_ && parser_ && parser_->parser.keep_alive() && client_) {
    client_->Release(std::move(conn_));
  } else {
    conn_->Close();
  }
}

std::string UpstreamResponse::Header(const std::string& name) const {
  auto it = headers_.find(Lower(name));
  return it == headers_.end() ? "" : it->second;
}

void UpstreamResponse::Cancel() {
  if (conn_) conn_->Close();
  done_ = false;
}

asio::awaitable<Result<std::string>> UpstreamResponse::ReadSome(std::chrono::milliseconds idle) {
  if (done_) co_return std::string();
  auto& p = parser_->parser;
  char buf[16384];
  while (true) {
    p.get().body().data = buf;
    p.get().body().size = sizeof buf;
    auto left = deadline_ - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) {
      co_return MakeError(ErrorCode::kDeadlineExceeded, "upstream answer exceeded the total deadline");
    }
    bool bounded_by_deadline = left < idle;
    conn_->lowest().expires_after(bounded_by_deadline ? left : idle);
    boost::system::error_code ec;
    co_await WithStream(*conn_, [&](auto& s) {
      return http::async_read_some(s, conn_->buffer, p, redirect_error(use_awaitable, ec));
    });
    conn_->lowest().expires_never();
    if (ec == http::error::need_buffer) ec = {};
    if (ec == beast::error::timeout && bounded_by_deadline) {
      co_return MakeError(ErrorCode::kDeadlineExceeded, "upstream answer exceeded the total deadline");
    }
    if (ec) co_return IoError(ec, "reading upstream body");
    std::size_t n = sizeof buf - p.get().body().size;
    if (p.is_done()) done_ = true;
    if (n > 0 || done_) co_return std::string(buf, n);
  }
}

asio::awaitable<Result<std::string>> UpstreamResponse::ReadAll(std::chrono::milliseconds idle,
                                                                std::size_t limit) {
  std::string all;
  while (true) {
    auto piece = co_await ReadSome(idle);
    if (!piece.ok()) co_return piece.error();
    if (piece->empty() && done_) co_return all;
    all += *piece;
    if (all.size() > limit) {
      co_return MakeError(ErrorCode::kUpstreamError, "upstream body exceeds limit");
    }
    if (done_) co_return all;
  }
}

HttpClient::HttpClient(EgressGuard* guard, asio::ssl::context* tls, EgressPurpose purpose)
    : guard_(guard), tls_(tls), purpose_(purpose) {}

HttpClient::~HttpClient() = default;

std::size_t HttpClient::idle_connections() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::size_t n = 0;
  for (const auto& [k, v] : idle_) n += v.size();
  return n;
}

void HttpClient::SetTlsFor(const Endpoint& endpoint, asio::ssl::context* tls) {
  tls_by_host_port_[endpoint.HostPort()] = tls;
}

void HttpClient::Release(std::unique_ptr<PooledConnection> conn) {
  conn->reused = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& list = idle_[conn->key];
    if (!shut_down_ && list.size() < 256) {
      list.push_back(std::move(conn));
      return;
    }
  }
  conn->Close();  // outside the lock: closing is I/O
}

void HttpClient::Shutdown() {
  std::map<std::string, std::vector<std::unique_ptr<PooledConnection>>> idle;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shut_down_ = true;
    idle.swap(idle_);
  }
  for (auto& [key, list] : idle) {
    for (auto& conn : list) conn->Close();
  }
  // `idle` is destroyed here, while the sockets' io_contexts are still alive.
}

std::unique_ptr<PooledConnection> HttpClient::TakeIdle(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = idle_.find(key);
  if (it == idle_.end() || it->second.empty()) return nullptr;
  auto conn = std::move(it->second.back());
  it->second.pop_back();
  return conn;
}

asio::awaitable<Result<std::unique_ptr<PooledConnection>>> HttpClient::Open(
    const Endpoint& endpoint, std::chrono::milliseconds timeout) {
  auto stream = co_await guard_->Connect(purpose_, endpoint, timeout);
  if (!stream.ok()) co_return stream.error();
  auto conn = std::make_unique<PooledConnection>();
  conn->key = PoolKey(endpoint);
  if (!endpoint.tls) {
    conn->plain.emplace(std::move(stream.value()));
    co_return std::move(conn);
  }
  auto chosen = tls_by_host_port_.find(endpoint.HostPort());
  asio::ssl::context* tls = chosen == tls_by_host_port_.end() ? tls_ : chosen->second;
  if (!tls) co_return MakeError(ErrorCode::kInternal, "TLS is not configured");
  conn->secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(stream.value()),
                                                                        *tls);
  if (!SSL_set_tlsext_host_name(conn->secure->native_handle(), endpoint.host.c_str())) {
    co_return MakeError(ErrorCode::kUnavailable, "cannot set TLS SNI for " + endpoint.host);
  }
  conn->secure->set_verify_callback(asio::ssl::host_name_verification(endpoint.host));
  boost::system::error_code ec;
  conn->lowest().expires_after(timeout);
  co_await conn->secure->async_handshake(asio::ssl::stream_base::client,
                                         redirect_error(use_awaitable, ec));
  conn->lowest().expires_never();
  if (ec) {
    // Say why verification failed ("certificate has expired", "unable to get local issuer
    // certificate"): the SSL error alone reads "certificate verify failed".
    co_return IoError(ec, "TLS handshake with " + endpoint.HostPort() +
                              VerifyFailureReason(conn->secure->native_handle()));
  }
  co_return std::move(conn);
}

asio::awaitable<Result<std::unique_ptr<UpstreamResponse>>> HttpClient::Send(
    const Endpoint& endpoint, const OutboundRequest& request,
    std::chrono::milliseconds connect_timeout, std::chrono::milliseconds first_byte_timeout) {
  http::request<http::string_body> req{http::string_to_verb(request.method), request.target, 11};
  req.set(http::field::host, endpoint.port == (endpoint.tls ? 443 : 80) ? endpoint.host
                                                                           : endpoint.HostPort());
  for (const auto& [name, value] : request.headers) req.set(name, value);
  req.body() = request.body;
  req.prepare_payload();
  req.keep_alive(true);

  for (int attempt = 0; attempt < 2; ++attempt) {
    auto conn = attempt == 0 ? TakeIdle(PoolKey(endpoint)) : nullptr;
    if (conn && PeerHungUp(*conn)) {
      conn->Close();
      conn = nullptr;
    }
    if (!conn) {
      auto opened = co_await Open(endpoint, connect_timeout);
      if (!opened.ok()) co_return opened.error();
      conn = std::move(opened.value());
    }
    bool reused = conn->reused;
    boost::system::error_code ec;
    conn->lowest().expires_after(first_byte_timeout);
    co_await WithStream(*conn, [&](auto& s) {
      return http::async_write(s, req, redirect_error(use_awaitable, ec));
    });
    bool wrote = !ec;
    auto response = std::unique_ptr<UpstreamResponse>(new UpstreamResponse());
    response->parser_ = std::make_unique<UpstreamResponse::ParserHolder>();
    auto& parser = response->parser_->parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (!ec) {
      co_await WithStream(*conn, [&](auto& s) {
        return http::async_read_header(s, conn->buffer, parser, redirect_error(use_awaitable, ec));
      });
    }
    conn->lowest().expires_never();
    if (ec) {
      conn->Close();
      // A keep-alive connection the server closed as we reused it: retry once on a fresh one.
      // Only for a clean close (EOF) or a failed write; a reset after the request was sent is
      // the upstream's fault, and the L3 retry policy (counted, with backoff) decides about it.
      bool stale = ec == http::error::end_of_stream || ec == asio::error::eof ||
                   ec == asio::error::broken_pipe || !wrote;
      if (reused && stale && ec != beast::error::timeout) continue;
      co_return IoError(ec, "upstream " + endpoint.HostPort());
    }
    response->client_ = this;
    response->status_ = static_cast<int>(parser.get().result_int());
    for (const auto& field : parser.get()) {
      response->headers_[Lower(std::string(field.name_string()))] = std::string(field.value());
    }
    response->done_ = parser.is_done();
    response->conn_ = std::move(conn);
    co_return std::move(response);
  }
  co_return MakeError(ErrorCode::kUnavailable, "upstream " + endpoint.HostPort() + " closed");
}

}  // namespace isartor
