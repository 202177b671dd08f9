#include "obs/json_line.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace isartor {
namespace {

TEST(JsonLineTest, EscapedStringsRoundTripThroughAJsonParser) {
  std::string tricky = "quote \" backslash \\ newline \n tab \t bell \x07 unicode \xc3\xa9 \xe2\x9c\x93";
  JsonLine line;
  line.Str("s", tricky).Int("i", -42).Num("n", 1.5).Bool("b", true).Str("empty", "");
  auto parsed = boost::json::parse(line.Finish()).as_object();
  EXPECT_EQ(parsed["s"].as_string(), tricky);
  EXPECT_EQ(parsed["i"].as_int64(), -42);
  EXPECT_DOUBLE_EQ(parsed["n"].as_double(), 1.5);
  EXPECT_TRUE(parsed["b"].as_bool());
  EXPECT_EQ(parsed["empty"].as_string(), "");
}

TEST(JsonLineTest, AppendToEndsTheLine) {
  std::string out;
  JsonLine().Str("a", "b").AppendTo(out);
  EXPECT_EQ(out, "{\"a\":\"b\"}\n");
}

}  // namespace
}  // namespace isartor
