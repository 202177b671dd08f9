// The ResponseSink over one client connection: writes JSON answers, SSE replays of cached
// answers, and relayed streams (chunked transfer encoding), with the X-Isartor-* headers.
// Also watches the socket for a client disconnect while a layer waits on an upstream.
// Used on the connection's strand only.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/response_sink.h"
#include "dialect/dialect.h"
#include "http/server_stream.h"

namespace isartor {

class ClientSink : public ResponseSink {
 public:
  // `stream` is borrowed for the lifetime of the sink.
  ClientSink(ServerStream& stream, dialect::Dialect dialect, bool client_wants_stream,
             std::string request_id, bool keep_alive, std::chrono::seconds write_timeout);
  ~ClientSink() override;

  boost::asio::awaitable<Status> SendComplete(int status, std::string body,
                                              const AnswerMeta& meta) override;
  boost::asio::awaitable<Status> BeginStream(const AnswerMeta& meta) override;
  boost::asio::awaitable<Status> WriteEvents(std::string_view sse_bytes) override;
  boost::asio::awaitable<Status> EndStream(bool clean) override;
  bool started() const override { return started_; }
  bool client_gone() const override { return watch_->gone; }
  void SetCancelHook(std::function<void()> hook) override;

  // Sends an answer with an explicit content type: the gateway's own (health, metrics, errors:
  // `layer` null) or one a layer produced outside the chain (count_tokens forwarded by L3).
  boost::asio::awaitable<Status> SendRaw(int status, std::string content_type, std::string body,
                                         const LayerInfo* layer);
  // Same, with extra headers (meta.headers).
  boost::asio::awaitable<Status> SendRaw(int status, std::string content_type, std::string body,
                                         AnswerMeta meta);

  void set_client_wants_stream(bool wants) { client_wants_stream_ = wants; }
  int status() const { return status_; }
  // The layer whose answer was sent; null: the gateway's own (or nothing sent yet).
  const LayerInfo* layer() const { return layer_; }
  // The connection must close after this response (cut stream, write failure).
  bool must_close() const { return must_close_; }
  std::size_t bytes_sent() const { return bytes_sent_; }
  // The client received the whole answer: a complete response, or a stream through its last
  // chunk. False for a stream the client cut (client_gone()) or the upstream cut.
  bool complete() const { return complete_; }
  // SHA-256 (hex) of every answer body byte sent (JSON, or the SSE stream), for audit events;
  // and, when `keep_text`, the body itself (ISARTOR__AUDIT_INCLUDE_CONTENT).
  std::string AnswerSha256() const;
  void set_keep_text(bool keep) { keep_text_ = keep; }
  // Digest the answer for audit events (API routes only).
  void set_audited(bool audited) { audited_ = audited; }
  const std::string& answer_text() const { return answer_text_; }

 private:
  struct Watch {
    bool active = false;
    bool gone = false;
    std::function<void()> hook;
  };
  void StartWatch();
  boost::asio::awaitable<Status> Write(int status, const std::string& content_type,
                                       std::string body, const AnswerMeta& meta);

  ServerStream& stream_;
  dialect::Dialect dialect_;
  bool client_wants_stream_;
  std::string request_id_;
  bool keep_alive_;
  std::chrono::seconds write_timeout_;
  bool started_ = false;
  bool must_close_ = false;
  bool complete_ = false;
  int status_ = 0;
  const LayerInfo* layer_ = nullptr;
  std::size_t bytes_sent_ = 0;
  std::shared_ptr<Watch> watch_;
  void Digest(std::string_view body);
  std::shared_ptr<void> digest_;  // EVP_MD_CTX, created on first body byte
  std::string answer_sha256_;     // single-write answers (JSON, replayed SSE)
  bool keep_text_ = false;
  bool audited_ = false;
  std::string answer_text_;
};

}  // namespace isartor
