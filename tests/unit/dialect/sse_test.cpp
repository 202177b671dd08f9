#include "dialect/sse.h"

#include "test_util.h"

namespace isartor::dialect {
namespace {

using testing::ParseAll;

TEST(SseParserTest, ParsesOpenAIDataOnlyEvents) {
  auto ev = ParseAll("data: {\"a\":1}\n\ndata: [DONE]\n\n");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].event, "");
  EXPECT_EQ(ev[0].data, "{\"a\":1}");
  EXPECT_EQ(ev[1].data, "[DONE]");
}

TEST(SseParserTest, ParsesAnthropicNamedEvents) {
  auto ev = ParseAll("event: ping\ndata: {\"type\":\"ping\"}\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].event, "ping");
  EXPECT_EQ(ev[0].data, "{\"type\":\"ping\"}");
}

TEST(SseParserTest, HandlesCrLfAndBareCrLineEndings) {
  auto ev = ParseAll("event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\r");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0], (SseEvent{"a", "1"}));
  EXPECT_EQ(ev[1], (SseEvent{"b", "2"}));
}

TEST(SseParserTest, JoinsMultiLineDataWithNewlines) {
  auto ev = ParseAll("data: line1\ndata: line2\ndata:line3\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "line1\nline2\nline3");
}

TEST(SseParserTest, IgnoresCommentsIdRetryAndUnknownFields) {
  auto ev = ParseAll(": keep-alive\nid: 7\nretry: 100\nfoo: bar\ndata: x\n\n: another\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0], (SseEvent{"", "x"}));
}

TEST(SseParserTest, EventWithoutDataDispatchesNothing) {
  auto ev = ParseAll("event: ping\n\n\n\n");
  EXPECT_TRUE(ev.empty());
}

TEST(SseParserTest, StripsOnlyOneLeadingSpaceOfTheValue) {
  auto ev = ParseAll("data:   two spaces kept\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "  two spaces kept");
}

TEST(SseParserTest, SkipsALeadingByteOrderMark) {
  auto ev = ParseAll("\xEF\xBB\xBF" "data: x\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "x");
}

TEST(SseParserTest, ByteByByteInputGivesTheSameEventsAsOneChunk) {
  std::string wire =
      "\xEF\xBB\xBF" "event: message_start\r\ndata: {\"x\":\"h\xC3\xA9llo\"}\r\n\r\n"
      ": comment\n\ndata: a\ndata: b\n\nevent: message_stop\rdata: {}\r\r";
  auto whole = ParseAll(wire);
  SseParser parser;
  std::vector<SseEvent> pieces;
  for (char c : wire) ASSERT_TRUE(parser.Feed(std::string_view(&c, 1), pieces).ok());
  EXPECT_EQ(pieces, whole);
  ASSERT_EQ(whole.size(), 3u);
  EXPECT_EQ(whole[2].event, "message_stop");
}

TEST(SseParserTest, CrAtTheEndOfAChunkFollowedByLfInTheNextIsOneLineEnd) {
  SseParser parser;
  std::vector<SseEvent> out;
  ASSERT_TRUE(parser.Feed("data: a\r", out).ok());
  ASSERT_TRUE(parser.Feed("\n\r", out).ok());
  ASSERT_TRUE(parser.Feed("\n", out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "a");
}

TEST(SseParserTest, FinishDispatchesAnEventMissingItsBlankLine) {
  SseParser parser;
  std::vector<SseEvent> out;
  ASSERT_TRUE(parser.Feed("data: [DONE]", out).ok());
  EXPECT_TRUE(out.empty());
  parser.Finish(out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "[DONE]");
}

TEST(SseParserTest, OversizedEventIsAnErrorAndPoisonsTheParser) {
  SseParser parser(16);
  std::vector<SseEvent> out;
  Status s = parser.Feed("data: 0123456789abcdefghij\n\n", out);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(parser.Feed("data: x\n\n", out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(FormatSseTest, OpenAIEventHasNoEventLine) {
  EXPECT_EQ(FormatSse({"", "{\"a\":1}"}), "data: {\"a\":1}\n\n");
}

TEST(FormatSseTest, AnthropicEventHasAnEventLine) {
  EXPECT_EQ(FormatSse({"ping", "{}"}), "event: ping\ndata: {}\n\n");
}

TEST(FormatSseTest, MultiLineDataRoundTripsThroughTheParser) {
  SseEvent e{"x", "a\nb\n\nc"};
  auto ev = ParseAll(FormatSse(e));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0], e);
}

TEST(IsTerminalTest, RecognisesDoneAndMessageStop) {
  EXPECT_TRUE(IsTerminal(Dialect::kOpenAI, {"", "[DONE]"}));
  EXPECT_TRUE(IsTerminal(Dialect::kOpenAI, {"", " [DONE] "}));
  EXPECT_FALSE(IsTerminal(Dialect::kOpenAI, {"", "{\"choices\":[]}"}));
  EXPECT_TRUE(IsTerminal(Dialect::kAnthropic, {"message_stop", "{\"type\":\"message_stop\"}"}));
  EXPECT_TRUE(IsTerminal(Dialect::kAnthropic, {"", "{\"type\":\"message_stop\"}"}));
  EXPECT_FALSE(IsTerminal(Dialect::kAnthropic, {"message_delta", "{}"}));
  EXPECT_FALSE(IsTerminal(Dialect::kAnthropic, {"", "not json"}));
}

}  // namespace
}  // namespace isartor::dialect
