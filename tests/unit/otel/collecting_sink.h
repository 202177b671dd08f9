// A SpanSink that keeps every finished span, for tests that inspect what was traced.
#pragma once

#include <utility>
#include <vector>

#include "otel/span.h"

namespace isartor::otel {

class CollectingSink : public SpanSink {
 public:
  void Submit(SpanData&& span) override { spans.push_back(std::move(span)); }
  std::vector<SpanData> spans;
};

}  // namespace isartor::otel
