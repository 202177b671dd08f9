// Helpers shared by the dialect tests.
#pragma once

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "dialect/sse.h"

// Readable gtest failure output for JSON values.
namespace boost::json {
inline void PrintTo(const value& v, std::ostream* os) { *os << serialize(v); }
inline void PrintTo(const object& o, std::ostream* os) { *os << serialize(o); }
inline void PrintTo(const array& a, std::ostream* os) { *os << serialize(a); }
}  // namespace boost::json

namespace isartor::dialect::testing {

inline boost::json::object Obj(std::string_view text) {
  boost::json::value v = boost::json::parse(text);
  return v.as_object();
}

inline std::vector<SseEvent> ParseAll(std::string_view bytes) {
  SseParser parser;
  std::vector<SseEvent> out;
  EXPECT_TRUE(parser.Feed(bytes, out).ok());
  return out;
}

// Concatenated wire bytes of a stream.
inline std::string Wire(const std::vector<SseEvent>& events) {
  std::string s;
  for (const auto& e : events) s += FormatSse(e);
  return s;
}

}  // namespace isartor::dialect::testing
