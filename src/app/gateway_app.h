// Builds the gateway from a Config (metrics, egress guard, layers, chain, observers, HTTP
// server) and serves until SIGTERM/SIGINT or Stop(), then drains. The only place that wires
// components together.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>
#include <vector>

#include "app/layer_registry.h"
#include "common/result.h"
#include "config/config.h"
#include "core/chain.h"

namespace isartor {

namespace otel {
class SpanSink;
}  // namespace otel

struct GatewayOptions {
  // The layers, in chain order (DefaultLayers() for the product).
  std::vector<LayerRegistration> layers = DefaultLayers();
  // Where finished spans go instead of the OTLP exporter (tests); borrowed, outlives the
  // gateway. Null: the exporter configured by ENABLE_MONITORING, if any.
  otel::SpanSink* span_sink = nullptr;
  // Run() drains on SIGTERM/SIGINT and reloads the listener certificate on SIGHUP.
  bool handle_signals = true;
};

class Gateway {
 public:
  // Validates `config`, builds every component and binds the listener (port 0 picks one).
  // Errors, each with a message for the operator: kInvalidArgument (bad or unsafe settings, a
  // layer that cannot be built), kUnavailable (the address cannot be bound), and what loading
  // TLS material or the audit log reports.
  static Result<std::unique_ptr<Gateway>> Create(const Config& config, GatewayOptions options);
  ~Gateway();

  // The offline-mode box: one line per layer (LayerInfo::title and State()), telemetry, license.
  std::string OfflineBanner() const;
  const Chain& chain() const;
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  // Serves on the configured threads until a signal or Stop(), drains in-flight requests
  // (ISARTOR__DRAIN_TIMEOUT_SECS), then flushes traces and seals the audit log. Call once.
  // Returns the process exit code (0 after a clean drain).
  int Run();
  // Begins the drain from any thread; Run() returns when it is done.
  void Stop();

  struct Parts;  // the components, in construction order (gateway_app.cpp)

 private:
  explicit Gateway(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// Serves until a signal; returns the process exit code (0 after a clean drain).
int RunGateway(const Config& config);

}  // namespace isartor
