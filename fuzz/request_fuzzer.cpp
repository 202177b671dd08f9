// Client request bodies: the JSON reader the API handler uses, schema validation, the layers'
// view and the exact-cache key, for both dialects.
// Properties: parse errors are kInvalidArgument; a request that validates always has a view;
// the canonical key names its dialect and is a fixed point (the key of the key is the key).
#include <boost/json/parse.hpp>

#include "dialect/canonical.h"
#include "dialect/request_json.h"
#include "dialect/request_view.h"
#include "dialect/validate.h"
#include "fuzz_util.h"

namespace json = boost::json;
using namespace isartor;
using isartor::fuzz::Input;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  const dialect::Dialect d = in.PickDialect();
  auto parsed = dialect::ParseRequestJson(in.Rest());
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.error().code == ErrorCode::kInvalidArgument);
    FUZZ_CHECK(!parsed.error().message.empty());
    return 0;
  }
  (void)dialect::ValidateRequest(d, *parsed, /*model_required=*/true).ok();
  if (!dialect::ValidateRequest(d, *parsed).ok()) {
    if (parsed->is_object()) (void)dialect::ViewRequest(d, parsed->as_object()).ok();
    return 0;
  }
  const json::object& body = parsed->as_object();
  auto view = dialect::ViewRequest(d, body);
  FUZZ_CHECK(view.ok());
  FUZZ_CHECK(view->dialect == d);

  const std::string key = dialect::CanonicalRequest(d, body, "resolved-model");
  const std::string prefix = std::string(dialect::DialectName(d)) + ":";
  FUZZ_CHECK(key.compare(0, prefix.size(), prefix) == 0);
  boost::system::error_code ec;
  json::value again = json::parse(std::string_view(key).substr(prefix.size()), ec);
  FUZZ_CHECK(!ec && again.is_object());
  FUZZ_CHECK(dialect::CanonicalRequest(d, again.as_object(), "resolved-model") == key);
  return 0;
}
