#include "http/client_sink.h"

#include <openssl/evp.h>
#include <sys/socket.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>

#include "common/sha256.h"
#include "dialect/replay.h"
#include "dialect/sse.h"

namespace isartor {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::redirect_error;
using asio::use_awaitable;

namespace {

// `api`: an API route, whose every answer says which layer produced it ("none" for the
// gateway's own rejections), so a client can tell a validation error from an upstream's.
template <typename Message>
void SetCommonHeaders(Message& m, const AnswerMeta& meta, const std::string& request_id,
                      bool keep_alive, bool api) {
  m.set(http::field::server, "isartor");
  if (meta.layer || api) {
    m.set("X-Isartor-Layer", meta.layer ? meta.layer->name : std::string("none"));
    m.set("X-Isartor-Deflected", meta.layer && meta.layer->deflects ? "true" : "false");
  }
  m.set("x-request-id", request_id);
  for (const auto& [name, value] : meta.headers) m.set(name, value);
  m.keep_alive(keep_alive);
}

}  // namespace

ClientSink::ClientSink(ServerStream& stream, dialect::Dialect dialect,
                       bool client_wants_stream, std::string request_id, bool keep_alive,
                       std::chrono::seconds write_timeout)
    : stream_(stream),
      dialect_(dialect),
      client_wants_stream_(client_wants_stream),
      request_id_(std::move(request_id)),
      keep_alive_(keep_alive),
      write_timeout_(write_timeout),
      watch_(std::make_shared<Watch>()) {}

ClientSink::~ClientSink() {
  watch_->hook = nullptr;
  if (watch_->active) {
    watch_->active = false;
    boost::system::error_code ec;
    stream_.tcp().socket().cancel(ec);  // ends the pending readiness wait; nothing else is pending
  }
}

void ClientSink::Digest(std::string_view body) {
  if (!digest_) {
    digest_ = std::shared_ptr<void>(EVP_MD_CTX_new(), [](void* p) {
      EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(p));
    });
    EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(digest_.get()), EVP_sha256(), nullptr);
  }
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(digest_.get()), body.data(), body.size());
  if (keep_text_) answer_text_.append(body);
}

std::string ClientSink::AnswerSha256() const {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!digest_) return answer_sha256_.empty() ? Sha256Hex("") : answer_sha256_;
  EVP_MD_CTX* copy = EVP_MD_CTX_new();
  EVP_MD_CTX_copy_ex(copy, static_cast<EVP_MD_CTX*>(digest_.get()));
  EVP_DigestFinal_ex(copy, out, &len);
  EVP_MD_CTX_free(copy);
  return ToHex(std::string_view(reinterpret_cast<char*>(out), len));
}

void ClientSink::SetCancelHook(std::function<void()> hook) {
  watch_->hook = std::move(hook);
  if (watch_->hook && !watch_->active && !watch_->gone) StartWatch();
}

// Waits until the socket is readable without consuming anything: a peek of 0 bytes means the
// client closed; data means a pipelined request, which is not a disconnect.
void ClientSink::StartWatch() {
  watch_->active = true;
  auto watch = watch_;
  auto& socket = stream_.tcp().socket();
  // A plain completion handler, not a coroutine: this runs for every upstream call.
  socket.async_wait(asio::ip::tcp::socket::wait_read,
                    asio::bind_executor(stream_.get_executor(),
                                        [watch, &socket](const boost::system::error_code& ec) {
    if (!watch->active || ec == asio::error::operation_aborted) return;
    watch->active = false;
    char byte;
    ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) || ec) {
      watch->gone = true;
      if (watch->hook) watch->hook();
    }
  }));
}

