#include "dialect/responses_events.h"

#include "dialect/json_util.h"

namespace isartor::dialect {
namespace {

namespace json = boost::json;
using internal::GetArray;
using internal::GetInt;
using internal::GetObject;
using internal::StringOr;

json::value Echo(const json::object& request, std::string_view key, json::value fallback) {
  const json::value* v = request.if_contains(key);
  return v && !v->is_null() ? *v : fallback;
}

// Only the function tools reach a translated upstream; a pass-through answer carries the
// upstream's own echo, so this is what the model was actually offered.
json::array EchoTools(const json::object& request) {
  json::array tools;
  if (const auto* in = GetArray(request, "tools")) {
    for (const auto& t : *in) {
      if (const auto* to = t.if_object(); to && StringOr(*to, "type") == "function") tools.push_back(*to);
    }
  }
  return tools;
}

json::object MessageItem(const std::string& id, std::string_view status, std::string_view text,
                         bool with_part) {
  json::array content;
  if (with_part) {
    content.push_back(json::object{{"type", "output_text"}, {"annotations", json::array()},
                                   {"logprobs", json::array()}, {"text", text}});
  }
  return json::object{{"id", id}, {"type", "message"}, {"status", status},
                      {"content", std::move(content)}, {"role", "assistant"}};
}

}  // namespace

json::object ResponsesSkeleton(const json::object& request, std::string id, std::string model,
                               std::int64_t created_at) {
  return json::object{
      {"id", std::move(id)},
      {"object", "response"},
      {"created_at", created_at},
      {"status", "in_progress"},
      {"background", false},
      {"error", nullptr},
      {"incomplete_details", nullptr},
      {"instructions", Echo(request, "instructions", nullptr)},
      {"max_output_tokens", Echo(request, "max_output_tokens", nullptr)},
      {"model", std::move(model)},
      {"output", json::array()},
      {"parallel_tool_calls", Echo(request, "parallel_tool_calls", true)},
      {"previous_response_id", nullptr},
      {"reasoning", json::object{{"effort", nullptr}, {"summary", nullptr}}},
      {"store", false},
      {"temperature", Echo(request, "temperature", 1.0)},
      {"text", Echo(request, "text", json::object{{"format", json::object{{"type", "text"}}}})},
      {"tool_choice", Echo(request, "tool_choice", "auto")},
      {"tools", EchoTools(request)},
      {"top_p", Echo(request, "top_p", 1.0)},
      {"truncation", "disabled"},
      {"usage", nullptr},
      {"user", Echo(request, "user", nullptr)},
      {"metadata", Echo(request, "metadata", json::object())},
  };
}

json::object ResponsesUsageFromChat(const json::object& usage) {
  std::int64_t in = GetInt(usage, "prompt_tokens").value_or(0);
  std::int64_t out = GetInt(usage, "completion_tokens").value_or(0);
  std::int64_t cached = 0, reasoning = 0;
  if (const auto* d = GetObject(usage, "prompt_tokens_details")) cached = GetInt(*d, "cached_tokens").value_or(0);
  if (const auto* d = GetObject(usage, "completion_tokens_details")) {
    reasoning = GetInt(*d, "reasoning_tokens").value_or(0);
  }
  return json::object{{"input_tokens", in},
                      {"input_tokens_details", json::object{{"cached_tokens", cached}}},
                      {"output_tokens", out},
                      {"output_tokens_details", json::object{{"reasoning_tokens", reasoning}}},
                      {"total_tokens", GetInt(usage, "total_tokens").value_or(in + out)}};
}

ResponsesEventWriter::ResponsesEventWriter(json::object skeleton) : response_(std::move(skeleton)) {}

std::string ResponsesEventWriter::ItemId(std::string_view prefix) const {
  std::string base = StringOr(response_, "id");
  if (base.rfind("resp_", 0) == 0) base = base.substr(5);
  return std::string(prefix) + base + "_" + std::to_string(output_.size());
}

void ResponsesEventWriter::Emit(std::string_view type, json::object data, std::vector<SseEvent>& out) {
  data["type"] = type;
  data["sequence_number"] = seq_++;
  out.push_back(SseEvent{std::string(type), internal::Serialize(data)});
}

void ResponsesEventWriter::Start(std::vector<SseEvent>& out) {
  if (started_) return;
  started_ = true;
  Emit("response.created", json::object{{"response", response_}}, out);
  Emit("response.in_progress", json::object{{"response", response_}}, out);
}

void ResponsesEventWriter::Text(std::string_view delta, std::vector<SseEvent>& out,
                                std::string item_id) {
  if (done_) return;
  if (open_message_ < 0) {
    CloseCalls(out);
    open_message_ = static_cast<long>(output_.size());
    text_.clear();
    json::object item = MessageItem(item_id.empty() ? ItemId("msg_") : item_id, "in_progress", "", false);
    output_.push_back(item);
    Emit("response.output_item.added", json::object{{"output_index", open_message_}, {"item", item}}, out);
    Emit("response.content_part.added",
         json::object{{"item_id", item.at("id")}, {"output_index", open_message_}, {"content_index", 0},
                      {"part", json::object{{"type", "output_text"}, {"annotations", json::array()},
                                            {"logprobs", json::array()}, {"text", ""}}}},
         out);
  }
  if (delta.empty()) return;
  text_.append(delta);
  const auto& id = output_[open_message_].as_object().at("id");
  Emit("response.output_text.delta",
       json::object{{"item_id", id}, {"output_index", open_message_}, {"content_index", 0},
                    {"delta", delta}, {"logprobs", json::array()}},
       out);
}

void ResponsesEventWriter::CloseMessage(std::vector<SseEvent>& out) {
  if (open_message_ < 0) return;
  json::value id = output_[open_message_].as_object().at("id");
  json::object part{{"type", "output_text"}, {"annotations", json::array()},
                    {"logprobs", json::array()}, {"text", text_}};
  Emit("response.output_text.done",
       json::object{{"item_id", id}, {"output_index", open_message_}, {"content_index", 0},
                    {"text", text_}, {"logprobs", json::array()}},
       out);
  Emit("response.content_part.done",
       json::object{{"item_id", id}, {"output_index", open_message_}, {"content_index", 0}, {"part", part}},
       out);
  json::object item = MessageItem(std::string(id.as_string()), "completed", text_, true);
  output_[open_message_] = item;
  Emit("response.output_item.done", json::object{{"output_index", open_message_}, {"item", item}}, out);
  open_message_ = -1;
  text_.clear();
}

void ResponsesEventWriter::StartFunctionCall(std::int64_t key, std::string call_id,
                                             std::string name, std::vector<SseEvent>& out,
                                             std::string item_id) {
  if (done_ || seen_calls_.count(key)) return;
  seen_calls_[key] = true;
  CloseMessage(out);
  std::size_t index = output_.size();
  if (item_id.empty()) item_id = "fc_" + (call_id.empty() ? ItemId("") : call_id);
  json::object item{{"id", item_id}, {"type", "function_call"}, {"status", "in_progress"},
                    {"arguments", ""}, {"call_id", call_id}, {"name", name}};
  output_.push_back(item);
  calls_[key] = OpenCall{index, ""};
  Emit("response.output_item.added", json::object{{"output_index", index}, {"item", item}}, out);
}

void ResponsesEventWriter::Arguments(std::int64_t key, std::string_view delta,
                                     std::vector<SseEvent>& out) {
  auto it = calls_.find(key);
  if (done_ || it == calls_.end() || delta.empty()) return;
  it->second.arguments.append(delta);
  const auto& item = output_[it->second.output_index].as_object();
  Emit("response.function_call_arguments.delta",
       json::object{{"item_id", item.at("id")}, {"output_index", it->second.output_index}, {"delta", delta}},
       out);
}

void ResponsesEventWriter::CloseCalls(std::vector<SseEvent>& out) {
  for (auto& [key, call] : calls_) {
    json::object& item = output_[call.output_index].as_object();
    item["arguments"] = call.arguments;
    item["status"] = "completed";
    Emit("response.function_call_arguments.done",
         json::object{{"item_id", item.at("id")}, {"output_index", call.output_index},
                      {"name", item.at("name")}, {"arguments", call.arguments}},
         out);
    Emit("response.output_item.done", json::object{{"output_index", call.output_index}, {"item", item}}, out);
  }
  calls_.clear();
}

void ResponsesEventWriter::WholeItem(json::object item, std::vector<SseEvent>& out) {
  if (done_) return;
  CloseMessage(out);
  CloseCalls(out);
  std::size_t index = output_.size();
  output_.push_back(item);
  Emit("response.output_item.added", json::object{{"output_index", index}, {"item", item}}, out);
  Emit("response.output_item.done", json::object{{"output_index", index}, {"item", item}}, out);
}

void ResponsesEventWriter::Finish(std::string_view finish_reason, json::object usage,
                                  std::vector<SseEvent>& out) {
  if (done_) return;
  CloseMessage(out);
  CloseCalls(out);
  json::object final_response = response_;
  final_response["output"] = output_;
  final_response["usage"] = std::move(usage);
  if (finish_reason == "length" || finish_reason == "content_filter") {
    final_response["status"] = "incomplete";
    final_response["incomplete_details"] = json::object{
        {"reason", finish_reason == "length" ? "max_output_tokens" : "content_filter"}};
  } else {
    final_response["status"] = "completed";
  }
  FinishWith(std::move(final_response), out);
}

void ResponsesEventWriter::FinishWith(json::object final_response, std::vector<SseEvent>& out) {
  if (done_) return;
  CloseMessage(out);
  CloseCalls(out);
  std::string status = StringOr(final_response, "status", "completed");
  const char* type = status == "incomplete" ? "response.incomplete"
                     : status == "failed"   ? "response.failed"
                                            : "response.completed";
  response_ = std::move(final_response);
  Emit(type, json::object{{"response", response_}}, out);
  done_ = true;
}

void ResponsesEventWriter::Fail(std::string_view code, std::string_view message,
                                std::vector<SseEvent>& out) {
  if (done_) return;
  json::object failed = response_;
  failed["status"] = "failed";
  failed["output"] = output_;
  failed["error"] = json::object{{"code", code}, {"message", message}};
  response_ = failed;
  Emit("response.failed", json::object{{"response", std::move(failed)}}, out);
  done_ = true;
}

}  // namespace isartor::dialect
