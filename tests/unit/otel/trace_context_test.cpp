#include "otel/trace_context.h"

#include <gtest/gtest.h>

namespace isartor::otel {
namespace {

constexpr const char* kExample = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceparentTest, ParsesTheSpecExample) {
  auto ctx = ParseTraceparent(kExample);
  ASSERT_TRUE(ctx.has_value());
  EXPECT_EQ(IdHex(ctx->trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(IdHex(ctx->span_id), "00f067aa0ba902b7");
  EXPECT_TRUE(ctx->sampled());
}

TEST(TraceparentTest, FormatIsTheInverseOfParse) {
  auto ctx = ParseTraceparent(kExample);
  ASSERT_TRUE(ctx.has_value());
  EXPECT_EQ(FormatTraceparent(*ctx), kExample);
  ctx->flags = 0;
  EXPECT_EQ(FormatTraceparent(*ctx), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
}

TEST(TraceparentTest, UnsampledFlagIsKept) {
  auto ctx = ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  ASSERT_TRUE(ctx.has_value());
  EXPECT_FALSE(ctx->sampled());
}

TEST(TraceparentTest, RejectsWhatTheSpecSaysToIgnore) {
  const char* bad[] = {
      "",
      "garbage",
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // uppercase
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // zero trace id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // zero parent id
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // forbidden version
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // v00 with more data
      "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",  // separators
      "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",  // misplaced dash
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",  // non-hex flags
  };
  for (const char* header : bad) EXPECT_FALSE(ParseTraceparent(header).has_value()) << header;
}

TEST(TraceparentTest, AcceptsAHigherVersionWithExtraFields) {
  auto ctx = ParseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra");
  ASSERT_TRUE(ctx.has_value());
  EXPECT_EQ(IdHex(ctx->span_id), "00f067aa0ba902b7");
}

TEST(TraceparentTest, NewIdsAreNonZeroAndDistinct) {
  TraceId a = NewTraceId();
  TraceId b = NewTraceId();
  EXPECT_NE(a, b);
  EXPECT_NE(IdHex(a), std::string(32, '0'));
  EXPECT_NE(NewSpanId(), NewSpanId());
}

}  // namespace
}  // namespace isartor::otel
