#include "app/gateway_app.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <thread>
#include <vector>

#include "airgap/banner.h"
#include "airgap/destinations.h"
#include "core/chain.h"
#include "core/disabled_layer.h"
#include "embed/model_files.h"
#include "http/api_handler.h"
#include "http/server.h"
#include "http/server_tls.h"
#include "embed/embedder.h"
#include "layers/l1a_exact/exact_cache_layer.h"
#include "layers/l2_slm/slm_router_layer.h"
#include "layers/l1b_semantic/semantic_cache_layer.h"
#include "layers/l3_upstream/upstream_layer.h"
#include "license/license.h"
#include "net/egress_guard.h"
#include "obs/audit_trail.h"
#include "obs/log.h"
#include "obs/metrics.h"
#include "otel/trace_export_setup.h"
#include "upstream/client_tls.h"
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

// The MiniLM embedder, loaded once and shared by L1b and L2 (one copy of the model, one worker
// pool). Null, with the reason logged, when neither layer needs it or the model fails to load.
struct SharedEmbedder {
  std::shared_ptr<embed::Embedder> embedder;
  std::string error;  // why it is null although a layer wanted it
};

SharedEmbedder LoadEmbedder(const Config& config) {
  if (config.cache_mode == "exact" && !config.enable_slm_router && !config.local_embeddings) {
    return {};
  }
  embed::EmbedderOptions options;
  options.model_dir = config.embedding_model_dir;
  auto embedder = embed::Embedder::Create(std::move(options));
  if (!embedder.ok()) {
    Diag(LogLevel::kError, std::string(config.cache_mode != "exact"
                                           ? "L1b semantic cache disabled"
                                           : "L2 SLM router disabled") +
                               (config.cache_mode != "exact" && config.enable_slm_router
                                    ? " (and L2 SLM router)" : "") +
                               ": embedding model failed to load: " + embedder.error().message);
    return {nullptr, "embedding model failed to load: " + embedder.error().message};
  }
  return {std::shared_ptr<embed::Embedder>(std::move(*embedder)), ""};
}

// L1b: the semantic cache when the mode asks for it and the model loaded; otherwise a disabled
// slot saying why (a missing or corrupt model never stops the gateway).
std::unique_ptr<Layer> BuildSemanticLayer(const Config& config, Metrics* metrics,
                                          const SharedEmbedder& shared) {
  if (config.cache_mode == "exact") {
    return std::make_unique<DisabledLayer>(FinalLayer::kL1b, "ISARTOR__CACHE_MODE=exact");
  }
  if (!shared.embedder) return std::make_unique<DisabledLayer>(FinalLayer::kL1b, shared.error);
  SemanticCacheLayer::Options o;
  o.index.max_entries = config.cache_max_capacity;
  o.index.ttl = std::chrono::seconds(config.cache_ttl_secs);
  o.index.ef_search = config.semantic_ef_search;
  o.threshold = static_cast<float>(config.similarity_threshold);
  o.lexical_guard = config.semantic_lexical_veto;
  if (config.semantic_verifier) o.verifier = MakeTrainedPairVerifier();
  o.verifier_threshold = static_cast<float>(config.semantic_verifier_threshold);
  return std::make_unique<SemanticCacheLayer>(o, MakeEmbedderSource(shared.embedder), metrics);
}

// L2 slot: the SLM router when enabled and buildable, else a DisabledLayer saying why.
std::unique_ptr<Layer> BuildL2(const Config& config, Metrics* metrics, HttpClient* client,
                               const SharedEmbedder& shared) {
  if (!config.enable_slm_router) {
    return std::make_unique<DisabledLayer>(FinalLayer::kL2, "ENABLE_SLM_ROUTER=false");
  }
  if (!shared.embedder) {
    return std::make_unique<DisabledLayer>(FinalLayer::kL2, "MiniLM model unavailable");
  }
  auto layer = SlmRouterLayer::Create(config, client, shared.embedder);
  if (!layer.ok()) {
    Diag(LogLevel::kError, "L2 SLM router disabled: " + layer.error().message);
    return std::make_unique<DisabledLayer>(FinalLayer::kL2, layer.error().message);
  }
  SlmRouterLayer* l2 = layer->get();
  const std::pair<const char*, uint64_t SlmRouterStats::*> outcomes[] = {
      {"ineligible", &SlmRouterStats::ineligible}, {"routed_big", &SlmRouterStats::routed_big},
      {"routed_local", &SlmRouterStats::routed_local}, {"answered", &SlmRouterStats::answered},
      {"rejected", &SlmRouterStats::rejected}, {"failed", &SlmRouterStats::failed}};
  for (const auto& [name, field] : outcomes) {
    metrics->AddGauge("isartor_l2_requests", "L2 SLM router outcomes since start.",
                      std::string("outcome=\"") + name + "\"",
                      [l2, field] { return static_cast<double>(l2->stats().*field); });
  }
  return std::move(*layer);
}

