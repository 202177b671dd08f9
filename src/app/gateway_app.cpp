#include "app/gateway_app.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <thread>
#include <vector>

#include "core/chain.h"
#include "core/disabled_layer.h"
#include "http/api_handler.h"
#include "http/server.h"
#include "layers/l1a_exact/exact_cache_layer.h"
#include "layers/l3_upstream/upstream_layer.h"
#include "net/egress_guard.h"
#include "obs/log.h"
#include "obs/metrics.h"
#include "upstream/http_client.h"

namespace isartor {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

Result<tcp::endpoint> ParseListen(const std::string& host_port) {
  auto colon = host_port.rfind(':');
  if (colon == std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "ISARTOR__HOST_PORT: expected host:port");
  }
  std::string host = host_port.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) return MakeError(ErrorCode::kInvalidArgument,
                           "ISARTOR__HOST_PORT: '" + host + "' is not an IP address");
  int port = std::atoi(host_port.c_str() + colon + 1);
  if (port < 0 || port > 65535) {
    return MakeError(ErrorCode::kInvalidArgument, "ISARTOR__HOST_PORT: bad port");
  }
  return tcp::endpoint(addr, static_cast<unsigned short>(port));
}

std::vector<std::unique_ptr<Layer>> BuildLayers(const Config& config, Metrics* metrics,
                                                std::unique_ptr<Layer> l3) {
  std::vector<std::unique_ptr<Layer>> layers;
  ExactCache::Options l1a;
  l1a.max_entries = config.cache_max_capacity;
  l1a.max_bytes = config.cache_max_bytes;
  l1a.ttl = std::chrono::seconds(config.cache_ttl_secs);
  layers.push_back(std::make_unique<ExactCacheLayer>(l1a, config.cache_mode != "semantic", metrics));
  layers.push_back(std::make_unique<DisabledLayer>(FinalLayer::kL1b, "semantic cache not built"));
  layers.push_back(std::make_unique<DisabledLayer>(
      FinalLayer::kL2, config.enable_slm_router ? "SLM router not built"
                                                : "ENABLE_SLM_ROUTER=false"));
  layers.push_back(std::move(l3));
  return layers;
}

}  // namespace

int RunGateway(const Config& config) {
  SetLogLevel(config.log_level);
  auto listen = ParseListen(config.host_port);
  if (!listen.ok()) {
    Diag(LogLevel::kError, listen.error().message);
    return 2;
  }
  if (config.gateway_api_key.empty() && !listen->address().is_loopback() &&
      !config.allow_unauthenticated_bind) {
    Diag(LogLevel::kError, "refusing to listen on " + config.host_port +
                               " without ISARTOR__GATEWAY_API_KEY; set one, or set "
                               "ISARTOR__ALLOW_UNAUTHENTICATED_BIND=true");
    return 2;
  }
  Metrics metrics;
  auto policy = NetworkPolicy::Create(config.offline_mode, config.internal_networks,
                                      config.internal_domains);
  if (!policy.ok()) {
    Diag(LogLevel::kError, policy.error().message);
    return 2;
  }
  EgressGuard guard(std::move(*policy), &metrics);
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_default_verify_paths();
  tls.set_verify_mode(asio::ssl::verify_peer);
  HttpClient l3_client(&guard, &tls, EgressPurpose::kL3Upstream);
  auto l3 = UpstreamLayer::Create(config, &l3_client, &metrics);
  if (!l3.ok()) {
    Diag(LogLevel::kError, l3.error().message);
    return 2;
  }
  for (const auto& target : (*l3)->targets()) {
    guard.Register({EgressPurpose::kL3Upstream, "L3 " + target.label, target.endpoint,
                    target.label != "primary" || !config.external_llm_url.empty()});
  }
  Chain chain(BuildLayers(config, &metrics, std::move(l3.value())), &metrics);
  auto* l1a = static_cast<ExactCacheLayer*>(chain.layers()[0].get());
  metrics.AddGauge("isartor_cache_entries", "Entries per cache layer.", "cache_layer=\"l1a\"",
                   [l1a] { return static_cast<double>(l1a->cache().size()); });
  metrics.AddGauge("isartor_cache_bytes", "Bytes per cache layer.", "cache_layer=\"l1a\"",
                   [l1a] { return static_cast<double>(l1a->cache().bytes()); });
  metrics.SetBuildInfo(std::string("version=\"") + ISARTOR_VERSION + "\",offline=\"" +
                       (config.offline_mode ? "true" : "false") + "\"");

  ApiHandlerDeps deps{&config, &chain, &metrics, [&config](boost::json::object& health) {
                        health["offline_mode"] = config.offline_mode;
                      }};
  ApiHandler handler(deps);
  int threads = config.threads > 0 ? config.threads
                                   : std::max(1u, std::thread::hardware_concurrency());
  asio::io_context ioc(threads);
  ServerOptions options;
  options.max_body_bytes = config.max_body_bytes;
  options.header_timeout = std::chrono::seconds(config.header_timeout_secs);
  options.body_timeout = std::chrono::seconds(config.body_timeout_secs);
  Server server(ioc, options, &handler);
  if (Status s = server.Listen(*listen); !s.ok()) {
    Diag(LogLevel::kError, s.error().message);
    return 1;
  }
  server.Start();
  auto bound = server.local_endpoint();
  Diag(LogLevel::kInfo, "listening on " + bound.address().to_string() + ":" +
                            std::to_string(bound.port()) + " (" + std::to_string(threads) +
                            " threads, L3 " + config.EffectiveL3Url() + ")");

  // SIGTERM/SIGINT: stop accepting, let in-flight requests finish within the drain deadline.
  asio::signal_set signals(ioc, SIGTERM, SIGINT);
  asio::steady_timer drain_timer(ioc);
  auto deadline = std::make_shared<std::chrono::steady_clock::time_point>();
  std::function<void()> poll_drain = [&] {
    if (server.active_requests() == 0 || std::chrono::steady_clock::now() >= *deadline) {
      if (server.active_requests() > 0) {
        Diag(LogLevel::kWarn, "drain deadline passed with requests in flight");
      }
      ioc.stop();
      return;
    }
    drain_timer.expires_after(std::chrono::milliseconds(50));
    drain_timer.async_wait([&](const boost::system::error_code&) { poll_drain(); });
  };
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    Diag(LogLevel::kInfo, "signal " + std::to_string(signo) + ": draining");
    *deadline = std::chrono::steady_clock::now() + std::chrono::seconds(config.drain_timeout_secs);
    server.Shutdown();
    poll_drain();
  });
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  Diag(LogLevel::kInfo, "stopped");
  return 0;
}

}  // namespace isartor
