#include "dialect/replay.h"

#include "dialect/responses_response.h"

#include <string>

#include "dialect/json_util.h"

namespace isartor::dialect {
namespace {

namespace json = boost::json;
using internal::GetArray;
using internal::GetObject;
using internal::StringOr;

constexpr std::size_t kPieceBytes = 64;

class OpenAIReplay {
 public:
  OpenAIReplay(const json::object& response, std::vector<SseEvent>& out) : out_(out) {
    for (std::string_view key : {"id", "created", "model", "system_fingerprint"}) {
      if (const json::value* v = response.if_contains(key)) base_[key] = *v;
    }
    base_["object"] = "chat.completion.chunk";
  }

  void Choice(const json::object& choice) {
    json::value index = choice.contains("index") ? choice.at("index") : json::value(0);
    const json::object* msg = GetObject(choice, "message");
    json::object empty;
    if (!msg) msg = &empty;
    const json::value* content = msg->if_contains("content");
    bool text = content && content->is_string();
    Emit(index, json::object{{"role", "assistant"},
                             {"content", text ? json::value("") : json::value(nullptr)}});
    if (text) {
      for (auto& piece : internal::SplitUtf8(content->get_string(), kPieceBytes)) {
        Emit(index, json::object{{"content", piece}});
      }
    }
    if (const json::string* refusal = internal::GetString(*msg, "refusal")) {
      for (auto& piece : internal::SplitUtf8(*refusal, kPieceBytes)) {
        Emit(index, json::object{{"refusal", piece}});
      }
    }
    if (const json::array* calls = GetArray(*msg, "tool_calls")) ToolCalls(index, *calls);
    json::object last{{"index", index}, {"delta", json::object()}, {"logprobs", nullptr}};
    last["finish_reason"] = choice.contains("finish_reason") ? choice.at("finish_reason")
                                                             : json::value("stop");
    EmitRaw(json::array{std::move(last)});
  }

  void Usage(const json::object& usage) {
    json::object chunk = base_;
    chunk["choices"] = json::array();
    chunk["usage"] = usage;
    out_.push_back(SseEvent{"", internal::Serialize(chunk)});
  }

 private:
  void ToolCalls(const json::value& index, const json::array& calls) {
    for (std::size_t i = 0; i < calls.size(); ++i) {
      const json::object* call = calls[i].if_object();
      if (!call) continue;
      const json::object* fn = GetObject(*call, "function");
      std::string name = fn ? StringOr(*fn, "name") : std::string();
      json::object first{{"index", i}, {"id", StringOr(*call, "id")}, {"type", "function"}};
      first["function"] = json::object{{"name", name}, {"arguments", ""}};
      Emit(index, json::object{{"tool_calls", json::array{std::move(first)}}});
      std::string args = fn ? StringOr(*fn, "arguments") : std::string();
      for (auto& piece : internal::SplitUtf8(args, kPieceBytes)) {
        json::object frag{{"index", i}, {"function", json::object{{"arguments", piece}}}};
        Emit(index, json::object{{"tool_calls", json::array{std::move(frag)}}});
      }
    }
  }

  void Emit(const json::value& index, json::object delta) {
    json::object c{{"index", index}, {"delta", std::move(delta)}, {"logprobs", nullptr}};
    c["finish_reason"] = nullptr;
    EmitRaw(json::array{std::move(c)});
  }

  void EmitRaw(json::array choices) {
    json::object chunk = base_;
    chunk["choices"] = std::move(choices);
    out_.push_back(SseEvent{"", internal::Serialize(chunk)});
  }

