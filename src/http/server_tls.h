// The HTTPS listener's TLS context, and its replacement on SIGHUP (certificate rotation).
// New connections take the current context; a connection keeps the context it started with
// for its whole life, so a reload never drops or disturbs a connection.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "common/result.h"

namespace isartor {

struct ServerTlsFiles {
  std::string cert_file;       // PEM chain, leaf first
  std::string key_file;        // PEM private key, may be encrypted
  std::string key_passphrase;  // for an encrypted key; empty otherwise
  std::string client_ca_file;  // non-empty: clients must present a certificate it verifies
  std::string min_version = "1.2";
};

// Builds a server context from `files`: TLS min_version+, modern ciphers, ALPN http/1.1, and
// with a client CA, mandatory client certificates. Reads the files now. Errors
// (kInvalidArgument) name the file and the reason (unreadable, wrong passphrase, key does not
// match the certificate, CA bundle without certificates).
Result<std::shared_ptr<boost::asio::ssl::context>> BuildServerTlsContext(
    const ServerTlsFiles& files);

// Thread-safe holder of the current context.
class ServerTls {
 public:
  // Fails like BuildServerTlsContext.
  static Result<std::unique_ptr<ServerTls>> Create(ServerTlsFiles files);

  // The context for a new connection (never null). Takes a mutex for a pointer copy.
  std::shared_ptr<boost::asio::ssl::context> Current() const;
  // Re-reads the same files. On success new connections use the new certificate; on failure
  // the current context stays and the error says why. Safe from any thread.
  Status Reload();
  bool requires_client_certificate() const { return !files_.client_ca_file.empty(); }
  // "CN=gateway.internal, expires 2027-01-31T12:00:00Z" for the current certificate.
  std::string DescribeCurrent() const;
  // The current certificate's notAfter, seconds since the epoch (0 if unreadable).
  double CurrentNotAfterSeconds() const;
  // Reload() outcomes since start.
  uint64_t reloads_ok() const { return reloads_ok_.load(); }
  uint64_t reloads_failed() const { return reloads_failed_.load(); }

 private:
  ServerTls(ServerTlsFiles files, std::shared_ptr<boost::asio::ssl::context> context)
      : files_(std::move(files)), current_(std::move(context)) {}
  const ServerTlsFiles files_;
  mutable std::mutex mu_;  // guards current_ (copy or swap only)
  std::shared_ptr<boost::asio::ssl::context> current_;
  std::atomic<uint64_t> reloads_ok_{0};
  std::atomic<uint64_t> reloads_failed_{0};
};

}  // namespace isartor
