#include "app/gateway_app.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "airgap/banner.h"
#include "airgap/destinations.h"
#include "app/startup_resources.h"
#include "app/trace_export_setup.h"
#include "embed/embedder.h"
#include "embed/model_files.h"
#include "http/api_handler.h"
#include "http/server.h"
#include "http/server_tls.h"
#include "layers/l3_upstream/upstream_layer.h"
#include "license/license.h"
#include "net/egress_guard.h"
#include "obs/audit_trail.h"
#include "obs/chain_metrics.h"
#include "obs/log.h"
#include "obs/metrics.h"
#include "otel/request_spans.h"
#include "upstream/client_tls.h"
#include "upstream/http_client.h"

namespace isartor {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// The components, in construction order (members are destroyed in reverse: the server before
// the handler before the chain and its observers).
struct Gateway::Parts {
  explicit Parts(const Config& c) : config(c) {}
  Config config;
  tcp::endpoint listen;
  std::unique_ptr<ServerTls> listener_tls;
  Metrics metrics;
  std::unique_ptr<EgressGuard> guard;
  std::optional<ClientTlsContexts> outbound_tls;
  std::unique_ptr<HttpClient> l3_client;
  std::unique_ptr<HttpClient> l2_client;
  std::vector<PlannedDestination> plan;
  license::LicenseVerdict license;
  std::shared_ptr<embed::Embedder> embedder;
  std::shared_ptr<const embed::WordPieceTokenizer> tokenizer;
  std::unique_ptr<Chain> chain;
  UpstreamLayer* upstream = nullptr;  // owned by the chain
  std::unique_ptr<ChainMetrics> chain_metrics;
  std::unique_ptr<AuditTrail> audit;
  std::unique_ptr<otel::OtlpExporter> exporter;
  std::unique_ptr<otel::Tracer> tracer;
  std::unique_ptr<otel::RequestTracer> request_tracer;
  std::unique_ptr<ApiHandler> handler;
  std::vector<std::unique_ptr<asio::io_context>> contexts;  // contexts[0] also runs signals
  std::vector<asio::io_context*> context_ptrs;
  std::unique_ptr<Server> server;
  bool handle_signals = true;
  // The drain (on contexts[0] only).
  std::unique_ptr<asio::steady_timer> drain_timer;
  std::chrono::steady_clock::time_point drain_deadline;
  bool draining = false;
};

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

// SIGHUP: reload the listener's certificate and key for new connections; a pair that does not
// load keeps the previous one. Re-arms itself.
void ArmCertificateReload(asio::signal_set& hup, ServerTls* tls) {
  hup.async_wait([&hup, tls](const boost::system::error_code& ec, int) {
    if (ec) return;
    if (!tls) {
      Diag(LogLevel::kInfo, "SIGHUP: nothing to reload (the listener has no TLS certificate)");
    } else if (Status s = tls->Reload(); s.ok()) {
      Diag(LogLevel::kInfo, "SIGHUP: TLS certificate reloaded: " + tls->DescribeCurrent());
    } else {
      Diag(LogLevel::kError, "SIGHUP: TLS certificate NOT reloaded, still serving the previous "
                             "one: " + s.error().message);
    }
    ArmCertificateReload(hup, tls);
  });
}

// The listener's TLS, if configured, with the bind warnings the issue asks for.
Result<std::unique_ptr<ServerTls>> SetUpListenerTls(const Config& config,
                                                    const tcp::endpoint& listen) {
  if (!config.ListenerTls()) {
    if (!listen.address().is_loopback()) {
      Diag(LogLevel::kWarn, "listening on " + config.host_port + " WITHOUT TLS: requests, keys "
                            "and answers cross the network in clear text; set "
                            "ISARTOR__TLS_CERT_FILE and ISARTOR__TLS_KEY_FILE");
    }
    return std::unique_ptr<ServerTls>();
  }
  auto tls = ServerTls::Create({config.tls_cert_file, config.tls_key_file,
                                config.tls_key_passphrase, config.tls_client_ca_file,
                                config.tls_min_version});
  if (!tls.ok()) return MakeError(tls.error().code, "TLS listener: " + tls.error().message);
  std::string mtls = (*tls)->requires_client_certificate()
                         ? "; client certificates required (" + config.tls_client_ca_file + ")"
                         : "";
  Diag(LogLevel::kInfo, "HTTPS with " + (*tls)->DescribeCurrent() + mtls);
  return std::move(*tls);
}

// Step 1: the listen address, the refusal to serve unauthenticated beyond loopback, the
// listener's TLS.
Status SetUpListener(Gateway::Parts& p) {
  const Config& config = p.config;
  auto listen = ParseListen(config.host_port);
  if (!listen.ok()) return listen.error();
  p.listen = *listen;
  // Verified client certificates (mTLS) authenticate clients as well as a gateway key does.
  if (config.gateway_api_key.empty() && config.tls_client_ca_file.empty() &&
      !listen->address().is_loopback() && !config.allow_unauthenticated_bind) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "refusing to listen on " + config.host_port +
                         " without ISARTOR__GATEWAY_API_KEY; set one, or require client "
                         "certificates (ISARTOR__TLS_CLIENT_CA_FILE), or set "
                         "ISARTOR__ALLOW_UNAUTHENTICATED_BIND=true");
  }
  auto tls = SetUpListenerTls(config, p.listen);
  if (!tls.ok()) return tls.error();
  p.listener_tls = std::move(*tls);
  return Status::Ok();
}

