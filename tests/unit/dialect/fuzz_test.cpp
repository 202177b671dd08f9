// Random bytes and random cuts through the stream code, with the properties the libFuzzer
// targets (fuzz/sse_fuzzer.cpp, fuzz/stream_translator_fuzzer.cpp) check at length; these few
// hundred cases run in every ctest.
#include <random>

#include "dialect/stream_accumulator.h"
#include "dialect/stream_translator.h"
#include "streams.h"
#include "test_util.h"

namespace isartor::dialect {
namespace {

// Every event a translator emits carries a JSON object or OpenAI's terminal [DONE].
void ExpectTranslationsAreJson(const std::vector<SseEvent>& events) {
  for (Dialect from : {Dialect::kOpenAI, Dialect::kAnthropic}) {
    StreamTranslator tr(from, from == Dialect::kOpenAI ? Dialect::kAnthropic : Dialect::kOpenAI);
    std::vector<SseEvent> out;
    for (const auto& e : events) (void)tr.Feed(e, out).ok();
    for (const auto& e : out) {
      if (e.data == "[DONE]") continue;
      boost::system::error_code ec;
      boost::json::value v = boost::json::parse(e.data, ec);
      EXPECT_TRUE(!ec && v.is_object()) << e.data;
    }
  }
}

// A failed accumulator never completes; an incomplete one never yields a response.
void ExpectAccumulatorsStayConsistent(const std::vector<SseEvent>& events) {
  for (Dialect d : {Dialect::kOpenAI, Dialect::kAnthropic}) {
    StreamAccumulator acc(d);
    for (const auto& e : events) {
      (void)acc.Feed(e).ok();
      EXPECT_FALSE(acc.failed() && acc.complete());
    }
    if (!acc.complete()) EXPECT_FALSE(acc.Finish().ok());
  }
}

std::vector<SseEvent> ParseInPieces(std::string_view bytes, std::mt19937& rng, bool* ok) {
  SseParser parser(256);
  std::vector<SseEvent> events;
  *ok = true;
  for (std::size_t pos = 0; pos < bytes.size() && *ok;) {
    std::size_t n = 1 + rng() % 17;
    *ok = parser.Feed(bytes.substr(pos, n), events).ok();
    pos += n;
  }
  if (*ok) parser.Finish(events);
  return events;
}

TEST(FuzzTest, RandomBytesParseTheSameWhereverTheyAreCut) {
  std::mt19937 rng(12345);
  const std::string alphabet = "data: event:{}[]\",:\n\r\\ab0123DONE\x01\xC3\xFF";
  for (int round = 0; round < 300; ++round) {
    std::string bytes;
    int len = static_cast<int>(rng() % 400);
    for (int i = 0; i < len; ++i) {
      bytes += (rng() % 4 == 0) ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()];
    }
    SseParser whole(256);
    std::vector<SseEvent> expected;
    const bool whole_ok = whole.Feed(bytes, expected).ok();
    if (whole_ok) whole.Finish(expected);
    bool pieces_ok = false;
    std::vector<SseEvent> events = ParseInPieces(bytes, rng, &pieces_ok);
    ASSERT_EQ(whole_ok, pieces_ok) << round;
    if (whole_ok) ASSERT_EQ(events, expected) << round;
    ExpectAccumulatorsStayConsistent(events);
    ExpectTranslationsAreJson(events);
  }
}

TEST(FuzzTest, MutatedRealStreamsKeepTheStreamCodeConsistent) {
  std::mt19937 rng(777);
  for (std::string_view wire : {testing::kOpenAITextStream, testing::kOpenAIToolStream,
                                testing::kAnthropicToolStream}) {
    for (int round = 0; round < 200; ++round) {
      std::string bytes(wire);
      int flips = 1 + static_cast<int>(rng() % 6);
      for (int i = 0; i < flips; ++i) bytes[rng() % bytes.size()] = static_cast<char>(rng() % 128);
      bytes.resize(rng() % (bytes.size() + 1));  // and cut it somewhere
      SseParser parser;
      std::vector<SseEvent> events;
      ASSERT_TRUE(parser.Feed(bytes, events).ok());
      ExpectAccumulatorsStayConsistent(events);
      ExpectTranslationsAreJson(events);
    }
  }
}

TEST(FuzzTest, ValidJsonOfTheWrongShapeNeverCompletesAStream) {
  std::vector<SseEvent> events;
  for (std::string_view data :
       {"{}", "[]", "1", "null", R"({"choices":7})", R"({"choices":[1,null,{"delta":[]}]})",
        R"({"choices":[{"delta":{"tool_calls":[{"index":"x"},7,{"function":[]}]}}]})",
        R"({"type":"content_block_delta"})", R"({"type":"content_block_start","index":-5})",
        R"({"type":"message_delta","delta":7,"usage":"x"})",
        R"({"type":"message_start","message":[]})", R"({"type":"error","error":3})",
        R"({"usage":{"prompt_tokens":1e300,"completion_tokens":-1}})"}) {
    events.push_back({"", std::string(data)});
    events.push_back({"content_block_delta", std::string(data)});
  }
  // No terminal event among them: neither dialect may call this a complete answer.
  for (Dialect d : {Dialect::kOpenAI, Dialect::kAnthropic}) {
    StreamAccumulator acc(d);
    for (const auto& e : events) (void)acc.Feed(e).ok();
    EXPECT_FALSE(acc.complete());
    EXPECT_FALSE(acc.Finish().ok());
  }
  ExpectAccumulatorsStayConsistent(events);
  ExpectTranslationsAreJson(events);
}

}  // namespace
}  // namespace isartor::dialect
