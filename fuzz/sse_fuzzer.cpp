// The SSE parser and the stream accumulator of both dialects (an upstream's streamed answer).
// Properties: the events do not depend on where the bytes were cut; an over-long line poisons
// both parsers alike; a failed accumulator never reports completion.
#include <vector>

#include "dialect/sse.h"
#include "dialect/stream_accumulator.h"
#include "fuzz_util.h"

using namespace isartor;
using isartor::fuzz::Input;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  const dialect::Dialect d = in.PickDialect();
  const size_t step = 1 + in.Byte() % 23;
  const std::string_view bytes = in.Rest();
  constexpr size_t kMaxEvent = 4096;

  dialect::SseParser whole(kMaxEvent);
  std::vector<dialect::SseEvent> whole_events;
  const bool whole_ok = whole.Feed(bytes, whole_events).ok();
  if (whole_ok) whole.Finish(whole_events);

  dialect::SseParser cut(kMaxEvent);
  std::vector<dialect::SseEvent> cut_events;
  bool cut_ok = true;
  for (size_t pos = 0; pos < bytes.size() && cut_ok; pos += step) {
    cut_ok = cut.Feed(bytes.substr(pos, step), cut_events).ok();
  }
  if (cut_ok) cut.Finish(cut_events);
  FUZZ_CHECK(whole_ok == cut_ok);
  if (whole_ok) FUZZ_CHECK(whole_events == cut_events);

  dialect::StreamAccumulator acc(d);
  for (const auto& e : whole_events) {
    (void)acc.Feed(e).ok();
    FUZZ_CHECK(!(acc.failed() && acc.complete()));
  }
  auto response = acc.Finish();
  if (!acc.complete()) FUZZ_CHECK(!response.ok());
  return 0;
}
