// One client connection's byte stream: plain TCP, or TLS over TCP. Models Asio's AsyncReadStream
// and AsyncWriteStream so Beast reads and writes HTTP on it the same way in both cases; the one
// branch per I/O operation is the whole cost of supporting both on the plain path.
// Not thread-safe: used by the coroutine that serves the connection (on its io_context only).
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <optional>
#include <string>

namespace isartor {

class ServerStream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;
  using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  // Plain HTTP over `socket`.
  explicit ServerStream(boost::asio::ip::tcp::socket socket) : plain_(std::move(socket)) {}
  // TLS over `socket` (the server side of the handshake is still to be done). `context` is
  // shared: a certificate reload must not free the context a live connection was created with.
  ServerStream(boost::asio::ip::tcp::socket socket,
               std::shared_ptr<boost::asio::ssl::context> context)
      : context_(std::move(context)),
        tls_(std::make_unique<TlsStream>(std::move(socket), *context_)) {}

  executor_type get_executor() { return tcp().get_executor(); }
  // The TCP layer: deadlines (expires_after) and the socket.
  boost::beast::tcp_stream& tcp() { return tls_ ? tls_->next_layer() : *plain_; }
  bool is_tls() const { return tls_ != nullptr; }
  // REQUIRES: is_tls().
  TlsStream& tls() { return *tls_; }

  // The verified client certificate's identity (mTLS), empty without one. Set by the server
  // after the handshake.
  const std::string& peer_identity() const { return peer_identity_; }
  void set_peer_identity(std::string identity) { peer_identity_ = std::move(identity); }

  template <typename Buffers, typename Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const Buffers& b) {
          if (tls_) {
            tls_->async_read_some(b, std::move(handler));
          } else {
            plain_->async_read_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

  template <typename Buffers, typename Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const Buffers& b) {
          if (tls_) {
            tls_->async_write_some(b, std::move(handler));
          } else {
            plain_->async_write_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

 private:
  std::optional<boost::beast::tcp_stream> plain_;
  std::shared_ptr<boost::asio::ssl::context> context_;
  std::unique_ptr<TlsStream> tls_;
  std::string peer_identity_;
};

}  // namespace isartor
