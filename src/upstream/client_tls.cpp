#include "upstream/client_tls.h"

#include <boost/asio/ip/address.hpp>

#include "net/tls_files.h"
#include "obs/log.h"

namespace isartor {
namespace asio = boost::asio;

namespace {

struct Group {
  const OutboundTls* tls;
  const char* prefix;
};

Group GroupOf(const Config& config, TlsTarget target) {
  switch (target) {
    case TlsTarget::kL3: return {&config.l3_tls, "ISARTOR__L3_"};
    case TlsTarget::kFallback: return {&config.fallback_tls, "ISARTOR__FALLBACK_"};
    case TlsTarget::kL2Sidecar: return {&config.layer2_tls, "ISARTOR__LAYER2__"};
    case TlsTarget::kOtel: return {&config.otel_tls, "ISARTOR__OTEL_"};
  }
  return {&config.l3_tls, "ISARTOR__L3_"};
}

bool IsLoopback(const std::string& host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  return !ec && addr.is_loopback();
}

}  // namespace

ClientTlsSettings ResolveClientTls(const Config& config, TlsTarget target) {
  Group g = GroupOf(config, target);
  ClientTlsSettings s;
  s.ca_file = g.tls->ca_file.empty() ? config.upstream_ca_file : g.tls->ca_file;
  s.add_system_store = s.ca_file.empty() || config.upstream_ca_mode == "add";
  bool own_cert = !g.tls->client_cert_file.empty();
  s.client_cert_file = own_cert ? g.tls->client_cert_file : config.upstream_client_cert_file;
  s.client_key_file = own_cert ? g.tls->client_key_file : config.upstream_client_key_file;
  s.insecure = g.tls->insecure;
  s.min_version = config.tls_min_version;
  s.insecure_variable = std::string(g.prefix) + "TLS_INSECURE";
  return s;
}

std::string DescribeTrust(const ClientTlsSettings& s) {
  if (s.insecure) return "NONE (verification off: " + s.insecure_variable + ")";
  if (s.ca_file.empty()) return "system trust store";
  return s.ca_file + (s.add_system_store ? " + system trust store" : "");
}

Result<std::shared_ptr<asio::ssl::context>> BuildClientTlsContext(const ClientTlsSettings& s) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX* ctx = context->native_handle();
  if (Status st = ApplyModernProtocolPolicy(ctx, s.min_version); !st.ok()) return st.error();
  if (s.add_system_store) SSL_CTX_set_default_verify_paths(ctx);
  if (!s.ca_file.empty()) {
    if (Status st = LoadCaBundle(ctx, s.ca_file); !st.ok()) return st.error();
  }
  if (!s.client_cert_file.empty()) {
    if (Status st = LoadCertificateAndKey(ctx, s.client_cert_file, s.client_key_file, "");
        !st.ok()) {
      return st.error();
    }
  }
  SSL_CTX_set_verify(ctx, s.insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, nullptr);
  TakeOpenSslErrors();
  return context;
}

Result<ClientTlsContexts> ClientTlsContexts::Build(const Config& config) {
  static const std::pair<TlsTarget, const char*> kGroups[] = {
      {TlsTarget::kL3, "L3 upstream"}, {TlsTarget::kFallback, "fallback providers"},
      {TlsTarget::kL2Sidecar, "L2 sidecar"}, {TlsTarget::kOtel, "OTLP collector"}};
  ClientTlsContexts out;
  for (const auto& [target, name] : kGroups) {
    ClientTlsSettings settings = ResolveClientTls(config, target);
    auto context = BuildClientTlsContext(settings);
    if (!context.ok()) {
      return MakeError(context.error().code, std::string("outbound TLS for the ") + name + ": " +
                                                 context.error().message);
    }
    if (settings.insecure) {
      Diag(LogLevel::kWarn, std::string("TLS CERTIFICATE VERIFICATION IS OFF for the ") + name +
                                " (" + settings.insecure_variable + "=true): anyone on the path "
                                "can read and change this traffic");
    }
    out.contexts_[static_cast<int>(target)] = std::move(*context);
  }
  return out;
}

Status CheckInsecureAllowed(bool offline, const Endpoint& endpoint, const ClientTlsSettings& s,
                            const std::string& label) {
  if (!s.insecure || !offline || IsLoopback(endpoint.host)) return Status::Ok();
  return MakeError(ErrorCode::kInvalidArgument,
                   s.insecure_variable + ": refused in offline mode for " + label + " " +
                       endpoint.HostPort() + " (only a loopback destination may skip "
                       "certificate verification)");
}

}  // namespace isartor
