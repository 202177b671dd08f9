// Random bytes and random cuts must never crash the parser, accumulator or translator.
#include <random>

#include "dialect/stream_accumulator.h"
#include "dialect/stream_translator.h"
#include "streams.h"
#include "test_util.h"

namespace isartor::dialect {
namespace {

void FeedEverywhere(const std::vector<SseEvent>& events) {
  for (Dialect from : {Dialect::kOpenAI, Dialect::kAnthropic}) {
    StreamAccumulator acc(from);
    StreamTranslator tr(from, from == Dialect::kOpenAI ? Dialect::kAnthropic : Dialect::kOpenAI);
    std::vector<SseEvent> out;
    for (const auto& e : events) {
      (void)acc.Feed(e).ok();
      (void)tr.Feed(e, out).ok();
    }
    if (acc.complete()) (void)acc.Finish().ok();
  }
}

TEST(FuzzTest, RandomBytesNeverCrashTheStreamCode) {
  std::mt19937 rng(12345);
  const std::string alphabet = "data: event:{}[]\",:\n\r\\ab0123DONE\x01\xC3\xFF";
  for (int round = 0; round < 300; ++round) {
    std::string bytes;
    int len = static_cast<int>(rng() % 400);
    for (int i = 0; i < len; ++i) {
      bytes += (rng() % 4 == 0) ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()];
    }
    SseParser parser(256);
    std::vector<SseEvent> events;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
      std::size_t n = 1 + rng() % 17;
      (void)parser.Feed(std::string_view(bytes).substr(pos, n), events).ok();
      pos += n;
    }
    parser.Finish(events);
    FeedEverywhere(events);
  }
}

TEST(FuzzTest, MutatedRealStreamsNeverCrashTheStreamCode) {
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
      FeedEverywhere(events);
    }
  }
}

TEST(FuzzTest, ValidJsonOfTheWrongShapeNeverCrashesTheStreamCode) {
  std::vector<SseEvent> events;
  for (std::string_view data :
       {"{}", "[]", "1", "null", R"({"choices":7})", R"({"choices":[1,null,{"delta":[]}]})",
        R"({"choices":[{"delta":{"tool_calls":[{"index":"x"},7,{"function":[]}]}}]})",
        R"({"type":"content_block_delta"})", R"({"type":"content_block_start","index":-5})",
        R"({"type":"message_delta","delta":7,"usage":"x"})",
        R"({"type":"message_start","message":[]})", R"({"type":"error","error":3})",
        R"({"usage":{"prompt_tokens":1e300,"completion_tokens":-1}})", "[DONE]"}) {
    events.push_back({"", std::string(data)});
    events.push_back({"content_block_delta", std::string(data)});
  }
  FeedEverywhere(events);
  SUCCEED();
}

}  // namespace
}  // namespace isartor::dialect
