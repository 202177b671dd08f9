#include "dialect/stream_translator.h"

#include "dialect/error_body.h"
#include "dialect/json_util.h"
#include "dialect/responses_stream.h"

namespace isartor::dialect {
namespace {

namespace json = boost::json;
using internal::GetArray;
using internal::GetObject;
using internal::GetString;
using internal::StringOr;

}  // namespace

StreamTranslator::StreamTranslator(Dialect from, Dialect to, std::int64_t created_unix,
                                   const json::object* responses_request)
    : from_(from), to_(to), created_(created_unix) {
  if (to_ == Dialect::kResponses && from_ != to_) {
    responses_ = std::make_unique<ResponsesStreamTranslator>(
        from_, responses_request ? *responses_request : json::object(), created_unix);
  }
}

StreamTranslator::~StreamTranslator() = default;

Status StreamTranslator::Feed(const SseEvent& in, std::vector<SseEvent>& out) {
  if (done_) return {};
  if (responses_) {
    Status s = responses_->Feed(in, out);
    done_ = responses_->done();
    return s;
  }
  if (from_ == to_) {
    out.push_back(in);
    done_ = IsTerminal(from_, in);
    return {};
  }
  if (from_ == Dialect::kOpenAI && IsTerminal(from_, in)) {
    FinishAnthropic(out);
    return {};
  }
  auto parsed = internal::ParseObject(in.data, "stream event");
  if (!parsed.ok()) return MakeError(ErrorCode::kUpstreamError, parsed.error().message);
  if (from_ == Dialect::kOpenAI) return FeedOpenAIChunk(*parsed, out);
  std::string type = in.event.empty() ? StringOr(*parsed, "type") : in.event;
  return FeedAnthropicEvent(type, *parsed, out);
}

// ------------------------------------------------------------------ OpenAI -> Anthropic

void StreamTranslator::EmitAnthropic(std::string_view type, json::object data,
                                     std::vector<SseEvent>& out) {
  json::object ev{{"type", type}};
  for (auto& kv : data) ev[kv.key()] = std::move(kv.value());
  out.push_back(SseEvent{std::string(type), internal::Serialize(ev)});
}

void StreamTranslator::EnsureMessageStart(const json::object& chunk, std::vector<SseEvent>& out) {
  if (started_) return;
  started_ = true;
  json::object message;
  message["id"] = StringOr(chunk, "id", "msg_isartor");
  message["type"] = "message";
  message["role"] = "assistant";
  message["model"] = StringOr(chunk, "model");
  message["content"] = json::array();
  message["stop_reason"] = nullptr;
  message["stop_sequence"] = nullptr;
  message["usage"] = json::object{{"input_tokens", 0}, {"output_tokens", 0}};
  EmitAnthropic("message_start", json::object{{"message", std::move(message)}}, out);
}

void StreamTranslator::CloseBlock(std::vector<SseEvent>& out) {
  if (open_block_ < 0) return;
  EmitAnthropic("content_block_stop", json::object{{"index", open_block_}}, out);
  open_block_ = -1;
  open_is_text_ = false;
}

void StreamTranslator::OpenBlock(json::object content_block, std::vector<SseEvent>& out) {
  open_block_ = next_block_++;
  EmitAnthropic("content_block_start",
                json::object{{"index", open_block_}, {"content_block", std::move(content_block)}},
                out);
}

void StreamTranslator::OpenAIToolDeltas(const json::array& calls, std::vector<SseEvent>& out) {
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const json::object* call = calls[i].if_object();
    if (!call) continue;
    std::int64_t tindex = internal::GetInt(*call, "index").value_or(static_cast<std::int64_t>(i));
    const json::object* fn = GetObject(*call, "function");
    auto it = tool_blocks_.find(tindex);
    if (it == tool_blocks_.end()) {
      CloseBlock(out);
      OpenBlock(json::object{{"type", "tool_use"},
                             {"id", StringOr(*call, "id")},
                             {"name", fn ? StringOr(*fn, "name") : std::string()},
                             {"input", json::object()}},
                out);
      it = tool_blocks_.emplace(tindex, open_block_).first;
    }
    std::string args = fn ? StringOr(*fn, "arguments") : std::string();
    if (args.empty()) continue;
    EmitAnthropic("content_block_delta",
                  json::object{{"index", it->second},
                               {"delta", json::object{{"type", "input_json_delta"},
                                                      {"partial_json", args}}}},
                  out);
  }
}

