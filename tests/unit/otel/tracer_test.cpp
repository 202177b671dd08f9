#include <gtest/gtest.h>

#include "collecting_sink.h"

#include <vector>

#include "otel/span.h"

namespace isartor::otel {
namespace {

constexpr const char* kClient = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TracerTest, RootContinuesTheClientsTrace) {
  CollectingSink sink;
  Tracer tracer(&sink);
  Span root = tracer.StartRoot("POST /v1/chat/completions", kClient);
  EXPECT_EQ(IdHex(root.context().trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_NE(IdHex(root.context().span_id), "00f067aa0ba902b7");
  root.End();
  ASSERT_EQ(sink.spans.size(), 1u);
  EXPECT_EQ(IdHex(sink.spans[0].parent_span_id), "00f067aa0ba902b7");
  EXPECT_EQ(sink.spans[0].kind, SpanKind::kServer);
  EXPECT_LE(sink.spans[0].start_unix_nano, sink.spans[0].end_unix_nano);
}

TEST(TracerTest, RootWithoutTraceparentStartsANewSampledTrace) {
  CollectingSink sink;
  Tracer tracer(&sink);
  { Span root = tracer.StartRoot("r", "not a traceparent"); }
  ASSERT_EQ(sink.spans.size(), 1u);
  EXPECT_EQ(IdHex(sink.spans[0].parent_span_id), std::string(16, '0'));
}

TEST(TracerTest, ChildSharesTheTraceAndPointsAtItsParent) {
  CollectingSink sink;
  Tracer tracer(&sink);
  Span root = tracer.StartRoot("r", "");
  Span child = tracer.StartChild("L1a_ExactCache", root.context());
  child.SetAttribute("isartor.hit", false);
  child.End();
  root.End();
  ASSERT_EQ(sink.spans.size(), 2u);
  EXPECT_EQ(sink.spans[0].trace_id, sink.spans[1].trace_id);
  EXPECT_EQ(sink.spans[0].parent_span_id, sink.spans[1].span_id);
  ASSERT_EQ(sink.spans[0].attributes.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<bool>(sink.spans[0].attributes[0].value));
}

TEST(TracerTest, UnsampledParentPropagatesButRecordsNothing) {
  CollectingSink sink;
  Tracer tracer(&sink);
  Span root =
      tracer.StartRoot("r", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  Span child = tracer.StartChild("c", root.context());
  EXPECT_TRUE(child.context().valid());
  EXPECT_FALSE(child.recording());
  child.End();
  root.End();
  EXPECT_TRUE(sink.spans.empty());
}

TEST(TracerTest, EndIsIdempotentAndMovedFromSpansSubmitNothing) {
  CollectingSink sink;
  Tracer tracer(&sink);
  Span a = tracer.StartRoot("r", "");
  Span b = std::move(a);
  b.End();
  b.End();
  EXPECT_EQ(sink.spans.size(), 1u);
}

TEST(TracerTest, TracerWithoutSinkNeverRecords) {
  Tracer tracer(nullptr);
  Span root = tracer.StartRoot("r", kClient);
  EXPECT_TRUE(root.context().valid());
  EXPECT_FALSE(root.recording());
}

}  // namespace
}  // namespace isartor::otel
