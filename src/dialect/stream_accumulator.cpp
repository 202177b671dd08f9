#include "dialect/stream_accumulator.h"

#include "dialect/json_util.h"
#include "dialect/responses_stream.h"

namespace isartor::dialect {
namespace {

namespace json = boost::json;
using internal::GetArray;
using internal::GetObject;
using internal::GetString;
using internal::StringOr;

std::string ErrorMessageOf(const json::object& o) {
  if (const json::object* err = GetObject(o, "error")) {
    return StringOr(*err, "type", "error") + ": " + StringOr(*err, "message");
  }
  return StringOr(o, "error", "stream error");
}

}  // namespace

Status StreamAccumulator::Fail(std::string message) {
  failed_ = true;
  error_ = MakeError(ErrorCode::kUpstreamError, std::move(message));
  return error_;
}

StreamAccumulator::StreamAccumulator(Dialect dialect) : dialect_(dialect) {
  if (dialect_ == Dialect::kResponses) responses_ = std::make_unique<ResponsesAccumulator>();
}
StreamAccumulator::~StreamAccumulator() = default;
StreamAccumulator::StreamAccumulator(StreamAccumulator&&) noexcept = default;

Status StreamAccumulator::Feed(const SseEvent& event) {
  if (responses_) {
    Status s = responses_->Feed(event);
    complete_ = responses_->complete();
    failed_ = responses_->failed();
    return s;
  }
  if (failed_) return error_;
  if (complete_) return {};
  if (IsTerminal(dialect_, event)) {
    complete_ = true;
    if (dialect_ == Dialect::kOpenAI) return {};
  }
  auto parsed = internal::ParseObject(event.data, "stream event");
  if (!parsed.ok()) {
    complete_ = false;
    return Fail(parsed.error().message);
  }
  saw_data_ = true;
  if (dialect_ == Dialect::kOpenAI) return FeedOpenAI(*parsed);
  std::string type = event.event.empty() ? StringOr(*parsed, "type") : event.event;
  return FeedAnthropic(type, *parsed);
}

Status StreamAccumulator::FeedOpenAI(const json::object& chunk) {
  if (const json::value* err = chunk.if_contains("error"); err && !err->is_null()) {
    return Fail(ErrorMessageOf(chunk));
  }
  for (std::string_view key : {"id", "created", "model", "system_fingerprint", "service_tier"}) {
    const json::value* v = chunk.if_contains(key);
    if (v && !v->is_null() && !meta_.contains(key)) meta_[key] = *v;
  }
  if (const json::object* usage = GetObject(chunk, "usage")) {
    usage_ = *usage;
    has_usage_ = true;
  }
  const json::array* choices = GetArray(chunk, "choices");
  if (!choices) return {};
  for (const auto& cv : *choices) {
    const json::object* c = cv.if_object();
    if (!c) continue;
    Choice& choice = choices_[internal::GetInt(*c, "index").value_or(0)];
    if (const json::value* fr = c->if_contains("finish_reason"); fr && !fr->is_null()) {
      choice.finish_reason = *fr;
    }
    const json::object* delta = GetObject(*c, "delta");
    if (!delta) continue;
    if (const json::string* s = GetString(*delta, "content")) {
      choice.content.append(s->data(), s->size());
      choice.has_content = true;
    }
    if (const json::string* s = GetString(*delta, "refusal")) {
      choice.refusal.append(s->data(), s->size());
      choice.has_refusal = true;
    }
    const json::array* calls = GetArray(*delta, "tool_calls");
    if (!calls) continue;
    for (std::size_t i = 0; i < calls->size(); ++i) {
      const json::object* call = (*calls)[i].if_object();
      if (!call) continue;
      ToolCall& tc = choice.tool_calls[internal::GetInt(*call, "index").value_or(i)];
      if (const json::string* id = GetString(*call, "id"); id && !id->empty()) tc.id = *id;
      if (const json::object* fn = GetObject(*call, "function")) {
        // The name arrives whole in the first fragment; some servers repeat it.
        if (const json::string* n = GetString(*fn, "name"); n && tc.name.empty()) tc.name = *n;
        if (const json::string* a = GetString(*fn, "arguments")) tc.arguments += *a;
      }
    }
  }
  return {};
}

Status StreamAccumulator::FeedAnthropic(std::string_view type, const json::object& event) {
  if (type == "error") return Fail(ErrorMessageOf(event));
  if (type == "message_start") {
    if (const json::object* msg = GetObject(event, "message")) meta_ = *msg;
    if (const json::object* usage = GetObject(meta_, "usage")) {
      usage_ = *usage;
      has_usage_ = true;
    }
    return {};
  }
  auto index = internal::GetInt(event, "index");
  if (type == "content_block_start") {
    const json::object* block = GetObject(event, "content_block");
    if (!index || !block) return Fail("content_block_start without index or content_block");
    blocks_[*index].start = *block;
    return {};
  }
  if (type == "content_block_delta") {
    const json::object* delta = GetObject(event, "delta");
    if (!index || !delta) return Fail("content_block_delta without index or delta");
    Block& block = blocks_[*index];
    std::string dtype = StringOr(*delta, "type");
    if (dtype == "text_delta") block.text += StringOr(*delta, "text");
    if (dtype == "thinking_delta") block.text += StringOr(*delta, "thinking");
    if (dtype == "input_json_delta") block.partial_json += StringOr(*delta, "partial_json");
    if (dtype == "signature_delta") block.signature += StringOr(*delta, "signature");
    return {};
  }
  if (type == "message_delta") {
    if (const json::object* delta = GetObject(event, "delta")) {
      for (const auto& kv : *delta) stop_[kv.key()] = kv.value();
    }
    if (const json::object* usage = GetObject(event, "usage")) {
      for (const auto& kv : *usage) {
        if (!kv.value().is_null()) usage_[kv.key()] = kv.value();
      }
      has_usage_ = true;
    }
  }
  return {};  // content_block_stop, message_stop, ping, unknown types
}

Result<json::object> StreamAccumulator::Finish() const {
  if (failed_) return error_;
  if (!complete_) {
    return MakeError(ErrorCode::kUpstreamError, "stream ended before its terminal event");
  }
  if (responses_) return responses_->Finish();
  if (!saw_data_) return MakeError(ErrorCode::kUpstreamError, "stream carried no data");
  return dialect_ == Dialect::kOpenAI ? FinishOpenAI() : FinishAnthropic();
}

Result<json::object> StreamAccumulator::FinishOpenAI() const {
  json::object out;
  out["id"] = meta_.contains("id") ? meta_.at("id") : json::value("");
  out["object"] = "chat.completion";
  out["created"] = meta_.contains("created") ? meta_.at("created") : json::value(0);
  out["model"] = meta_.contains("model") ? meta_.at("model") : json::value("");
  for (std::string_view key : {"system_fingerprint", "service_tier"}) {
    if (meta_.contains(key)) out[key] = meta_.at(key);
  }
  json::array choices;
  for (const auto& [index, c] : choices_) {
    json::object message{{"role", "assistant"}};
    message["content"] = c.has_content ? json::value(json::string(c.content)) : nullptr;
    if (c.has_refusal) message["refusal"] = c.refusal;
    if (!c.tool_calls.empty()) {
      json::array calls;
      for (const auto& [i, tc] : c.tool_calls) {
        calls.push_back(json::object{
            {"id", tc.id},
            {"type", "function"},
            {"function", json::object{{"name", tc.name}, {"arguments", tc.arguments}}}});
      }
      message["tool_calls"] = std::move(calls);
    }
    json::object choice{{"index", index}};
    choice["message"] = std::move(message);
    choice["logprobs"] = nullptr;
    choice["finish_reason"] = c.finish_reason;
    choices.push_back(std::move(choice));
  }
  out["choices"] = std::move(choices);
  if (has_usage_) out["usage"] = usage_;
  return out;
}

Result<json::object> StreamAccumulator::FinishAnthropic() const {
  json::object out = meta_;
  json::array content;
  for (const auto& [index, b] : blocks_) {
    json::object block = b.start;
    std::string type = StringOr(block, "type");
    if (type == "text") {
      block["text"] = StringOr(block, "text") + b.text;
    } else if (type == "thinking") {
      block["thinking"] = StringOr(block, "thinking") + b.text;
      if (!b.signature.empty()) block["signature"] = b.signature;
    } else if (type == "tool_use" || type == "server_tool_use") {
      if (!b.partial_json.empty()) {
        auto input = internal::ParseObject(b.partial_json, "tool_use input");
        if (!input.ok()) return MakeError(ErrorCode::kUpstreamError, input.error().message);
        block["input"] = std::move(*input);
      } else if (!block.contains("input")) {
        block["input"] = json::object();
      }
    }
    content.push_back(std::move(block));
  }
  out["content"] = std::move(content);
  out["stop_reason"] = stop_.contains("stop_reason") ? stop_.at("stop_reason") : nullptr;
  out["stop_sequence"] = stop_.contains("stop_sequence") ? stop_.at("stop_sequence") : nullptr;
  if (has_usage_) out["usage"] = usage_;
  return out;
}

}  // namespace isartor::dialect