// Step 2: the egress guard with every destination the configuration can reach, the outbound
// TLS contexts and the upstream clients.
Status SetUpEgress(Gateway::Parts& p) {
  const Config& config = p.config;
  auto policy = NetworkPolicy::Create(config.offline_mode, config.internal_networks,
                                      config.internal_domains);
  if (!policy.ok()) return policy.error();
  p.guard = std::make_unique<EgressGuard>(std::move(*policy));
  EgressGuard* guard = p.guard.get();
  for (int i = 0; i < kEgressPurposes; ++i) {
    auto purpose = static_cast<EgressPurpose>(i);
    p.metrics.AddCounter("isartor_egress_blocked_total",
                         "Outbound connections refused by the egress guard.",
                         std::string("purpose=\"") + EgressPurposeLabel(purpose) + "\"",
                         [guard, purpose] { return static_cast<double>(guard->blocked(purpose)); });
  }
  auto outbound_tls = ClientTlsContexts::Build(config);
  if (!outbound_tls.ok()) return outbound_tls.error();
  p.outbound_tls = std::move(*outbound_tls);
  p.l3_client = std::make_unique<HttpClient>(guard, p.outbound_tls->For(TlsTarget::kL3),
                                             EgressPurpose::kL3Upstream);
  p.l2_client = std::make_unique<HttpClient>(guard, p.outbound_tls->For(TlsTarget::kL2Sidecar),
                                             EgressPurpose::kL2Sidecar);
  auto plan = PlanDestinations(config);
  if (!plan.ok()) return plan.error();
  p.plan = std::move(*plan);
  RegisterDestinations(p.plan, *guard);
  for (const auto& d : p.plan) {
    if (d.tls_target == TlsTarget::kFallback) {
      p.l3_client->SetTlsFor(d.destination.endpoint, p.outbound_tls->For(TlsTarget::kFallback));
    }
  }
  return Status::Ok();
}

// Step 3: the layers, from their registrations, in order; the chain over them.
Status BuildChain(Gateway::Parts& p, const std::vector<LayerRegistration>& registrations) {
  SharedEmbedder shared = LoadEmbedder(p.config);
  p.embedder = shared.embedder;
  p.tokenizer = LoadTokenizer(p.config, shared);
  LayerEnv env{p.config, &p.metrics, p.l3_client.get(), p.l2_client.get(), shared.embedder,
               shared.error};
  std::vector<std::unique_ptr<Layer>> layers;
  for (const LayerRegistration& r : registrations) {
    auto layer = r.build(env);
    if (!layer.ok()) {
      return MakeError(layer.error().code, "layer " + r.name + ": " + layer.error().message);
    }
    layers.push_back(std::move(*layer));
  }
  p.chain = std::make_unique<Chain>(std::move(layers));
  // count_tokens and non-local embeddings go to the upstream layer directly, if there is one.
  for (const auto& layer : p.chain->layers()) {
    if (auto* upstream = dynamic_cast<UpstreamLayer*>(layer.get())) {
      p.upstream = upstream;
      break;
    }
  }
  return Status::Ok();
}

