// Ships finished spans to an OTLP/HTTP collector off the request path.
//
// Submit() (the request path) moves a span into a bounded lock-free queue and returns; when the
// queue is full the span is dropped and counted. The exporter's own thread runs its own
// io_context: it drains the queue into batches (sent when `max_batch` spans are waiting or
// `interval` passed since the last send) and POSTs each batch through a SpanTransport, one at a
// time. A slow, hanging or dead collector therefore only fills the queue; requests never wait.
// Counted outcomes (per span): exported, dropped (queue full, or unsent at shutdown), failed
// (transport or HTTP error; not retried), blocked (the egress guard refused the destination).
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "net/egress_guard.h"
#include "net/endpoint.h"
#include "otel/bounded_queue.h"
#include "otel/otlp_json.h"
#include "otel/span.h"
#include "upstream/http_client.h"

namespace isartor::otel {

// Delivers one encoded ExportTraceServiceRequest. Used only on the exporter's thread.
class SpanTransport {
 public:
  virtual ~SpanTransport() = default;
  // Ok on a 2xx answer. Errors: kBlocked (egress guard refused), kDeadlineExceeded (no answer
  // within `timeout`), kUnavailable / kUpstreamError (connection failed, non-2xx status).
  virtual boost::asio::awaitable<Status> Post(std::string body,
                                              std::chrono::milliseconds timeout) = 0;
};

// POST <endpoint>/v1/traces (Content-Type: application/json) through an HttpClient that opens
// connections only via the EgressGuard, for EgressPurpose::kTelemetry. An endpoint whose path
// already ends in /v1/traces is used as is.
class OtlpHttpTransport : public SpanTransport {
 public:
  // `guard` and `tls` are borrowed and must outlive the transport.
  OtlpHttpTransport(EgressGuard* guard, boost::asio::ssl::context* tls, Endpoint endpoint);
  boost::asio::awaitable<Status> Post(std::string body,
                                      std::chrono::milliseconds timeout) override;
  const std::string& target() const { return target_; }

 private:
  HttpClient client_;
  Endpoint endpoint_;
  std::string target_;
};

struct ExporterOptions {
  std::size_t queue_capacity = 2048;           // spans waiting; rounded up to a power of two
  std::size_t max_batch = 256;                 // spans per POST
  std::chrono::milliseconds interval{1000};    // longest a queued span waits for a batch
  std::chrono::milliseconds poll{50};          // how often the thread looks at the queue
  std::chrono::milliseconds timeout{5000};     // per POST
  ResourceInfo resource;
};

struct ExporterStats {
  uint64_t exported = 0;
  uint64_t dropped = 0;
  uint64_t failed = 0;
  uint64_t blocked = 0;
};

class OtlpExporter : public SpanSink {
 public:
  // Starts the export thread. The transport is owned and used only on that thread.
  OtlpExporter(ExporterOptions options, std::unique_ptr<SpanTransport> transport);
  // Shutdown(0) if not already shut down.
  ~OtlpExporter() override;
  OtlpExporter(const OtlpExporter&) = delete;
  OtlpExporter& operator=(const OtlpExporter&) = delete;

  // Never blocks, never allocates beyond moving the span: full queue = dropped + 1.
  // Thread-safe. After Shutdown() spans are dropped.
  void Submit(SpanData&& span) override;

  // Sends what is queued, spending at most `deadline` (each POST's timeout is cut to what is
  // left), then stops the thread. Spans still unsent count as dropped. Idempotent; call from
  // one thread (the one that owns the exporter).
  void Shutdown(std::chrono::milliseconds deadline);

  // Thread-safe snapshot of the counters.
  ExporterStats stats() const;

 private:
  boost::asio::awaitable<void> Run();
  boost::asio::awaitable<void> Export(std::vector<SpanData>& batch);
  std::chrono::milliseconds TimeoutNow() const;

  const ExporterOptions options_;
  BoundedQueue<SpanData> queue_;
  std::atomic<uint64_t> exported_{0}, dropped_{0}, failed_{0}, blocked_{0};
  std::atomic<uint64_t> in_flight_{0};  // spans of the POST being sent
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> stop_deadline_ns_{0};  // steady_clock, valid once stopping_
  bool shut_down_ = false;
  std::promise<void> done_;
  // Declared before the transport: the transport's sockets belong to this io_context, so the
  // transport is destroyed first.
  boost::asio::io_context ioc_;
  std::unique_ptr<SpanTransport> transport_;
  std::thread thread_;
};

}  // namespace isartor::otel
