#include "http/server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <openssl/err.h>

#include "dialect/error_body.h"
#include "http/request_limits.h"
#include "net/tls_files.h"
#include "obs/log.h"

namespace isartor {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::redirect_error;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

struct Server::Connection {
  explicit Connection(ServerStream s) : stream(std::move(s)) {}
  ServerStream stream;
  bool idle = true;  // waiting for the next request; touched only on the connection's strand
};

Server::Server(std::vector<asio::io_context*> contexts, ServerOptions options,
               ApiHandler* handler)
    : contexts_(std::move(contexts)), options_(options), handler_(handler) {}

Status Server::Listen(const tcp::endpoint& requested) {
  using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
  tcp::endpoint endpoint = requested;
  for (asio::io_context* ioc : contexts_) {
    auto acceptor = std::make_unique<tcp::acceptor>(*ioc);
    boost::system::error_code ec;
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->set_option(reuse_port(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      std::string where = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
      return MakeError(ErrorCode::kUnavailable, "cannot listen on " + where + ": " + ec.message());
    }
    endpoint = acceptor->local_endpoint(ec);  // port 0: the others join the port the first got
    acceptors_.push_back(std::move(acceptor));
  }
  return Status::Ok();
}

tcp::endpoint Server::local_endpoint() const {
  boost::system::error_code ec;
  return acceptors_.empty() ? tcp::endpoint() : acceptors_.front()->local_endpoint(ec);
}

void Server::Start() {
  for (auto& acceptor : acceptors_) {
    asio::co_spawn(acceptor->get_executor(), AcceptLoop(*acceptor), asio::detached);
  }
}

void Server::Shutdown() {
  if (draining_.exchange(true)) return;
  for (auto& acceptor : acceptors_) {
    tcp::acceptor* a = acceptor.get();
    asio::post(a->get_executor(), [a] {
      boost::system::error_code ec;
      a->close(ec);
    });
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& conn : connections_) {
    asio::post(conn->stream.get_executor(), [conn] {
      if (conn->idle) conn->stream.tcp().socket().close();
    });
  }
}

asio::awaitable<void> Server::AcceptLoop(tcp::acceptor& acceptor) {
  while (!draining_) {
    boost::system::error_code ec;
    tcp::socket socket(acceptor.get_executor());
    co_await acceptor.async_accept(socket, redirect_error(use_awaitable, ec));
    if (ec) {
      if (draining_ || ec == asio::error::operation_aborted) co_return;
      Diag(LogLevel::kWarn, "accept failed: " + ec.message());
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto conn = std::make_shared<Connection>(
        options_.tls ? ServerStream(std::move(socket), options_.tls->Current())
                     : ServerStream(std::move(socket)));
    {
      std::lock_guard<std::mutex> lock(mu_);
      connections_.insert(conn);
    }
    asio::co_spawn(conn->stream.get_executor(), Serve(conn), [](std::exception_ptr e) {
      // Our code returns errors as values; this catches a third-party throw we did not foresee,
      // so one bad exchange drops one connection instead of the process.
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        Diag(LogLevel::kError, std::string("connection aborted by exception: ") + ex.what());
      } catch (...) {
        Diag(LogLevel::kError, "connection aborted by unknown exception");
      }
    });
  }
}

// The TLS handshake of a new connection. Returns false (the connection is to be closed) on
// timeout or failure; a client speaking plain HTTP to this port gets a plain 400 saying so.
asio::awaitable<bool> Server::Handshake(Connection& conn) {
  auto& stream = conn.stream;
  boost::system::error_code ec;
  stream.tcp().expires_after(options_.handshake_timeout);
  co_await stream.tls().async_handshake(asio::ssl::stream_base::server,
                                        redirect_error(use_awaitable, ec));
  stream.tcp().expires_never();
  SSL* ssl = stream.tls().native_handle();
  if (!ec) {
    stream.set_peer_identity(CertificateIdentity(SSL_get0_peer_certificate(ssl)));
    co_return true;
  }
  tls_handshake_failures_++;
  boost::system::error_code peer_ec;
  auto peer = stream.tcp().socket().remote_endpoint(peer_ec);
  std::string from = peer_ec ? "client" : peer.address().to_string();
  if (ec.category() == asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_HTTP_REQUEST) {
    std::string body = dialect::ErrorBody(
        dialect::Dialect::kOpenAI, "invalid_request_error",
        "this port speaks HTTPS: plain HTTP was sent to it; use an https:// URL");
    std::string answer = "HTTP/1.1 400 Bad Request\r\nServer: isartor\r\n"
                         "Content-Type: application/json\r\nConnection: close\r\n"
                         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    stream.tcp().expires_after(options_.handshake_timeout);
    co_await asio::async_write(stream.tcp(), asio::buffer(answer),
                               redirect_error(use_awaitable, ec));
    // The rest of the request is still unread: close without a reset that could destroy the
    // answer in flight.
    stream.tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    co_await DiscardUntilClosed(stream.tcp());
    Diag(LogLevel::kInfo, "plain HTTP from " + from + " on the HTTPS port: answered 400");
    co_return false;
  }
  std::string why = ec == beast::error::timeout ? "timed out" : ec.message();
  why += VerifyFailureReason(ssl);
  Diag(LogLevel::kInfo, "TLS handshake with " + from + " failed: " + why);
  TakeOpenSslErrors();
  co_return false;
}

asio::awaitable<void> Server::Serve(std::shared_ptr<Connection> conn) {
  beast::flat_buffer buffer;
  auto& stream = conn->stream;
  bool linger = false;  // answered before reading the whole body: discard the rest first
  bool ready = !stream.is_tls() || co_await Handshake(*conn);
  while (ready && !draining_) {
    boost::system::error_code ec;
    RequestParser parser;
    ApplyRequestLimits(parser, options_.max_body_bytes);
    conn->idle = true;
    stream.tcp().expires_after(options_.header_timeout);
    co_await http::async_read_header(stream, buffer, parser, redirect_error(use_awaitable, ec));
    if (ec == http::error::body_limit) {  // Content-Length over the limit, seen in the header
      co_await handler_->Reject(std::string(parser.get().target()), ErrorCode::kPayloadTooLarge,
                                "request body exceeds ISARTOR__MAX_BODY_BYTES (" +
                                    std::to_string(options_.max_body_bytes) + ")",
                                stream);
      linger = true;
      break;
    }
    if (ec == http::error::header_limit) {
      co_await handler_->Reject(std::string(parser.get().target()), ErrorCode::kHeaderTooLarge,
                                "request line and header fields exceed " +
                                    std::to_string(kMaxRequestHeadBytes) + " bytes",
                                stream);
      linger = true;
      break;
    }
    if (ec && ec.category() == http::make_error_code(http::error::bad_method).category() &&
        ec != http::error::end_of_stream && parser.got_some()) {
      co_await handler_->Reject("", ErrorCode::kInvalidArgument,
                                "malformed HTTP request: " + ec.message(), stream);
      break;
    }
    if (ec) break;  // closed or idle timeout: nothing to answer
    conn->idle = false;
    std::string target(parser.get().target());
    auto length = parser.content_length();
    if (length && *length > options_.max_body_bytes) {
      // Refuse before reading the body; the rest of it is discarded, never buffered.
      co_await handler_->Reject(target, ErrorCode::kPayloadTooLarge,
                                "request body exceeds ISARTOR__MAX_BODY_BYTES (" +
                                    std::to_string(options_.max_body_bytes) + ")",
                                stream);
      linger = true;
      break;
    }
    if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      stream.tcp().expires_after(options_.body_timeout);
      co_await asio::async_write(stream, asio::buffer(kContinue), redirect_error(use_awaitable, ec));
      if (ec) break;
    }
    stream.tcp().expires_after(options_.body_timeout);
    co_await http::async_read(stream, buffer, parser, redirect_error(use_awaitable, ec));
    stream.tcp().expires_never();
    if (ec == http::error::body_limit) {
      co_await handler_->Reject(target, ErrorCode::kPayloadTooLarge,
                                "request body exceeds ISARTOR__MAX_BODY_BYTES", stream);
      linger = true;
      break;
    }
    if (ec) break;
    active_requests_++;
    HttpRequest request = parser.release();
    bool keep = co_await handler_->Handle(request, stream);
    active_requests_--;
    if (!keep) break;
  }
  boost::system::error_code ec;
  stream.tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
  if (linger) co_await DiscardUntilClosed(stream.tcp());
  stream.tcp().socket().close(ec);
  std::lock_guard<std::mutex> lock(mu_);
  connections_.erase(conn);
}

// Like nginx's lingering close: a client that writes its whole (refused) body before reading
// would get a reset instead of our answer if we closed with unread bytes in the receive queue.
// Read and drop what it still sends, bounded in time so a client cannot hold the slot.
asio::awaitable<void> Server::DiscardUntilClosed(beast::tcp_stream& stream) {
  constexpr auto kIdle = std::chrono::seconds(5);
  constexpr auto kTotal = std::chrono::seconds(30);
  const auto give_up = std::chrono::steady_clock::now() + kTotal;
  char scratch[16384];
  while (std::chrono::steady_clock::now() < give_up) {
    boost::system::error_code ec;
    stream.expires_after(kIdle);
    co_await stream.async_read_some(asio::buffer(scratch), redirect_error(use_awaitable, ec));
    if (ec) break;  // EOF, reset or idle: the client has read our answer or gone
  }
  stream.expires_never();
}

}  // namespace isartor
