// Reading a client's request body as JSON: the one reader the API routes use, stricter than
// RFC 8259 where leniency would let the gateway and an upstream disagree on what was asked.
#pragma once

#include <boost/json/value.hpp>

#include <cstddef>
#include <string_view>

#include "common/result.h"

namespace isartor::dialect {

// Deepest nesting of arrays and objects a request may have (Boost.JSON's default). The reader
// keeps its own stack, so a deeper body is a clear error, never a deep recursion.
inline constexpr std::size_t kMaxRequestJsonDepth = 32;

// Parses `body`. Rejects (kInvalidArgument, the message says which rule and, for a duplicate,
// which key): text that is not one JSON value; invalid UTF-8 in strings; nesting deeper than
// kMaxRequestJsonDepth; a number outside the range of a double; and an object with the same
// key twice. Duplicates are refused rather than resolved because the body is forwarded to the
// upstream as sent: a gateway keying the cache on the last "messages" while the upstream
// answers the first would store one prompt's answer under another prompt's key.
// Comments and trailing commas are not accepted. Thread-safe (pure function).
Result<boost::json::value> ParseRequestJson(std::string_view body);

}  // namespace isartor::dialect
