#include "otel/otlp_exporter.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "obs/log.h"

namespace isartor::otel {
namespace asio = boost::asio;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

namespace {

std::string TracesTarget(const std::string& base_path) {
  const std::string suffix = "/v1/traces";
  if (base_path.size() >= suffix.size() &&
      base_path.compare(base_path.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return base_path;
  }
  return base_path + suffix;
}

}  // namespace

OtlpHttpTransport::OtlpHttpTransport(EgressGuard* guard, asio::ssl::context* tls,
                                     Endpoint endpoint)
    : client_(guard, tls, EgressPurpose::kTelemetry),
      endpoint_(std::move(endpoint)),
      target_(TracesTarget(endpoint_.base_path)) {}

asio::awaitable<Status> OtlpHttpTransport::Post(std::string body, milliseconds timeout) {
  OutboundRequest request;
  request.method = "POST";
  request.target = target_;
  request.headers = {{"content-type", "application/json"},
                     {"user-agent", "isartor/" ISARTOR_VERSION}};
  request.body = std::move(body);
  auto response = co_await client_.Send(endpoint_, request, timeout, timeout);
  if (!response.ok()) co_return response.error();
  int status = (*response)->status();
  // Read the (small) answer so the connection can be reused for the next batch.
  auto rest = co_await (*response)->ReadAll(timeout, 64 * 1024);
  response->reset();
  if (status < 200 || status > 299) {
    co_return MakeError(ErrorCode::kUpstreamError, "collector answered " + std::to_string(status));
  }
  if (!rest.ok()) co_return rest.error();
  co_return Status::Ok();
}

OtlpExporter::OtlpExporter(ExporterOptions options, std::unique_ptr<SpanTransport> transport)
    : options_(std::move(options)),
      queue_(options_.queue_capacity),
      ioc_(1),
      transport_(std::move(transport)) {
  asio::co_spawn(ioc_, Run(), asio::detached);
  thread_ = std::thread([this] { ioc_.run(); });
}

OtlpExporter::~OtlpExporter() { Shutdown(milliseconds(0)); }

void OtlpExporter::Submit(SpanData&& span) {
  if (stopping_.load(std::memory_order_relaxed) || !queue_.TryPush(std::move(span))) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
  }
}

ExporterStats OtlpExporter::stats() const {
  return {exported_.load(std::memory_order_relaxed), dropped_.load(std::memory_order_relaxed),
          failed_.load(std::memory_order_relaxed), blocked_.load(std::memory_order_relaxed)};
}

void OtlpExporter::Shutdown(milliseconds deadline) {
  if (shut_down_) return;
  shut_down_ = true;
  auto until = SteadyClock::now() + deadline;
  stop_deadline_ns_.store(until.time_since_epoch().count(), std::memory_order_relaxed);
  stopping_.store(true, std::memory_order_release);
  bool finished = done_.get_future().wait_until(until) == std::future_status::ready;
  if (!finished) {
    // A POST is still hanging past the deadline. Stop the loop where it is; its suspended frame
    // still refers to the transport, so the transport is deliberately leaked rather than
    // destroyed under it (this happens once, at exit).
    ioc_.stop();
    Diag(LogLevel::kWarn, "trace export: shutdown deadline passed with an export in flight");
  }
  thread_.join();
  if (!finished) (void)transport_.release();
  SpanData rest;
  uint64_t unsent = in_flight_.load(std::memory_order_relaxed);  // the abandoned POST's spans
  while (queue_.TryPop(rest)) ++unsent;
  dropped_.fetch_add(unsent, std::memory_order_relaxed);
}

milliseconds OtlpExporter::TimeoutNow() const {
  if (!stopping_.load(std::memory_order_acquire)) return options_.timeout;
  SteadyClock::time_point until{SteadyClock::duration(stop_deadline_ns_.load())};
  auto left = std::chrono::duration_cast<milliseconds>(until - SteadyClock::now());
  return std::clamp(left, milliseconds(1), options_.timeout);
}

asio::awaitable<void> OtlpExporter::Run() {
  asio::steady_timer timer(ioc_);
  std::vector<SpanData> batch;
  batch.reserve(options_.max_batch);
  auto last_send = SteadyClock::now();
  for (;;) {
    bool stopping = stopping_.load(std::memory_order_acquire);
    SpanData span;
    while (batch.size() < options_.max_batch && queue_.TryPop(span)) batch.push_back(std::move(span));
    auto now = SteadyClock::now();
    if (stopping && now.time_since_epoch().count() >= stop_deadline_ns_.load()) break;
    bool due = batch.size() >= options_.max_batch || now - last_send >= options_.interval;
    if (!batch.empty() && (due || stopping)) {
      co_await Export(batch);
      last_send = SteadyClock::now();
      continue;  // more may be waiting
    }
    if (stopping) break;  // queue drained
    timer.expires_after(options_.poll);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  dropped_.fetch_add(batch.size(), std::memory_order_relaxed);
  done_.set_value();
}

asio::awaitable<void> OtlpExporter::Export(std::vector<SpanData>& batch) {
  std::string body = EncodeExportTraceRequest(batch, options_.resource);
  uint64_t n = batch.size();
  batch.clear();
  in_flight_.store(n, std::memory_order_relaxed);
  Status s = co_await transport_->Post(std::move(body), TimeoutNow());
  in_flight_.store(0, std::memory_order_relaxed);
  if (s.ok()) {
    exported_.fetch_add(n, std::memory_order_relaxed);
    co_return;
  }
  bool first = failed_.load() + blocked_.load() == 0;
  if (s.error().code == ErrorCode::kBlocked) {
    blocked_.fetch_add(n, std::memory_order_relaxed);
  } else {
    failed_.fetch_add(n, std::memory_order_relaxed);
  }
  // One line for the first problem: a dead collector must not flood the log.
  if (first) {
    Diag(LogLevel::kWarn, "trace export failed (further failures are only counted in "
                          "isartor_trace_spans_total): " + s.error().message);
  }
}

}  // namespace isartor::otel
