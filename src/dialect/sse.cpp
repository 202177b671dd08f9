#include "dialect/sse.h"

#include "dialect/json_util.h"

namespace isartor::dialect {

Status SseParser::Feed(std::string_view bytes, std::vector<SseEvent>& out) {
  if (poisoned_) {
    return MakeError(ErrorCode::kInvalidArgument, "SSE event exceeds the size limit");
  }
  if (at_start_ && !bytes.empty()) {
    // The BOM may itself arrive split; keep it in line_ until 3 bytes are known.
    line_.append(bytes);
    if (line_.size() < 3 && std::string_view("\xEF\xBB\xBF").starts_with(line_)) return {};
    at_start_ = false;
    std::string pending = std::move(line_);
    line_.clear();
    std::string_view rest(pending);
    if (rest.starts_with("\xEF\xBB\xBF")) rest.remove_prefix(3);
    return Feed(rest, out);
  }
  std::size_t i = 0;
  while (i < bytes.size()) {
    char c = bytes[i];
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n') {
        ++i;
        continue;
      }
    }
    if (c == '\n' || c == '\r') {
      after_cr_ = (c == '\r');
      ProcessLine(line_, out);
      line_.clear();
      ++i;
      continue;
    }
    // Copy the run of ordinary bytes in one go.
    std::size_t end = bytes.find_first_of("\r\n", i);
    if (end == std::string_view::npos) end = bytes.size();
    line_.append(bytes.substr(i, end - i));
    i = end;
    if (line_.size() + data_.size() > max_event_bytes_) {
      poisoned_ = true;
      return MakeError(ErrorCode::kInvalidArgument, "SSE event exceeds the size limit");
    }
  }
  return {};
}

void SseParser::Finish(std::vector<SseEvent>& out) {
  if (!poisoned_) {
    if (!line_.empty()) ProcessLine(line_, out);
    Dispatch(out);
  }
  line_.clear();
  event_.clear();
  data_.clear();
  has_data_ = false;
  after_cr_ = false;
  at_start_ = true;
  poisoned_ = false;
}

void SseParser::ProcessLine(std::string_view line, std::vector<SseEvent>& out) {
  if (line.empty()) {
    Dispatch(out);
    return;
  }
  if (line.front() == ':') return;  // comment, e.g. ": OPENROUTER PROCESSING"
  std::string_view field = line;
  std::string_view value;
  std::size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "event") {
    event_.assign(value);
  } else if (field == "data") {
    data_.append(value);
    data_.push_back('\n');
    has_data_ = true;
  }
  // id, retry and unknown fields carry nothing either dialect needs.
}

void SseParser::Dispatch(std::vector<SseEvent>& out) {
  if (has_data_) {
    data_.pop_back();  // the '\n' after the last data line
    out.push_back(SseEvent{std::move(event_), std::move(data_)});
  }
  event_.clear();
  data_.clear();
  has_data_ = false;
}

std::string FormatSse(const SseEvent& e) {
  std::string out;
  out.reserve(e.event.size() + e.data.size() + 16);
  if (!e.event.empty()) {
    out += "event: ";
    out += e.event;
    out += '\n';
  }
  std::string_view data(e.data);
  while (true) {
    std::size_t nl = data.find('\n');
    out += "data: ";
    out += data.substr(0, nl);
    out += '\n';
    if (nl == std::string_view::npos) break;
    data.remove_prefix(nl + 1);
  }
  out += '\n';
  return out;
}

bool IsTerminal(Dialect dialect, const SseEvent& e) {
  if (dialect == Dialect::kOpenAI) {
    std::string_view d(e.data);
    while (!d.empty() && (d.back() == ' ' || d.back() == '\n' || d.back() == '\r')) {
      d.remove_suffix(1);
    }
    while (!d.empty() && d.front() == ' ') d.remove_prefix(1);
    return d == "[DONE]";
  }
  std::string_view last = dialect == Dialect::kResponses ? "response.completed" : "message_stop";
  if (!e.event.empty()) return e.event == last || (dialect == Dialect::kResponses && e.event == "response.incomplete");
  auto parsed = internal::ParseObject(e.data, "event");
  if (!parsed.ok()) return false;
  std::string type = internal::StringOr(*parsed, "type");
  return type == last || (dialect == Dialect::kResponses && type == "response.incomplete");
}

}  // namespace isartor::dialect