  json::object base_;
  std::vector<SseEvent>& out_;
};

void EmitAnthropic(std::string_view type, json::object ev, std::vector<SseEvent>& out) {
  ev["type"] = type;
  out.push_back(SseEvent{std::string(type), internal::Serialize(ev)});
}

void AnthropicDelta(std::int64_t index, json::object delta, std::vector<SseEvent>& out) {
  EmitAnthropic("content_block_delta", json::object{{"index", index}, {"delta", std::move(delta)}},
                out);
}

void AnthropicBlock(std::int64_t index, const json::object& block, std::vector<SseEvent>& out) {
  std::string type = StringOr(block, "type");
  json::object start = block;
  std::vector<std::string> pieces;
  std::string delta_type, delta_field;
  if (type == "text") {
    pieces = internal::SplitUtf8(StringOr(block, "text"), kPieceBytes);
    start["text"] = "";
    delta_type = "text_delta";
    delta_field = "text";
  } else if (type == "thinking") {
    pieces = internal::SplitUtf8(StringOr(block, "thinking"), kPieceBytes);
    start["thinking"] = "";
    start.erase("signature");
    delta_type = "thinking_delta";
    delta_field = "thinking";
  } else if (type == "tool_use" || type == "server_tool_use") {
    const json::value* input = block.if_contains("input");
    pieces = internal::SplitUtf8(input ? internal::Serialize(*input) : "{}", kPieceBytes);
    start["input"] = json::object();
    delta_type = "input_json_delta";
    delta_field = "partial_json";
  }
  EmitAnthropic("content_block_start",
                json::object{{"index", index}, {"content_block", std::move(start)}}, out);
  for (auto& piece : pieces) {
    AnthropicDelta(index, json::object{{"type", delta_type}, {delta_field, piece}}, out);
  }
  if (type == "thinking") {
    if (const json::string* sig = internal::GetString(block, "signature")) {
      AnthropicDelta(index, json::object{{"type", "signature_delta"}, {"signature", *sig}}, out);
    }
  }
  EmitAnthropic("content_block_stop", json::object{{"index", index}}, out);
}

std::vector<SseEvent> AnthropicToSse(const json::object& response) {
  std::vector<SseEvent> out;
  json::object message = response;
  message["content"] = json::array();
  message["stop_reason"] = nullptr;
  message["stop_sequence"] = nullptr;
  json::object usage;
  if (const json::object* u = GetObject(response, "usage")) usage = *u;
  json::object start_usage = usage;
  start_usage["output_tokens"] = 0;
  message["usage"] = std::move(start_usage);
  EmitAnthropic("message_start", json::object{{"message", std::move(message)}}, out);
  if (const json::array* blocks = GetArray(response, "content")) {
    std::int64_t index = 0;
    for (const auto& b : *blocks) {
      if (const json::object* bo = b.if_object()) AnthropicBlock(index++, *bo, out);
    }
  }
  json::object delta;
  delta["stop_reason"] = response.contains("stop_reason") ? response.at("stop_reason") : nullptr;
  delta["stop_sequence"] =
      response.contains("stop_sequence") ? response.at("stop_sequence") : nullptr;
  json::object delta_usage{{"output_tokens", internal::GetInt(usage, "output_tokens").value_or(0)}};
  EmitAnthropic("message_delta",
                json::object{{"delta", std::move(delta)}, {"usage", std::move(delta_usage)}}, out);
  EmitAnthropic("message_stop", json::object(), out);
  return out;
}

}  // namespace

std::vector<SseEvent> ResponseToSse(Dialect dialect, const json::object& response) {
  if (dialect == Dialect::kAnthropic) return AnthropicToSse(response);
  if (dialect == Dialect::kResponses) return ResponsesToSse(response);
  std::vector<SseEvent> out;
  OpenAIReplay replay(response, out);
  if (const json::array* choices = GetArray(response, "choices")) {
    for (const auto& c : *choices) {
      if (const json::object* co = c.if_object()) replay.Choice(*co);
    }
  }
  if (const json::object* usage = GetObject(response, "usage")) replay.Usage(*usage);
  out.push_back(SseEvent{"", "[DONE]"});
  return out;
}

}  // namespace isartor::dialect
