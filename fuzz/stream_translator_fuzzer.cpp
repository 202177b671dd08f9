// Live stream translation, OpenAI -> Anthropic and Anthropic -> OpenAI, fed with whatever an
// upstream may send. Properties: every emitted event carries a JSON object (or OpenAI's
// [DONE]); nothing is emitted after the terminal event; the translated stream is readable by
// the target dialect's accumulator without crashing.
#include <boost/json/parse.hpp>

#include <vector>

#include "dialect/sse.h"
#include "dialect/stream_accumulator.h"
#include "dialect/stream_translator.h"
#include "fuzz_util.h"

namespace json = boost::json;
using namespace isartor;
using isartor::fuzz::Input;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  const dialect::Dialect from = in.PickDialect();
  const dialect::Dialect to = fuzz::Other(from);
  dialect::SseParser parser(1 << 16);
  std::vector<dialect::SseEvent> events;
  if (parser.Feed(in.Rest(), events).ok()) parser.Finish(events);

  dialect::StreamTranslator tr(from, to, 1700000000);
  std::vector<dialect::SseEvent> out;
  for (const auto& e : events) {
    const bool was_done = tr.done();
    const size_t before = out.size();
    (void)tr.Feed(e, out).ok();
    if (was_done) FUZZ_CHECK(out.size() == before);
  }
  dialect::StreamAccumulator acc(to);
  for (const auto& e : out) {
    if (e.data != "[DONE]") {
      boost::system::error_code ec;
      json::value v = json::parse(e.data, ec);
      FUZZ_CHECK(!ec && v.is_object());
    }
    (void)acc.Feed(e).ok();
  }
  if (acc.complete()) (void)acc.Finish().ok();

  dialect::StreamTranslator same(from, from);
  std::vector<dialect::SseEvent> passed;
  for (const auto& e : events) (void)same.Feed(e, passed).ok();
  return 0;
}
