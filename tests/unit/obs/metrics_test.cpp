#include "obs/metrics.h"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <thread>
#include <vector>

namespace isartor {
namespace {

// Every non-comment line of the exposition is `name{labels} value` in the text format 0.0.4.
void ExpectValidExposition(const std::string& text) {
  std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*",?)*\})? [-+0-9.eEInfa]+$)");
  std::istringstream in(text);
  std::string line;
  int samples = 0;
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) continue;
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
    ++samples;
  }
  EXPECT_GT(samples, 0);
}

TEST(MetricsTest, RequestsAreCountedByLayerAndStatus) {
  Metrics m;
  Metrics::LayerSeries* l1a = m.AddLayer("L1a_ExactCache");
  Metrics::LayerSeries* l3 = m.AddLayer("L3_Cloud");
  m.RecordRequest(l1a, EndpointFamily::kOpenAI, 200, 0.0001);
  m.RecordRequest(l1a, EndpointFamily::kOpenAI, 200, 0.0001);
  m.RecordRequest(l3, EndpointFamily::kAnthropic, 502, 0.2);
  std::string text = m.Render();
  EXPECT_NE(text.find("isartor_requests_total{final_layer=\"L1a_ExactCache\",status_code=\"200\","
                      "endpoint_family=\"openai\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("isartor_requests_total{final_layer=\"L3_Cloud\",status_code=\"502\","
                      "endpoint_family=\"anthropic\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("isartor_request_duration_seconds_bucket{final_layer=\"L3_Cloud\","
                      "endpoint_family=\"anthropic\",le=\"0.25\"} 1"),
            std::string::npos);
  ExpectValidExposition(text);
}

TEST(MetricsTest, ConcurrentRecordingLosesNothing) {
  Metrics m;
  Metrics::LayerSeries* l1a = m.AddLayer("L1a_ExactCache");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        m.RecordRequest(l1a, EndpointFamily::kOpenAI, 200, 0.001);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(m.RequestCount("L1a_ExactCache", 200), 40000u);
}

TEST(MetricsTest, GaugesAndBuildInfoRender) {
  Metrics m;
  m.AddGauge("isartor_cache_entries", "Entries.", "cache_layer=\"l1a\"", [] { return 42.0; });
  m.SetBuildInfo("version=\"1\"");
  std::string text = m.Render();
  EXPECT_NE(text.find("isartor_cache_entries{cache_layer=\"l1a\"} 42"), std::string::npos);
  EXPECT_NE(text.find("isartor_build_info{version=\"1\"} 1"), std::string::npos);
  ExpectValidExposition(text);
}

}  // namespace
}  // namespace isartor