// Step 4: the facts checked once at start (license, build), for the banner, /health, metrics.
void RecordStartFacts(Gateway::Parts& p) {
  const Config& config = p.config;
  // Checked once, offline, at start: reported in the banner, /health, metrics; never fatal.
  p.license = license::CheckLicense(config.license_key, std::chrono::system_clock::now());
  if (!p.license.valid()) Diag(LogLevel::kWarn, std::string("license: ") + p.license.message);
  const license::LicenseVerdict* verdict = &p.license;
  p.metrics.AddGauge("isartor_license_valid", "1 if the offline license check passed.",
                     std::string("status=\"") + license::LicenseStatusName(verdict->status) +
                         "\"",
                     [verdict] { return verdict->valid() ? 1.0 : 0.0; });
  p.metrics.SetBuildInfo(std::string("version=\"") + ISARTOR_VERSION + "\",offline=\"" +
                         (config.offline_mode ? "true" : "false") + "\",model_embedded=\"" +
                         (embed::ModelIsEmbedded() ? "true" : "false") + "\"");
}

// Step 5: the observers of the chain, in the order they hear of a request: metrics, traces
// (the exporter runs on its own thread; requests only enqueue), the AU-2 audit trail.
Status AttachObservers(Gateway::Parts& p, otel::SpanSink* span_sink) {
  const Config& config = p.config;
  p.chain_metrics = std::make_unique<ChainMetrics>(&p.metrics);
  p.chain->AddObserver(p.chain_metrics.get());
  if (!span_sink && config.enable_monitoring) {
    auto started = otel::StartTraceExport(config, p.guard.get(),
                                          p.outbound_tls->For(TlsTarget::kOtel), &p.metrics);
    if (!started.ok()) return started.error();
    p.exporter = std::move(*started);
    span_sink = p.exporter.get();
  }
  p.tracer = std::make_unique<otel::Tracer>(span_sink);
  p.request_tracer = std::make_unique<otel::RequestTracer>(span_sink ? p.tracer.get() : nullptr);
  p.chain->AddObserver(p.request_tracer.get());
  auto audit = OpenAuditTrail(config, p.metrics);
  if (!audit.ok()) return audit.error();
  p.audit = std::move(*audit);
  p.chain->AddObserver(p.audit.get());
  return Status::Ok();
}

