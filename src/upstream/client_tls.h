// TLS for outbound connections: which CA bundle, client certificate and verification rule
// apply to each destination group, and the OpenSSL client context built from them.
// Rules: a group's own *_CA_FILE wins over ISARTOR__UPSTREAM_CA_FILE; with neither, the system
// trust store verifies. A bundle replaces the system store unless ISARTOR__UPSTREAM_CA_MODE=add.
// Host names are always verified (HttpClient sets SNI and the name check per connection);
// `insecure` is the one way to turn verification off, per group, and is logged at start.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "common/result.h"
#include "config/config.h"
#include "net/endpoint.h"

namespace isartor {

enum class TlsTarget { kL3, kFallback, kL2Sidecar, kOtel };

struct ClientTlsSettings {
  std::string ca_file;            // empty: system store only
  bool add_system_store = true;   // with ca_file: also trust the system store (mode "add")
  std::string client_cert_file;   // mTLS; empty = none
  std::string client_key_file;
  bool insecure = false;
  std::string min_version = "1.2";
  std::string insecure_variable;  // e.g. ISARTOR__L3_TLS_INSECURE, for messages
};

// The effective settings of `target` under `config` (never fails; files are read later).
ClientTlsSettings ResolveClientTls(const Config& config, TlsTarget target);

// What verifies the peer, for logs and `isartor check`: "system trust store",
// "/etc/site/ca.pem", "/etc/site/ca.pem + system trust store", or
// "NONE (verification off: ISARTOR__L3_TLS_INSECURE)".
std::string DescribeTrust(const ClientTlsSettings& settings);

// Builds a client context: TLS min_version+, modern ciphers, peer verification (unless
// insecure) against the CA set above, the client certificate if any. Errors (kInvalidArgument)
// name the file and OpenSSL's reason.
Result<std::shared_ptr<boost::asio::ssl::context>> BuildClientTlsContext(
    const ClientTlsSettings& settings);

// One client context per destination group, built once at start; immutable afterwards (an
// SSL_CTX is safe to share between threads for creating connections).
class ClientTlsContexts {
 public:
  // Builds the four groups' contexts from `config`, logging a warning for each group whose
  // verification is off. Fails like BuildClientTlsContext, the message naming the group.
  static Result<ClientTlsContexts> Build(const Config& config);
  // Never null after a successful Build. Owned by this object.
  boost::asio::ssl::context* For(TlsTarget target) const {
    return contexts_[static_cast<int>(target)].get();
  }

 private:
  std::shared_ptr<boost::asio::ssl::context> contexts_[4];
};

// Refuses (kInvalidArgument) `insecure` for a non-loopback `endpoint` in offline mode: an
// air-gapped site must not trade verification away on the network. `label` names the
// destination in the message.
Status CheckInsecureAllowed(bool offline, const Endpoint& endpoint,
                            const ClientTlsSettings& settings, const std::string& label);

}  // namespace isartor
