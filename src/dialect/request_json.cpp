#include "dialect/request_json.h"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>
#include <boost/json/parse.hpp>

#include <cmath>
#include <string>
#include <unordered_set>
#include <vector>

namespace isartor::dialect {

namespace json = boost::json;
using boost::system::error_code;

namespace {

// SAX handler of the first pass: builds nothing, remembers the keys of each open object.
class DuplicateKeyCheck {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_array_begin(error_code&) { return true; }
  bool on_array_end(std::size_t, error_code&) { return true; }
  bool on_object_begin(error_code&) {
    // Keys belong to the innermost open object, whatever arrays lie between: a stack of
    // objects is enough. Sets are reused across objects at the same depth.
    if (keys_.size() <= open_) keys_.emplace_back();
    keys_[open_++].clear();
    return true;
  }
  bool on_object_end(std::size_t, error_code&) {
    --open_;
    return true;
  }
  bool on_string_part(json::string_view, std::size_t, error_code&) { return true; }
  bool on_string(json::string_view, std::size_t, error_code&) { return true; }
  bool on_key_part(json::string_view s, std::size_t, error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, error_code& ec) {
    key_.append(s.data(), s.size());
    if (!keys_[open_ - 1].insert(key_).second) {
      duplicate_ = std::move(key_);
      key_.clear();
      ec = json::error::syntax;  // stops the parser; duplicate() tells the caller why
      return false;
    }
    key_.clear();
    return true;
  }
  bool on_number_part(json::string_view, error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, error_code&) { return true; }
  bool on_uint64(std::uint64_t, json::string_view, error_code&) { return true; }
  bool on_double(double d, json::string_view, error_code& ec) {
    // Boost.JSON reads 1e400 as infinity; no request field means that, and it would be
    // forwarded as written while the layers saw inf.
    if (std::isfinite(d)) return true;
    out_of_range_ = true;
    ec = json::error::exponent_overflow;
    return false;
  }
  bool on_bool(bool, error_code&) { return true; }
  bool on_null(error_code&) { return true; }
  bool on_comment_part(json::string_view, error_code&) { return true; }
  bool on_comment(json::string_view, error_code&) { return true; }

  const std::string& duplicate() const { return duplicate_; }
  bool out_of_range() const { return out_of_range_; }

 private:
  std::vector<std::unordered_set<std::string>> keys_;
  std::size_t open_ = 0;
  std::string key_;
  std::string duplicate_;
  bool out_of_range_ = false;
};

std::string Describe(const error_code& ec) {
  if (ec == json::error::too_deep) {
    return "nested deeper than " + std::to_string(kMaxRequestJsonDepth) + " levels";
  }
  if (ec == json::error::exponent_overflow) return "a number is out of range";
  return ec.message();
}

}  // namespace

Result<json::value> ParseRequestJson(std::string_view body) {
  json::parse_options options;
  options.max_depth = kMaxRequestJsonDepth;
  {
    json::basic_parser<DuplicateKeyCheck> check(options);
    error_code ec;
    check.write_some(false, body.data(), body.size(), ec);
    if (ec) {
      const std::string& dup = check.handler().duplicate();
      if (!dup.empty()) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "duplicate key \"" + dup + "\" in an object");
      }
      if (check.handler().out_of_range()) {
        return MakeError(ErrorCode::kInvalidArgument, "a number is out of range");
      }
      return MakeError(ErrorCode::kInvalidArgument, Describe(ec));
    }
  }
  error_code ec;
  json::value value = json::parse(body, ec, {}, options);
  if (ec) return MakeError(ErrorCode::kInvalidArgument, Describe(ec));
  return value;
}

}  // namespace isartor::dialect