// Step 6: the HTTP routes and the server, bound (not yet accepting).
Status StartServer(Gateway::Parts& p) {
  const Config& config = p.config;
  const license::LicenseVerdict* verdict = &p.license;
  const Config* cfg = &p.config;
  ApiHandlerDeps deps{&p.config, p.chain.get(), &p.metrics,
                      [cfg, verdict](boost::json::object& health) {
                        health["offline_mode"] = cfg->offline_mode;
                        health["license"] = {
                            {"status", license::LicenseStatusName(verdict->status)},
                            {"licensee", verdict->licensee},
                            {"message", verdict->message}};
                      }};
  deps.keep_answer_text = p.audit->include_content();
  deps.upstream = p.upstream;
  if (p.tokenizer) {
    deps.count_tokens_estimator = [tokenizer = p.tokenizer](std::string_view text) {
      return tokenizer->CountTokens(text);
    };
  }
  if (config.local_embeddings) deps.embeddings.embedder = p.embedder;
  deps.embeddings.limits = {config.embeddings_max_inputs, config.embeddings_max_input_bytes};
  deps.embeddings.forwarder = p.upstream;
  p.handler = std::make_unique<ApiHandler>(deps);
  int threads = config.threads > 0 ? config.threads
                                   : std::max(1u, std::thread::hardware_concurrency());
  // One io_context per thread (see http/server.h).
  for (int i = 0; i < threads; ++i) {
    p.contexts.push_back(std::make_unique<asio::io_context>(1));
    p.context_ptrs.push_back(p.contexts.back().get());
  }
  ServerOptions options;
  options.max_body_bytes = config.max_body_bytes;
  options.header_timeout = std::chrono::seconds(config.header_timeout_secs);
  options.body_timeout = std::chrono::seconds(config.body_timeout_secs);
  options.tls = p.listener_tls.get();
  options.handshake_timeout = std::chrono::seconds(config.tls_handshake_timeout_secs);
  p.server = std::make_unique<Server>(p.context_ptrs, options, p.handler.get());
  if (Status s = p.server->Listen(p.listen); !s.ok()) return s;
  if (ServerTls* tls = p.listener_tls.get()) {
    const char* help = "Listener certificate reloads (SIGHUP) by outcome.";
    p.metrics.AddCounter("isartor_tls_certificate_reloads_total", help, "outcome=\"ok\"",
                         [tls] { return static_cast<double>(tls->reloads_ok()); });
    p.metrics.AddCounter("isartor_tls_certificate_reloads_total", help, "outcome=\"failed\"",
                         [tls] { return static_cast<double>(tls->reloads_failed()); });
    p.metrics.AddGauge("isartor_tls_certificate_expiry_timestamp_seconds",
                       "notAfter of the certificate the listener serves now.", "",
                       [tls] { return tls->CurrentNotAfterSeconds(); });
    Server* server = p.server.get();
    p.metrics.AddCounter("isartor_tls_handshake_failures_total",
                         "Failed or timed-out TLS handshakes on the listener.", "",
                         [server] { return static_cast<double>(server->tls_handshake_failures()); });
  }
  return Status::Ok();
}

// Stops every context once no request is in flight or the drain deadline passed.
void PollDrain(Gateway::Parts& p) {
  if (p.server->active_requests() == 0 || std::chrono::steady_clock::now() >= p.drain_deadline) {
    if (p.server->active_requests() > 0) {
      Diag(LogLevel::kWarn, "drain deadline passed with requests in flight");
    }
    for (auto* c : p.context_ptrs) c->stop();
    return;
  }
  p.drain_timer->expires_after(std::chrono::milliseconds(50));
  p.drain_timer->async_wait([&p](const boost::system::error_code&) { PollDrain(p); });
}

// Stop accepting, let in-flight requests finish within the drain deadline. On contexts[0].
void BeginDrain(Gateway::Parts& p) {
  if (p.draining) return;
  p.draining = true;
  p.drain_deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(p.config.drain_timeout_secs);
  p.server->Shutdown();
  PollDrain(p);
}

}  // namespace

Result<std::unique_ptr<Gateway>> Gateway::Create(const Config& config, GatewayOptions options) {
  SetLogLevel(config.log_level);
  auto parts = std::make_unique<Parts>(config);
  Parts& p = *parts;
  p.handle_signals = options.handle_signals;
  if (Status s = SetUpListener(p); !s.ok()) return s.error();
  if (Status s = SetUpEgress(p); !s.ok()) return s.error();
  if (Status s = BuildChain(p, options.layers); !s.ok()) return s.error();
  RecordStartFacts(p);
  if (Status s = AttachObservers(p, options.span_sink); !s.ok()) return s.error();
  if (Status s = StartServer(p); !s.ok()) return s.error();
  p.drain_timer = std::make_unique<asio::steady_timer>(*p.contexts[0]);
  return std::unique_ptr<Gateway>(new Gateway(std::move(parts)));
}

