// The limits every request is read with. One place, so the server and the fuzz target of the
// request head (fuzz/http_head_fuzzer.cpp) parse with the same rules.
#pragma once

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>

namespace isartor {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Request line plus header fields, in bytes. Beyond it the parser fails with
// http::error::header_limit and the server answers 431.
inline constexpr std::size_t kMaxRequestHeadBytes = 64 * 1024;

// Applies the head limit and `max_body_bytes` (ISARTOR__MAX_BODY_BYTES; beyond it
// http::error::body_limit, answered 413) to a fresh parser.
inline void ApplyRequestLimits(RequestParser& parser, std::size_t max_body_bytes) {
  parser.header_limit(kMaxRequestHeadBytes);
  parser.body_limit(max_body_bytes);
}

}  // namespace isartor