// count_tokens estimates: the MiniLM WordPiece tokenizer (the embedder's, or read from the
// model files when no layer loaded the embedder); null when no vocabulary can be found.
std::shared_ptr<const embed::WordPieceTokenizer> LoadTokenizer(const Config& config,
                                                               const SharedEmbedder& shared) {
  if (shared.embedder) {
    return std::shared_ptr<const embed::WordPieceTokenizer>(shared.embedder,
                                                            &shared.embedder->tokenizer());
  }
  auto files = embed::ResolveModelFiles(config.embedding_model_dir);
  if (!files.ok()) return nullptr;
  auto tokenizer = embed::WordPieceTokenizer::FromVocabText(files->vocab.text(),
                                                            files->vocab.name());
  if (!tokenizer.ok()) return nullptr;
  return std::make_shared<const embed::WordPieceTokenizer>(std::move(*tokenizer));
}

std::vector<std::unique_ptr<Layer>> BuildLayers(const Config& config, Metrics* metrics,
                                                std::unique_ptr<Layer> l3, HttpClient* l2_client,
                                                const SharedEmbedder& shared) {
  std::vector<std::unique_ptr<Layer>> layers;
  ExactCache::Options l1a;
  l1a.max_entries = config.cache_max_capacity;
  l1a.max_bytes = config.cache_max_bytes;
  l1a.ttl = std::chrono::seconds(config.cache_ttl_secs);
  layers.push_back(std::make_unique<ExactCacheLayer>(l1a, config.cache_mode != "semantic", metrics));
  layers.push_back(BuildSemanticLayer(config, metrics, shared));
  layers.push_back(BuildL2(config, metrics, l2_client, shared));
  layers.push_back(std::move(l3));
  return layers;
}

// The product page's box, from the real state of the chain, the guard and the license.
std::string OfflineBanner(const Config& config, const Chain& chain, const EgressGuard& guard,
                          const std::vector<PlannedDestination>& plan,
                          const license::LicenseVerdict& license) {
  std::vector<BannerLine> lines;
  const char* names[] = {"L1a Exact Cache", "L1b Semantic Cache", "L2 SLM Router"};
  for (int i = 0; i < 3; ++i) {
    const Layer& layer = *chain.layers()[i];
    lines.push_back({layer.enabled() ? '+' : '-', std::string(names[i]) + ": " + layer.State()});
  }
  const Endpoint& l3 = plan.front().destination.endpoint;
  if (guard.Allows(l3.host)) {
    lines.push_back({'+', "L3 Cloud Logic: internal endpoint " + l3.url});
  } else {
    lines.push_back({'x', "L3 Cloud Logic: DISABLED (offline mode)"});
  }
  if (!config.enable_monitoring) {
    lines.push_back({'-', "Telemetry export: disabled (ENABLE_MONITORING=false)"});
  } else if (guard.Allows(ParseEndpoint(config.otel_exporter_endpoint)->host)) {
    lines.push_back({'+', "Telemetry export: internal " + config.otel_exporter_endpoint});
  } else {
    lines.push_back({'x', "Telemetry export: DISABLED (external endpoint)"});
  }
  std::string lic = "License validation: offline HMAC check";
  if (license.valid()) {
    lines.push_back({'+', lic + " (" + license.licensee + ", " + license.tier + ")"});
  } else {
    lines.push_back({'x', lic + " \u2014 " + license::LicenseStatusName(license.status)});
  }
  return RenderBanner("[Isartor] OFFLINE MODE ACTIVE", lines);
}