Gateway::Gateway(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
Gateway::~Gateway() = default;

const Chain& Gateway::chain() const { return *parts_->chain; }
tcp::endpoint Gateway::local_endpoint() const { return parts_->server->local_endpoint(); }

// The product page's box, from the real state of the chain, the guard and the license.
std::string Gateway::OfflineBanner() const {
  const Parts& p = *parts_;
  const Config& config = p.config;
  std::vector<BannerLine> lines;
  for (const auto& layer : p.chain->layers()) {
    const LayerInfo& info = layer->info();
    if (info.kind != LayerKind::kUpstream) {
      lines.push_back({layer->enabled() ? '+' : '-', info.title + ": " + layer->State()});
      continue;
    }
    // The upstream: where it points, and whether offline mode lets it go there (the plan's
    // first destination is the primary upstream).
    const Endpoint& upstream = p.plan.front().destination.endpoint;
    if (p.guard->Allows(upstream.host)) {
      lines.push_back({'+', info.title + ": internal endpoint " + upstream.url});
    } else {
      lines.push_back({'x', info.title + ": DISABLED (offline mode)"});
    }
  }
  if (!config.enable_monitoring) {
    lines.push_back({'-', "Telemetry export: disabled (ENABLE_MONITORING=false)"});
  } else if (p.guard->Allows(ParseEndpoint(config.otel_exporter_endpoint)->host)) {
    lines.push_back({'+', "Telemetry export: internal " + config.otel_exporter_endpoint});
  } else {
    lines.push_back({'x', "Telemetry export: DISABLED (external endpoint)"});
  }
  std::string lic = "License validation: offline HMAC check";
  if (p.license.valid()) {
    lines.push_back({'+', lic + " (" + p.license.licensee + ", " + p.license.tier + ")"});
  } else {
    lines.push_back({'x', lic + " \u2014 " + license::LicenseStatusName(p.license.status)});
  }
  return RenderBanner("[Isartor] OFFLINE MODE ACTIVE", lines);
}

void Gateway::Stop() {
  Parts* p = parts_.get();
  asio::post(*p->contexts[0], [p] { BeginDrain(*p); });
}

int Gateway::Run() {
  Parts& p = *parts_;
  asio::io_context& ioc = *p.contexts[0];
  StartStdoutFlusher();
  std::optional<asio::signal_set> hup;
  std::optional<asio::signal_set> signals;
  if (p.handle_signals) {
    hup.emplace(ioc, SIGHUP);  // before "listening": a test may signal right after it
    ArmCertificateReload(*hup, p.listener_tls.get());
  }
  p.server->Start();
  auto bound = p.server->local_endpoint();
  Diag(LogLevel::kInfo, "listening on " + bound.address().to_string() + ":" +
                            std::to_string(bound.port()) + " (" +
                            std::to_string(p.contexts.size()) + " threads, " +
                            (p.listener_tls ? "HTTPS" : "plain HTTP") + ", L3 " +
                            p.config.EffectiveL3Url() + ")");
  if (p.handle_signals) {
    signals.emplace(ioc, SIGTERM, SIGINT);
    signals->async_wait([&p](const boost::system::error_code& ec, int signo) {
      if (ec) return;
      Diag(LogLevel::kInfo, "signal " + std::to_string(signo) + ": draining");
      BeginDrain(p);
    });
  }
  std::vector<std::thread> pool;
  // Work guards: a context whose acceptor is closed during the drain must keep running the
  // connections it still serves until the drain ends.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto* c : p.context_ptrs) guards.push_back(asio::make_work_guard(*c));
  for (std::size_t i = 1; i < p.context_ptrs.size(); ++i) {
    asio::io_context* c = p.context_ptrs[i];
    pool.emplace_back([c] { c->run(); });
  }
  ioc.run();
  for (auto& t : pool) t.join();
  // Pooled upstream sockets belong to the contexts, which die with the gateway: close them now,
  // while the contexts live (closing them later was a use-after-free).
  p.l3_client->Shutdown();
  p.l2_client->Shutdown();
  if (p.exporter) p.exporter->Shutdown(std::chrono::seconds(2));  // flush what is queued
  p.audit->Close();  // final signed checkpoint
  FlushStdout();
  Diag(LogLevel::kInfo, "stopped");
  return 0;
}

int RunGateway(const Config& config) {
  auto gateway = Gateway::Create(config, GatewayOptions{});
  if (!gateway.ok()) {
    Diag(LogLevel::kError, gateway.error().message);
    // 1: the address could not be bound; 2: the configuration cannot run.
    return gateway.error().code == ErrorCode::kUnavailable ? 1 : 2;
  }
  if (config.offline_mode) {
    std::string banner = (*gateway)->OfflineBanner();
    std::fwrite(banner.data(), 1, banner.size(), stderr);
  }
  return (*gateway)->Run();
}

}  // namespace isartor