Status StreamTranslator::FeedOpenAIChunk(const json::object& chunk, std::vector<SseEvent>& out) {
  if (const json::value* err = chunk.if_contains("error"); err && !err->is_null()) {
    std::string body = TranslateErrorBody(Dialect::kOpenAI, Dialect::kAnthropic,
                                          internal::Serialize(chunk));
    out.push_back(SseEvent{"error", std::move(body)});
    done_ = true;
    return {};
  }
  EnsureMessageStart(chunk, out);
  if (const json::object* usage = GetObject(chunk, "usage")) usage_ = *usage;
  const json::array* choices = GetArray(chunk, "choices");
  if (!choices) return {};
  for (const auto& cv : *choices) {
    const json::object* c = cv.if_object();
    if (!c || internal::GetInt(*c, "index").value_or(0) != 0) continue;
    if (const json::object* delta = GetObject(*c, "delta")) {
      const json::string* text = GetString(*delta, "content");
      if (text && !text->empty()) {
        if (!open_is_text_) {
          CloseBlock(out);
          OpenBlock(json::object{{"type", "text"}, {"text", ""}}, out);
          open_is_text_ = true;
        }
        EmitAnthropic("content_block_delta",
                      json::object{{"index", open_block_},
                                   {"delta", json::object{{"type", "text_delta"},
                                                          {"text", *text}}}},
                      out);
      }
      if (const json::array* calls = GetArray(*delta, "tool_calls")) OpenAIToolDeltas(*calls, out);
    }
    if (const json::string* fr = GetString(*c, "finish_reason")) {
      finish_reason_ = *fr;
      CloseBlock(out);
    }
  }
  return {};
}

void StreamTranslator::FinishAnthropic(std::vector<SseEvent>& out) {
  EnsureMessageStart(json::object(), out);
  CloseBlock(out);
  json::object usage = internal::AnthropicUsageFromOpenAI(usage_);
  json::object delta{{"stop_reason", internal::StopReasonFromFinish(finish_reason_)},
                     {"stop_sequence", nullptr}};
  EmitAnthropic("message_delta",
                json::object{{"delta", std::move(delta)}, {"usage", std::move(usage)}}, out);
  EmitAnthropic("message_stop", json::object(), out);
  done_ = true;
}

// ------------------------------------------------------------------ Anthropic -> OpenAI

void StreamTranslator::EmitChunk(json::object delta, json::value finish_reason,
                                 std::vector<SseEvent>& out) {
  json::object choice{{"index", 0}};
  choice["delta"] = std::move(delta);
  choice["logprobs"] = nullptr;
  choice["finish_reason"] = std::move(finish_reason);
  json::object chunk{{"id", id_}, {"object", "chat.completion.chunk"}, {"created", created_}};
  chunk["model"] = model_;
  chunk["choices"] = json::array{std::move(choice)};
  out.push_back(SseEvent{"", internal::Serialize(chunk)});
}

