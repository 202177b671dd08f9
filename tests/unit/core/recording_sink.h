// A ResponseSink for layer and chain tests: records the complete answer a layer sent.
// Streaming calls succeed and are not recorded (no unit test needs their bytes).
#pragma once

#include <string>
#include <string_view>

#include "core/response_sink.h"

namespace isartor {

class RecordingSink : public ResponseSink {
 public:
  boost::asio::awaitable<Status> SendComplete(int status, std::string body,
                                              const AnswerMeta& meta) override {
    sent_status = status;
    sent_body = std::move(body);
    sent_meta = meta;
    co_return Status::Ok();
  }
  boost::asio::awaitable<Status> BeginStream(const AnswerMeta&) override { co_return Status::Ok(); }
  boost::asio::awaitable<Status> WriteEvents(std::string_view) override { co_return Status::Ok(); }
  boost::asio::awaitable<Status> EndStream(bool) override { co_return Status::Ok(); }
  bool started() const override { return sent_status != 0; }
  bool client_gone() const override { return false; }
  void SetCancelHook(std::function<void()>) override {}

  int sent_status = 0;  // 0 until SendComplete
  std::string sent_body;
  AnswerMeta sent_meta;
};

}  // namespace isartor
