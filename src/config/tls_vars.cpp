#include "config/tls_vars.h"

#include "config/var_adapters.h"

namespace isartor {
using namespace config_detail;  // NOLINT: the adapters are this file's vocabulary

namespace {

// The four TLS variables of one outbound destination group (`env`/`toml` are name prefixes).
void AddOutboundTlsVars(std::vector<ConfigVar>& v, const std::string& env,
                        const std::string& toml, Member<OutboundTls> group,
                        const std::string& what) {
  auto text = [&](const char* suffix, const char* key, std::string OutboundTls::*field,
                  std::string desc) {
    v.push_back({env + suffix, toml + key, "", std::move(desc), false,
                 [group, field](Config& c, const std::string& s) {
                   (c.*group).*field = s;
                   return std::string();
                 },
                 [group, field](const Config& c) { return (c.*group).*field; }});
  };
  text("CA_FILE", "ca_file", &OutboundTls::ca_file,
       "PEM CA bundle verifying " + what + "; empty = ISARTOR__UPSTREAM_CA_FILE.");
  text("CLIENT_CERT_FILE", "client_cert_file", &OutboundTls::client_cert_file,
       "PEM client certificate presented to " + what +
           " (mTLS); empty = ISARTOR__UPSTREAM_CLIENT_CERT_FILE.");
  text("CLIENT_KEY_FILE", "client_key_file", &OutboundTls::client_key_file,
       "PEM private key (unencrypted) of that client certificate.");
  v.push_back({env + "TLS_INSECURE", toml + "tls_insecure", "false",
               "Turn certificate verification OFF for " + what +
                   " (logged as a warning at start; refused in offline mode unless it is "
                   "loopback). For tests only.",
               false,
               [group](Config& c, const std::string& s) {
                 return ParseBool(s, &(c.*group).insecure);
               },
               [group](const Config& c) {
                 return std::string((c.*group).insecure ? "true" : "false");
               }});
}

}  // namespace

// Listener and outbound TLS settings.
void AddTlsVars(std::vector<ConfigVar>& v) {
  v.push_back(Str("ISARTOR__TLS_CERT_FILE", "tls_cert_file", &Config::tls_cert_file, "",
                  "PEM certificate chain (leaf first) of the listener; with "
                  "ISARTOR__TLS_KEY_FILE it serves HTTPS. Reloaded on SIGHUP."));
  v.push_back(Str("ISARTOR__TLS_KEY_FILE", "tls_key_file", &Config::tls_key_file, "",
                  "PEM private key of that certificate (may be encrypted)."));
  v.push_back(Str("ISARTOR__TLS_KEY_PASSPHRASE", "tls_key_passphrase",
                  &Config::tls_key_passphrase, "",
                  "Passphrase of an encrypted ISARTOR__TLS_KEY_FILE.", true));
  v.push_back(Str("ISARTOR__TLS_CLIENT_CA_FILE", "tls_client_ca_file",
                  &Config::tls_client_ca_file, "",
                  "PEM CA bundle; set = every client must present a certificate it verifies "
                  "(mutual TLS)."));
  v.push_back(Bool("ISARTOR__TLS_CLIENT_CERT_TENANT", "tls_client_cert_tenant",
                   &Config::tls_client_cert_tenant, "false",
                   "Derive the tenant (cache partition, audit) from the verified client "
                   "certificate (first SAN URI/DNS/email, else subject CN) instead of the key."));
  v.push_back(OneOf("ISARTOR__TLS_MIN_VERSION", "tls_min_version", &Config::tls_min_version,
                    "1.2", "Oldest TLS version the listener and the outbound clients accept.",
                    {"1.2", "1.3"}));
  v.push_back(Num<int>("ISARTOR__TLS_HANDSHAKE_TIMEOUT_SECS", "tls_handshake_timeout_secs",
                       &Config::tls_handshake_timeout_secs, "10",
                       "Time a client has to finish the TLS handshake.", 1, 600));
}

void AddOutboundTlsDefaults(std::vector<ConfigVar>& v) {
  v.push_back(Str("ISARTOR__UPSTREAM_CA_FILE", "upstream_ca_file", &Config::upstream_ca_file, "",
                  "PEM CA bundle verifying every outbound HTTPS destination (L3, fallbacks, L2, "
                  "OTLP) unless its own *_CA_FILE is set. Empty = the system trust store."));
  v.push_back(OneOf("ISARTOR__UPSTREAM_CA_MODE", "upstream_ca_mode", &Config::upstream_ca_mode,
                    "replace",
                    "How a CA bundle combines with the system trust store: replace (trust the "
                    "bundle only: the same on every host, and a public CA cannot vouch for an "
                    "internal name) or add (bundle and system store).",
                    {"replace", "add"}));
  v.push_back(Str("ISARTOR__UPSTREAM_CLIENT_CERT_FILE", "upstream_client_cert_file",
                  &Config::upstream_client_cert_file, "",
                  "PEM client certificate presented to outbound HTTPS destinations (mTLS)."));
  v.push_back(Str("ISARTOR__UPSTREAM_CLIENT_KEY_FILE", "upstream_client_key_file",
                  &Config::upstream_client_key_file, "",
                  "PEM private key (unencrypted) of that client certificate."));
  AddOutboundTlsVars(v, "ISARTOR__L3_", "l3_", &Config::l3_tls, "the L3 upstream");
  AddOutboundTlsVars(v, "ISARTOR__FALLBACK_", "fallback_", &Config::fallback_tls,
                     "the fallback providers");
  AddOutboundTlsVars(v, "ISARTOR__LAYER2__", "layer2.", &Config::layer2_tls,
                     "the L2 sidecar");
  AddOutboundTlsVars(v, "ISARTOR__OTEL_", "otel_", &Config::otel_tls, "the OTLP collector");
}

// Settings that only make sense together.
void CheckTlsCombinations(const Config& c, std::vector<std::string>& problems) {
  if (c.tls_cert_file.empty() != c.tls_key_file.empty()) {
    problems.push_back("ISARTOR__TLS_CERT_FILE and ISARTOR__TLS_KEY_FILE: set both or neither");
  }
  if (!c.tls_client_ca_file.empty() && c.tls_cert_file.empty()) {
    problems.push_back("ISARTOR__TLS_CLIENT_CA_FILE: needs ISARTOR__TLS_CERT_FILE and "
                       "ISARTOR__TLS_KEY_FILE (client certificates exist only over TLS)");
  }
  if (c.tls_client_cert_tenant && c.tls_client_ca_file.empty()) {
    problems.push_back("ISARTOR__TLS_CLIENT_CERT_TENANT: needs ISARTOR__TLS_CLIENT_CA_FILE "
                       "(only a verified client certificate can name a tenant)");
  }
  const std::pair<const char*, const OutboundTls*> groups[] = {
      {"ISARTOR__UPSTREAM_", nullptr}, {"ISARTOR__L3_", &c.l3_tls},
      {"ISARTOR__FALLBACK_", &c.fallback_tls}, {"ISARTOR__LAYER2__", &c.layer2_tls},
      {"ISARTOR__OTEL_", &c.otel_tls}};
  for (const auto& [prefix, g] : groups) {
    const std::string& cert = g ? g->client_cert_file : c.upstream_client_cert_file;
    const std::string& key = g ? g->client_key_file : c.upstream_client_key_file;
    if (cert.empty() != key.empty()) {
      problems.push_back(std::string(prefix) + "CLIENT_CERT_FILE and " + prefix +
                         "CLIENT_KEY_FILE: set both or neither");
    }
  }
}

}  // namespace isartor
