// Request, response and error-body translation between the dialects, and the replay of a
// stored answer as a stream. Properties: a request that validates in its dialect and
// translates gives a request that validates in the other; translated bodies serialise; a
// replayed answer is a complete stream for the accumulator of its dialect.
#include <boost/json/serialize.hpp>

#include "dialect/error_body.h"
#include "dialect/json_util.h"
#include "dialect/replay.h"
#include "dialect/stream_accumulator.h"
#include "dialect/translate_request.h"
#include "dialect/translate_response.h"
#include "dialect/validate.h"
#include "fuzz_util.h"

namespace json = boost::json;
using namespace isartor;
using isartor::fuzz::Input;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  const dialect::Dialect d = in.PickDialect();
  const std::string_view text = in.Rest();
  (void)dialect::TranslateErrorBody(d, fuzz::Other(d), text);
  (void)dialect::TranslateErrorBody(d, d, text);

  auto obj = dialect::internal::ParseObject(text, "fuzz input");
  if (!obj.ok()) return 0;
  const bool valid = dialect::ValidateRequest(d, *obj).ok();
  auto translated = d == dialect::Dialect::kAnthropic
                        ? dialect::AnthropicRequestToOpenAI(*obj)
                        : dialect::OpenAIRequestToAnthropic(*obj, 1024);
  if (translated.ok()) {
    (void)json::serialize(*translated);
    if (valid) FUZZ_CHECK(dialect::ValidateRequest(fuzz::Other(d), *translated).ok());
  }

  if (auto r = dialect::OpenAIResponseToAnthropic(*obj); r.ok()) (void)json::serialize(*r);
  if (auto r = dialect::AnthropicResponseToOpenAI(*obj, 1700000000); r.ok()) {
    (void)json::serialize(*r);
  }

  dialect::StreamAccumulator acc(d);
  for (const auto& e : dialect::ResponseToSse(d, *obj)) (void)acc.Feed(e).ok();
  FUZZ_CHECK(acc.complete());
  (void)acc.Finish().ok();
  return 0;
}