// The AU-2 trail: stdout always; the signed log when ISARTOR__AUDIT_LOG_PATH is set.
Result<std::unique_ptr<AuditTrail>> OpenAuditTrail(const Config& config, Metrics& metrics) {
  std::unique_ptr<audit::AuditLog> log;
  if (!config.audit_log_path.empty()) {
    if (config.audit_signing_key_file.empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "ISARTOR__AUDIT_LOG_PATH needs ISARTOR__AUDIT_SIGNING_KEY_FILE (create one "
                       "with: isartor audit keygen --out DIR)");
    }
    audit::AuditLogOptions options;
    options.path = config.audit_log_path;
    options.signing_key_file = config.audit_signing_key_file;
    options.checkpoint_every_n_events = config.audit_checkpoint_every;
    options.rotate_bytes = config.audit_rotate_bytes;
    auto fsync = audit::ParseFsyncPolicy(config.audit_fsync);
    if (!fsync.ok()) return fsync.error();
    options.fsync = *fsync;
    auto opened = audit::AuditLog::Open(options);
    if (!opened.ok()) {
      return MakeError(opened.error().code, "audit log: " + opened.error().message);
    }
    log = std::move(opened.value());
    auto* raw = log.get();
    metrics.AddGauge("isartor_audit_events_total", "Audit events by fate.", "fate=\"appended\"",
                     [raw] { return static_cast<double>(raw->counters().appended); });
    metrics.AddGauge("isartor_audit_events_total", "Audit events by fate.", "fate=\"dropped\"",
                     [raw] { return static_cast<double>(raw->counters().dropped); });
    metrics.AddGauge("isartor_audit_events_total", "Audit events by fate.",
                     "fate=\"write_error\"",
                     [raw] { return static_cast<double>(raw->counters().write_errors); });
  }
  return std::make_unique<AuditTrail>(config.audit_include_content, std::move(log));
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

}  // namespace

