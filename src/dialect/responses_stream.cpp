#include "dialect/responses_stream.h"

#include "dialect/error_body.h"
#include "dialect/json_util.h"
#include "dialect/stream_translator.h"

namespace isartor::dialect {
namespace {

namespace json = boost::json;
using internal::GetArray;
using internal::GetInt;
using internal::GetObject;
using internal::StringOr;

// The message of an {"error":{...}} chunk (or of an Anthropic error event, same shape inside).
std::string ErrorMessage(const json::object& chunk) {
  if (const auto* e = GetObject(chunk, "error")) {
    std::string m = StringOr(*e, "message");
    if (!m.empty()) return m;
  }
  return "upstream stream failed";
}

}  // namespace

ResponsesStreamTranslator::ResponsesStreamTranslator(Dialect from, json::object request,
                                                     std::int64_t created_unix)
    : from_(from), request_(std::move(request)), created_(created_unix) {
  if (from_ == Dialect::kAnthropic) {
    anthropic_to_chat_ = std::make_unique<StreamTranslator>(Dialect::kAnthropic, Dialect::kOpenAI,
                                                            created_unix);
  }
}

ResponsesStreamTranslator::~ResponsesStreamTranslator() = default;

bool ResponsesStreamTranslator::done() const { return writer_ && writer_->done(); }

Status ResponsesStreamTranslator::Feed(const SseEvent& in, std::vector<SseEvent>& out) {
  if (done()) return {};
  if (!anthropic_to_chat_) return FeedChat(in, out);
  std::vector<SseEvent> chunks;
  Status s = anthropic_to_chat_->Feed(in, chunks);
  for (const auto& c : chunks) (void)FeedChat(c, out);
  return s;
}

Status ResponsesStreamTranslator::FeedChat(const SseEvent& in, std::vector<SseEvent>& out) {
  if (IsTerminal(Dialect::kOpenAI, in)) {
    if (!writer_) {
      writer_ = std::make_unique<ResponsesEventWriter>(
          ResponsesSkeleton(request_, "resp_isartor", StringOr(request_, "model"), created_));
      writer_->Start(out);
    }
    writer_->Finish(finish_reason_.empty() ? "stop" : finish_reason_, ResponsesUsageFromChat(usage_), out);
    return {};
  }
  auto parsed = internal::ParseObject(in.data, "upstream stream chunk");
  if (!parsed.ok()) return MakeError(ErrorCode::kUpstreamError, parsed.error().message);
  const json::object& chunk = *parsed;
  if (!writer_) {
    std::string model = StringOr(chunk, "model");
    if (model.empty()) model = StringOr(request_, "model");
    writer_ = std::make_unique<ResponsesEventWriter>(ResponsesSkeleton(
        request_, "resp_" + StringOr(chunk, "id", "isartor"), model,
        GetInt(chunk, "created").value_or(created_)));
    writer_->Start(out);
  }
  if (chunk.contains("error")) {
    writer_->Fail("server_error", ErrorMessage(chunk), out);
    return {};
  }
  if (const auto* usage = GetObject(chunk, "usage")) usage_ = *usage;
  const auto* choices = GetArray(chunk, "choices");
  if (!choices) return {};
  for (const auto& cv : *choices) {
    const auto* choice = cv.if_object();
    if (!choice || GetInt(*choice, "index").value_or(0) != 0) continue;
    if (const auto* delta = GetObject(*choice, "delta")) {
      std::string text = StringOr(*delta, "content");
      if (text.empty()) text = StringOr(*delta, "refusal");
      if (!text.empty()) writer_->Text(text, out);
      if (const auto* calls = GetArray(*delta, "tool_calls")) {
        for (const auto& tv : *calls) {
          const auto* call = tv.if_object();
          if (!call) continue;
          std::int64_t index = GetInt(*call, "index").value_or(0);
          const auto* fn = GetObject(*call, "function");
          writer_->StartFunctionCall(index, StringOr(*call, "id"), fn ? StringOr(*fn, "name") : "", out);
          if (fn) writer_->Arguments(index, StringOr(*fn, "arguments"), out);
        }
      }
    }
    if (const json::value* fr = choice->if_contains("finish_reason"); fr && fr->is_string()) {
      finish_reason_ = std::string(fr->as_string());
    }
  }
  return {};
}

Status ResponsesAccumulator::Feed(const SseEvent& event) {
  if (failed_) return error_;
  if (complete_) return {};
  auto parsed = internal::ParseObject(event.data, "stream event");
  auto fail = [this](std::string message) -> Status {
    failed_ = true;
    error_ = MakeError(ErrorCode::kUpstreamError, std::move(message));
    return error_;
  };
  if (!parsed.ok()) return fail(parsed.error().message);
  const json::object& ev = *parsed;
  std::string type = event.event.empty() ? StringOr(ev, "type") : event.event;
  if (auto seq = GetInt(ev, "sequence_number")) last_sequence_ = std::max(last_sequence_, *seq);
  const auto* response = GetObject(ev, "response");
  if (response) last_response_ = *response;
  if (type == "response.completed" || type == "response.incomplete") {
    if (!response) return fail(type + " without a response");
    final_ = *response;
    complete_ = true;
    return {};
  }
  if (type == "response.failed" || type == "error") {
    std::string message = "upstream stream failed";
    if (response) {
      if (const auto* e = GetObject(*response, "error")) message = StringOr(*e, "message", message);
    } else {
      message = StringOr(ev, "message", message);
    }
    return fail(message);
  }
  return {};
}

Result<json::object> ResponsesAccumulator::Finish() const {
  if (!complete_) return MakeError(ErrorCode::kUpstreamError, failed_ ? error_.message : "stream incomplete");
  return final_;
}

SseEvent ResponsesAccumulator::CutEvent(std::string_view message) const {
  json::object response = last_response_;
  if (response.empty()) {
    response = ResponsesSkeleton(json::object(), "resp_isartor", "", 0);
  }
  response["status"] = "failed";
  response["error"] = json::object{{"code", "server_error"}, {"message", message}};
  json::object data{{"type", "response.failed"},
                    {"sequence_number", last_sequence_ + 1},
                    {"response", std::move(response)}};
  return SseEvent{"response.failed", internal::Serialize(data)};
}

}  // namespace isartor::dialect
