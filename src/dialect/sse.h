// Server-Sent Events framing (WHATWG "text/event-stream") as both dialects use it.
// OpenAI sends only `data:` lines (terminated by `data: [DONE]`); Anthropic sends an
// `event: <type>` line before each `data:` line and ends with `event: message_stop`.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "dialect/dialect.h"

namespace isartor::dialect {

struct SseEvent {
  std::string event;  // the `event:` field; empty when the stream did not send one (OpenAI)
  std::string data;   // the `data:` lines joined with '\n' (no trailing newline)

  bool operator==(const SseEvent&) const = default;
};

// Incremental SSE parser. Bytes may arrive split anywhere (inside a line, between '\r' and
// '\n', inside a UTF-8 sequence). Lines end with "\n", "\r\n" or "\r". Lines starting with ':'
// are comments and ignored, as are the `id:` and `retry:` fields and unknown fields. A leading
// UTF-8 BOM is skipped. An event is dispatched at a blank line if it has at least one `data:`
// line (WHATWG rule: an `event:` without data dispatches nothing).
// Not thread-safe; one parser per stream.
class SseParser {
 public:
  // max_event_bytes bounds the memory one pending line/event may use.
  explicit SseParser(std::size_t max_event_bytes = 16 * 1024 * 1024)
      : max_event_bytes_(max_event_bytes) {}

  // Consumes `bytes` and appends every event completed by them to `out`, in order.
  // Returns kInvalidArgument when a single line or event exceeds max_event_bytes; the parser
  // is then poisoned and every later call returns the same error without parsing.
  Status Feed(std::string_view bytes, std::vector<SseEvent>& out);

  // End of stream: dispatches a pending event whose final blank line never came (lenient
  // towards upstreams that close right after `data: [DONE]\n`). The parser is reset.
  void Finish(std::vector<SseEvent>& out);

 private:
  void ProcessLine(std::string_view line, std::vector<SseEvent>& out);
  void Dispatch(std::vector<SseEvent>& out);

  std::size_t max_event_bytes_;
  std::string line_;       // bytes of the current, unterminated line
  std::string event_;      // pending `event:` value
  std::string data_;       // pending data, each line followed by '\n'
  bool has_data_ = false;
  bool after_cr_ = false;  // last byte seen was '\r': a following '\n' belongs to it
  bool at_start_ = true;   // BOM check pending
  bool poisoned_ = false;
};

// Serialises one event: "event: <event>\n" when event is non-empty, then one "data: <line>\n"
// per line of data (so multi-line data round-trips), then a blank line. Thread-safe.
std::string FormatSse(const SseEvent& e);

// True for the event that ends a successful stream: OpenAI `data: [DONE]`; Anthropic
// `message_stop` (by event name, or by data.type when the event line is missing).
bool IsTerminal(Dialect dialect, const SseEvent& e);

}  // namespace isartor::dialect