int RunGateway(const Config& config) {
  SetLogLevel(config.log_level);
  auto listen = ParseListen(config.host_port);
  if (!listen.ok()) {
    Diag(LogLevel::kError, listen.error().message);
    return 2;
  }
  // Verified client certificates (mTLS) authenticate clients as well as a gateway key does.
  if (config.gateway_api_key.empty() && config.tls_client_ca_file.empty() &&
      !listen->address().is_loopback() && !config.allow_unauthenticated_bind) {
    Diag(LogLevel::kError, "refusing to listen on " + config.host_port +
                               " without ISARTOR__GATEWAY_API_KEY; set one, or require client "
                               "certificates (ISARTOR__TLS_CLIENT_CA_FILE), or set "
                               "ISARTOR__ALLOW_UNAUTHENTICATED_BIND=true");
    return 2;
  }
  auto listener_tls = SetUpListenerTls(config, *listen);
  if (!listener_tls.ok()) {
    Diag(LogLevel::kError, listener_tls.error().message);
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
  auto outbound_tls = ClientTlsContexts::Build(config);
  if (!outbound_tls.ok()) {
    Diag(LogLevel::kError, outbound_tls.error().message);
    return 2;
  }
  HttpClient l3_client(&guard, outbound_tls->For(TlsTarget::kL3), EgressPurpose::kL3Upstream);
  HttpClient l2_client(&guard, outbound_tls->For(TlsTarget::kL2Sidecar),
                       EgressPurpose::kL2Sidecar);
  auto l3 = UpstreamLayer::Create(config, &l3_client, &metrics);
  if (!l3.ok()) {
    Diag(LogLevel::kError, l3.error().message);
    return 2;
  }
  auto plan = PlanDestinations(config);
  if (!plan.ok()) {
    Diag(LogLevel::kError, plan.error().message);
    return 2;
  }
  RegisterDestinations(*plan, guard);
  for (const auto& p : *plan) {
    if (p.tls_target == TlsTarget::kFallback) {
      l3_client.SetTlsFor(p.destination.endpoint, outbound_tls->For(TlsTarget::kFallback));
    }
  }
  // Checked once, offline, at start: reported in the banner, /health, metrics; never fatal.
  const license::LicenseVerdict license_verdict =
      license::CheckLicense(config.license_key, std::chrono::system_clock::now());
  if (!license_verdict.valid()) {
    Diag(LogLevel::kWarn, std::string("license: ") + license_verdict.message);
  }
  const UpstreamLayer* upstream = l3->get();
  Forwarder* forwarder = l3.value().get();  // owned by the chain, which outlives the handler
  SharedEmbedder shared_embedder = LoadEmbedder(config);
  auto tokenizer = LoadTokenizer(config, shared_embedder);
  Chain chain(BuildLayers(config, &metrics, std::move(l3.value()), &l2_client, shared_embedder),
              &metrics);
  auto* l1a = static_cast<ExactCacheLayer*>(chain.layers()[0].get());
  metrics.AddGauge("isartor_cache_entries", "Entries per cache layer.", "cache_layer=\"l1a\"",
                   [l1a] { return static_cast<double>(l1a->cache().size()); });
  metrics.AddGauge("isartor_cache_bytes", "Bytes per cache layer.", "cache_layer=\"l1a\"",
                   [l1a] { return static_cast<double>(l1a->cache().bytes()); });
  metrics.AddGauge("isartor_license_valid", "1 if the offline license check passed.",
                   std::string("status=\"") + license::LicenseStatusName(license_verdict.status) +
                       "\"",
                   [&license_verdict] { return license_verdict.valid() ? 1.0 : 0.0; });
  if (auto* l1b = dynamic_cast<SemanticCacheLayer*>(chain.layers()[1].get())) {
    metrics.AddGauge("isartor_cache_entries", "Entries per cache layer.", "cache_layer=\"l1b\"",
                     [l1b] { return static_cast<double>(l1b->index().size()); });
    metrics.AddGauge("isartor_cache_bytes", "Bytes per cache layer.", "cache_layer=\"l1b\"",
                     [l1b] { return static_cast<double>(l1b->index().bytes()); });
  }
  metrics.AddGauge("isartor_layer_enabled", "1 when the layer is active.", "layer=\"l1b\"",
                   [l = chain.layers()[1].get()] { return l->enabled() ? 1.0 : 0.0; });
  metrics.SetBuildInfo(std::string("version=\"") + ISARTOR_VERSION + "\",offline=\"" +
                       (config.offline_mode ? "true" : "false") + "\",model_embedded=\"" +
                       (embed::ModelIsEmbedded() ? "true" : "false") + "\"");
  if (config.offline_mode) {
    std::string banner = OfflineBanner(config, chain, guard, *plan, license_verdict);
    std::fwrite(banner.data(), 1, banner.size(), stderr);
  }

  auto audit = OpenAuditTrail(config, metrics);
  if (!audit.ok()) {
    Diag(LogLevel::kError, audit.error().message);
    return 2;
  }
  ApiHandlerDeps deps{&config, &chain, &metrics, audit->get(),
                      [&config, &license_verdict](boost::json::object& health) {
                        health["offline_mode"] = config.offline_mode;
                        health["license"] = {
                            {"status", license::LicenseStatusName(license_verdict.status)},
                            {"licensee", license_verdict.licensee},
                            {"message", license_verdict.message}};
                      }};
  // Traces: the exporter runs on its own thread; requests only enqueue (see otel/).
  std::unique_ptr<otel::OtlpExporter> trace_exporter;
  if (config.enable_monitoring) {
    auto started = otel::StartTraceExport(config, &guard, outbound_tls->For(TlsTarget::kOtel),
                                           &metrics);
    if (!started.ok()) {
      Diag(LogLevel::kError, started.error().message);
      return 2;
    }
    trace_exporter = std::move(*started);
  }
  deps.upstream = upstream;
  if (tokenizer) {
    deps.count_tokens_estimator = [tokenizer](std::string_view text) {
      return tokenizer->CountTokens(text);
    };
  }
  otel::Tracer tracer(trace_exporter.get());
  if (trace_exporter) deps.tracer = &tracer;
  if (config.local_embeddings) deps.embeddings.embedder = shared_embedder.embedder;
  deps.embeddings.limits = {config.embeddings_max_inputs, config.embeddings_max_input_bytes};
  deps.embeddings.forwarder = forwarder;
  ApiHandler handler(deps);
  int threads = config.threads > 0 ? config.threads
                                   : std::max(1u, std::thread::hardware_concurrency());
  // One io_context per thread (see http/server.h); contexts[0] also handles signals.
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::io_context*> context_ptrs;
  for (int i = 0; i < threads; ++i) {
    contexts.push_back(std::make_unique<asio::io_context>(1));
    context_ptrs.push_back(contexts.back().get());
  }
  asio::io_context& ioc = *contexts[0];
  ServerOptions options;
  options.max_body_bytes = config.max_body_bytes;
  options.header_timeout = std::chrono::seconds(config.header_timeout_secs);
  options.body_timeout = std::chrono::seconds(config.body_timeout_secs);
  options.tls = listener_tls->get();
  options.handshake_timeout = std::chrono::seconds(config.tls_handshake_timeout_secs);
  Server server(context_ptrs, options, &handler);
  if (Status s = server.Listen(*listen); !s.ok()) {
    Diag(LogLevel::kError, s.error().message);
    return 1;
  }
  if (ServerTls* tls = listener_tls->get()) {
    const char* help = "Listener certificate reloads (SIGHUP) by outcome.";
    metrics.AddCounter("isartor_tls_certificate_reloads_total", help, "outcome=\"ok\"",
                       [tls] { return static_cast<double>(tls->reloads_ok()); });
    metrics.AddCounter("isartor_tls_certificate_reloads_total", help, "outcome=\"failed\"",
                       [tls] { return static_cast<double>(tls->reloads_failed()); });
    metrics.AddGauge("isartor_tls_certificate_expiry_timestamp_seconds",
                     "notAfter of the certificate the listener serves now.", "",
                     [tls] { return tls->CurrentNotAfterSeconds(); });
    metrics.AddCounter("isartor_tls_handshake_failures_total",
                       "Failed or timed-out TLS handshakes on the listener.", "",
                       [&server] { return static_cast<double>(server.tls_handshake_failures()); });
  }
  StartStdoutFlusher();
  asio::signal_set hup(ioc, SIGHUP);  // before "listening": a test may signal right after it
  ArmCertificateReload(hup, listener_tls->get());
  server.Start();
  auto bound = server.local_endpoint();
  Diag(LogLevel::kInfo, "listening on " + bound.address().to_string() + ":" +
                            std::to_string(bound.port()) + " (" + std::to_string(threads) +
                            " threads, " + (options.tls ? "HTTPS" : "plain HTTP") + ", L3 " +
                            config.EffectiveL3Url() + ")");

  // SIGTERM/SIGINT: stop accepting, let in-flight requests finish within the drain deadline.
  asio::signal_set signals(ioc, SIGTERM, SIGINT);
  asio::steady_timer drain_timer(ioc);
  auto deadline = std::make_shared<std::chrono::steady_clock::time_point>();
  std::function<void()> poll_drain = [&] {
    if (server.active_requests() == 0 || std::chrono::steady_clock::now() >= *deadline) {
      if (server.active_requests() > 0) {
        Diag(LogLevel::kWarn, "drain deadline passed with requests in flight");
      }
      for (auto* c : context_ptrs) c->stop();
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
  // Work guards: a context whose acceptor is closed during the drain must keep running the
  // connections it still serves until the drain ends.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto* c : context_ptrs) guards.push_back(asio::make_work_guard(*c));
  for (int i = 1; i < threads; ++i) {
    asio::io_context* c = context_ptrs[i];
    pool.emplace_back([c] { c->run(); });
  }
  ioc.run();
  for (auto& t : pool) t.join();
  // Pooled upstream sockets belong to the contexts declared below the clients, which die first:
  // close them now, while the contexts live (closing them later was a use-after-free).
  l3_client.Shutdown();
  l2_client.Shutdown();
  if (trace_exporter) trace_exporter->Shutdown(std::chrono::seconds(2));  // flush what is queued
  (*audit)->Close();  // final signed checkpoint
  FlushStdout();
  Diag(LogLevel::kInfo, "stopped");
  return 0;
}

}  // namespace isartor
