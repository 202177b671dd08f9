#include "otel/otlp_exporter.h"

#include <gtest/gtest.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <mutex>

namespace isartor::otel {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;

SpanData MakeSpan() {
  SpanData s;
  s.trace_id = NewTraceId();
  s.span_id = NewSpanId();
  s.name = "span";
  return s;
}

// Answers every POST with `result` after `delay`, and records how many spans each body held.
class FakeTransport : public SpanTransport {
 public:
  FakeTransport(Status result, std::chrono::milliseconds delay, std::mutex* mu,
                std::vector<std::size_t>* batches)
      : result_(std::move(result)), delay_(delay), mu_(mu), batches_(batches) {}

  asio::awaitable<Status> Post(std::string body, std::chrono::milliseconds) override {
    auto spans = boost::json::parse(body).at("resourceSpans").at(0).at("scopeSpans").at(0).at(
        "spans");
    {
      std::lock_guard<std::mutex> lock(*mu_);
      batches_->push_back(spans.as_array().size());
    }
    asio::steady_timer timer(co_await asio::this_coro::executor, delay_);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    co_return result_;
  }

 private:
  Status result_;
  std::chrono::milliseconds delay_;
  std::mutex* mu_;
  std::vector<std::size_t>* batches_;
};

struct Harness {
  std::mutex mu;
  std::vector<std::size_t> batches;

  std::unique_ptr<OtlpExporter> Make(ExporterOptions options, Status result,
                                     std::chrono::milliseconds delay) {
    return std::make_unique<OtlpExporter>(
        options, std::make_unique<FakeTransport>(result, delay, &mu, &batches));
  }
  std::vector<std::size_t> Batches() {
    std::lock_guard<std::mutex> lock(mu);
    return batches;
  }
};

TEST(OtlpExporterTest, SendsFullBatchesAtOnceAndTheRestOnShutdown) {
  Harness h;
  ExporterOptions o;
  o.max_batch = 10;
  o.interval = 60s;  // only the count (and shutdown) may trigger a send
  o.poll = 5ms;
  auto exporter = h.Make(o, Status::Ok(), 0ms);
  for (int i = 0; i < 25; ++i) exporter->Submit(MakeSpan());
  auto until = std::chrono::steady_clock::now() + 5s;
  while (exporter->stats().exported < 20 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(exporter->stats().exported, 20u);
  exporter->Shutdown(2s);
  EXPECT_EQ(exporter->stats().exported, 25u);
  EXPECT_EQ(h.Batches(), (std::vector<std::size_t>{10, 10, 5}));
}

TEST(OtlpExporterTest, SendsAPartialBatchAfterTheInterval) {
  Harness h;
  ExporterOptions o;
  o.max_batch = 100;
  o.interval = 50ms;
  o.poll = 5ms;
  auto exporter = h.Make(o, Status::Ok(), 0ms);
  exporter->Submit(MakeSpan());
  auto until = std::chrono::steady_clock::now() + 5s;
  while (exporter->stats().exported < 1 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(exporter->stats().exported, 1u);
}

TEST(OtlpExporterTest, HangingCollectorFillsTheQueueAndSubmitStillNeverBlocks) {
  Harness h;
  ExporterOptions o;
  o.queue_capacity = 16;
  o.max_batch = 4;
  o.poll = 1ms;
  auto exporter = h.Make(o, Status::Ok(), 30s);  // the first POST hangs
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) exporter->Submit(MakeSpan());
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, 1s);
  ExporterStats s = exporter->stats();
  // At most one batch in flight plus a full queue were accepted; the rest were dropped.
  EXPECT_GE(s.dropped, 1000u - 16u - 4u);
  EXPECT_EQ(s.exported, 0u);
  auto shutdown_start = std::chrono::steady_clock::now();
  exporter->Shutdown(100ms);
  EXPECT_LT(std::chrono::steady_clock::now() - shutdown_start, 2s);
  EXPECT_EQ(exporter->stats().dropped + exporter->stats().exported, 1000u);
}

TEST(OtlpExporterTest, BlockedAndFailedExportsAreCountedSeparately) {
  Harness blocked_h;
  ExporterOptions o;
  o.interval = 0ms;
  o.poll = 2ms;
  auto blocked = blocked_h.Make(o, MakeError(ErrorCode::kBlocked, "offline"), 0ms);
  for (int i = 0; i < 3; ++i) blocked->Submit(MakeSpan());
  blocked->Shutdown(2s);
  EXPECT_EQ(blocked->stats().blocked, 3u);
  EXPECT_EQ(blocked->stats().failed, 0u);

  Harness failed_h;
  auto failed = failed_h.Make(o, MakeError(ErrorCode::kUnavailable, "refused"), 0ms);
  for (int i = 0; i < 2; ++i) failed->Submit(MakeSpan());
  failed->Shutdown(2s);
  EXPECT_EQ(failed->stats().failed, 2u);
  EXPECT_EQ(failed->stats().blocked, 0u);
}

TEST(OtlpExporterTest, SpansSubmittedAfterShutdownAreDropped) {
  Harness h;
  auto exporter = h.Make(ExporterOptions{}, Status::Ok(), 0ms);
  exporter->Shutdown(1s);
  exporter->Submit(MakeSpan());
  EXPECT_EQ(exporter->stats().dropped, 1u);
}

}  // namespace
}  // namespace isartor::otel
