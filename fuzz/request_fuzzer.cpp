// Client request bodies: the JSON reader the API handler uses, schema validation, the layers'
// view and the exact-cache key, for both dialects.
// Properties: parse errors are kInvalidArgument; a request that validates always has a view;
// the canonical key names its dialect and is a fixed point (the key of the key is the key;
// see HasLongDecimal for the one exception, a limit of Boost.JSON 1.81's number parser).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cctype>

#include "dialect/canonical.h"
#include "dialect/request_json.h"
#include "dialect/request_view.h"
#include "dialect/validate.h"
#include "fuzz_util.h"

namespace json = boost::json;
using namespace isartor;
using isartor::fuzz::Input;

namespace {

// Boost.JSON 1.81 reads long decimals (more than 15 significant digits, or beyond 1e22) up to
// one ULP off, so such a number can change in its last digit each time a key is parsed back.
// Those keys are still deterministic for the same bytes; the fixed point is checked for the
// rest (short decimals take the exact fast path).
bool HasLongDecimal(const json::value& v) {
  if (v.is_double()) {
    std::string text = json::serialize(v);
    int digits = 0;
    for (char c : text) digits += std::isdigit(static_cast<unsigned char>(c)) ? 1 : 0;
    return digits > 15 || text.find_first_of("eE") != std::string::npos;
  }
  if (v.is_array()) {
    for (const auto& e : v.get_array()) if (HasLongDecimal(e)) return true;
  }
  if (v.is_object()) {
    for (const auto& kv : v.get_object()) if (HasLongDecimal(kv.value())) return true;
  }
  return false;
}

}  // namespace

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
  if (!HasLongDecimal(again)) {
    FUZZ_CHECK(dialect::CanonicalRequest(d, again.as_object(), "resolved-model") == key);
  }
  return 0;
}