asio::awaitable<Status> ClientSink::Write(int status, const std::string& content_type,
                                          std::string body, const AnswerMeta& meta) {
  http::response<http::string_body> res{static_cast<http::status>(status), 11};
  SetCommonHeaders(res, meta, request_id_, keep_alive_ && !must_close_, audited_);
  res.set(http::field::content_type, content_type);
  if (audited_) {  // API answers only: health, metrics and edge rejections are not audited
    answer_sha256_ = Sha256Hex(body);
    if (keep_text_) answer_text_ = body;
  }
  res.body() = std::move(body);
  res.prepare_payload();
  started_ = true;
  status_ = status;
  layer_ = meta.layer;
  boost::system::error_code ec;
  stream_.tcp().expires_after(write_timeout_);
  std::size_t n = co_await http::async_write(stream_, res, redirect_error(use_awaitable, ec));
  stream_.tcp().expires_never();
  bytes_sent_ += n;
  if (ec) {
    must_close_ = true;
    watch_->gone = true;
    co_return MakeError(ErrorCode::kCancelled, "client write failed: " + ec.message());
  }
  complete_ = true;
  co_return Status::Ok();
}

asio::awaitable<Status> ClientSink::SendComplete(int status, std::string body,
                                                 const AnswerMeta& meta) {
  if (status / 100 == 2 && client_wants_stream_) {
    boost::system::error_code ec;
    auto parsed = boost::json::parse(body, ec);
    if (!ec && parsed.is_object()) {
      std::string sse;
      for (const auto& event : dialect::ResponseToSse(dialect_, parsed.as_object())) {
        sse += dialect::FormatSse(event);
      }
      co_return co_await Write(status, "text/event-stream", std::move(sse), meta);
    }
  }
  co_return co_await Write(status, "application/json", std::move(body), meta);
}

asio::awaitable<Status> ClientSink::SendRaw(int status, std::string content_type,
                                            std::string body, const LayerInfo* layer) {
  AnswerMeta meta{layer, {}};
  co_return co_await Write(status, content_type, std::move(body), meta);
}

asio::awaitable<Status> ClientSink::SendRaw(int status, std::string content_type,
                                            std::string body, AnswerMeta meta) {
  co_return co_await Write(status, content_type, std::move(body), meta);
}

asio::awaitable<Status> ClientSink::BeginStream(const AnswerMeta& meta) {
  http::response<http::empty_body> res{http::status::ok, 11};
  SetCommonHeaders(res, meta, request_id_, keep_alive_, audited_);
  res.set(http::field::content_type, "text/event-stream");
  res.set(http::field::cache_control, "no-cache");
  res.chunked(true);
  started_ = true;
  status_ = 200;
  layer_ = meta.layer;
  http::response_serializer<http::empty_body> serializer{res};
  boost::system::error_code ec;
  stream_.tcp().expires_after(write_timeout_);
  bytes_sent_ += co_await http::async_write_header(stream_, serializer,
                                                   redirect_error(use_awaitable, ec));
  stream_.tcp().expires_never();
  if (ec) {
    must_close_ = true;
    co_return MakeError(ErrorCode::kCancelled, "client write failed: " + ec.message());
  }
  co_return Status::Ok();
}

asio::awaitable<Status> ClientSink::WriteEvents(std::string_view sse_bytes) {
  if (must_close_) co_return MakeError(ErrorCode::kCancelled, "client gone");
  Digest(sse_bytes);
  boost::system::error_code ec;
  stream_.tcp().expires_after(write_timeout_);
  bytes_sent_ += co_await asio::async_write(
      stream_, http::make_chunk(asio::buffer(sse_bytes.data(), sse_bytes.size())),
      redirect_error(use_awaitable, ec));
  stream_.tcp().expires_never();
  if (ec) {
    must_close_ = true;
    watch_->gone = true;
    co_return MakeError(ErrorCode::kCancelled, "client write failed: " + ec.message());
  }
  co_return Status::Ok();
}

asio::awaitable<Status> ClientSink::EndStream(bool clean) {
  if (!clean) {
    must_close_ = true;  // no last chunk: the client sees the stream cut, not complete
    co_return Status::Ok();
  }
  boost::system::error_code ec;
  stream_.tcp().expires_after(write_timeout_);
  bytes_sent_ += co_await asio::async_write(stream_, http::make_chunk_last(),
                                            redirect_error(use_awaitable, ec));
  stream_.tcp().expires_never();
  if (ec) {
    must_close_ = true;
    watch_->gone = true;
  } else {
    complete_ = true;
  }
  co_return Status::Ok();
}

}  // namespace isartor