Status StreamTranslator::FeedAnthropicEvent(std::string_view type, const json::object& ev,
                                            std::vector<SseEvent>& out) {
  auto index = internal::GetInt(ev, "index").value_or(-1);
  if (type == "message_start") {
    if (const json::object* msg = GetObject(ev, "message")) {
      id_ = StringOr(*msg, "id");
      model_ = StringOr(*msg, "model");
      if (const json::object* usage = GetObject(*msg, "usage")) {
        anthropic_usage_ = *usage;
        has_usage_ = true;
      }
    }
    EmitChunk(json::object{{"role", "assistant"}, {"content", ""}}, nullptr, out);
  } else if (type == "content_block_start") {
    if (const json::object* block = GetObject(ev, "content_block")) {
      AnthropicBlockStart(index, *block, out);
    }
  } else if (type == "content_block_delta") {
    if (const json::object* delta = GetObject(ev, "delta")) {
      AnthropicBlockDelta(index, *delta, out);
    }
  } else if (type == "content_block_stop") {
    auto it = block_tools_.find(index);
    if (it != block_tools_.end() && !it->second.sent_arguments) {
      // A tool with no arguments streams no delta; OpenAI clients expect a JSON string.
      EmitToolArguments(it->second.tool_index, it->second.start_input, out);
      it->second.sent_arguments = true;
    }
  } else if (type == "message_delta") {
    if (const json::object* usage = GetObject(ev, "usage")) {
      for (const auto& kv : *usage) {
        if (!kv.value().is_null()) anthropic_usage_[kv.key()] = kv.value();
      }
      has_usage_ = true;
    }
    const json::object* delta = GetObject(ev, "delta");
    std::string stop = delta ? StringOr(*delta, "stop_reason") : std::string();
    EmitChunk(json::object(), json::string(internal::FinishFromStopReason(stop)), out);
  } else if (type == "message_stop") {
    FinishOpenAI(out);
  } else if (type == "error") {
    out.push_back(SseEvent{"", TranslateErrorBody(Dialect::kAnthropic, Dialect::kOpenAI,
                                                  internal::Serialize(ev))});
    done_ = true;
  }
  return {};  // ping, thinking deltas and unknown event types have no OpenAI form
}

void StreamTranslator::AnthropicBlockStart(std::int64_t index, const json::object& block,
                                           std::vector<SseEvent>& out) {
  std::string type = StringOr(block, "type");
  if (type == "text" && !StringOr(block, "text").empty()) {
    EmitChunk(json::object{{"content", StringOr(block, "text")}}, nullptr, out);
  } else if (type == "tool_use") {
    ToolState& st = block_tools_[index];
    st.tool_index = next_tool_++;
    const json::value* input = block.if_contains("input");
    st.start_input = input ? internal::Serialize(*input) : "{}";
    json::object call{{"index", st.tool_index}, {"id", StringOr(block, "id")},
                      {"type", "function"}};
    call["function"] = json::object{{"name", StringOr(block, "name")}, {"arguments", ""}};
    EmitChunk(json::object{{"tool_calls", json::array{std::move(call)}}}, nullptr, out);
  }
}

void StreamTranslator::AnthropicBlockDelta(std::int64_t index, const json::object& delta,
                                           std::vector<SseEvent>& out) {
  std::string type = StringOr(delta, "type");
  if (type == "text_delta") {
    EmitChunk(json::object{{"content", StringOr(delta, "text")}}, nullptr, out);
  } else if (type == "input_json_delta") {
    auto it = block_tools_.find(index);
    std::string partial = StringOr(delta, "partial_json");
    if (it != block_tools_.end() && !partial.empty()) {
      it->second.sent_arguments = true;
      EmitToolArguments(it->second.tool_index, partial, out);
    }
  }
}

void StreamTranslator::EmitToolArguments(std::int64_t tool_index, std::string_view arguments,
                                         std::vector<SseEvent>& out) {
  json::object call{{"index", tool_index}};
  call["function"] = json::object{{"arguments", arguments}};
  EmitChunk(json::object{{"tool_calls", json::array{std::move(call)}}}, nullptr, out);
}

void StreamTranslator::FinishOpenAI(std::vector<SseEvent>& out) {
  if (has_usage_) {
    json::object chunk{{"id", id_}, {"object", "chat.completion.chunk"}, {"created", created_}};
    chunk["model"] = model_;
    chunk["choices"] = json::array();
    chunk["usage"] = internal::OpenAIUsageFromAnthropic(anthropic_usage_);
    out.push_back(SseEvent{"", internal::Serialize(chunk)});
  }
  out.push_back(SseEvent{"", "[DONE]"});
  done_ = true;
}

}  // namespace isartor::dialect
