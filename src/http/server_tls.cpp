#include "http/server_tls.h"

#include <openssl/x509.h>

#include <ctime>

#include "net/tls_files.h"

namespace isartor {
namespace asio = boost::asio;

namespace {

// ALPN: the gateway speaks HTTP/1.1 only. A client that offers no http/1.1 still gets a
// connection (no ALPN) rather than a handshake failure, like nginx without http2.
int SelectAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned int inlen, void*) {
  static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, kHttp11, sizeof kHttp11, in, inlen) ==
      OPENSSL_NPN_NEGOTIATED) {
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

}  // namespace

Result<std::shared_ptr<asio::ssl::context>> BuildServerTlsContext(const ServerTlsFiles& files) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* ctx = context->native_handle();
  if (Status s = ApplyModernProtocolPolicy(ctx, files.min_version); !s.ok()) return s.error();
  if (Status s = LoadCertificateAndKey(ctx, files.cert_file, files.key_file,
                                       files.key_passphrase);
      !s.ok()) {
    return s.error();
  }
  SSL_CTX_set_alpn_select_cb(ctx, SelectAlpn, nullptr);
  // Session resumption (cache and tickets) needs an id context once client certs are verified.
  static const unsigned char kSessionContext[] = "isartor";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);
  if (!files.client_ca_file.empty()) {
    if (Status s = LoadCaBundle(ctx, files.client_ca_file); !s.ok()) return s.error();
    // Tell clients which CAs we accept (helps a client holding several certificates choose).
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.client_ca_file.c_str())) {
      SSL_CTX_set_client_CA_list(ctx, names);
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  TakeOpenSslErrors();
  return context;
}

Result<std::unique_ptr<ServerTls>> ServerTls::Create(ServerTlsFiles files) {
  auto context = BuildServerTlsContext(files);
  if (!context.ok()) return context.error();
  return std::unique_ptr<ServerTls>(new ServerTls(std::move(files), std::move(*context)));
}

std::shared_ptr<asio::ssl::context> ServerTls::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

Status ServerTls::Reload() {
  auto context = BuildServerTlsContext(files_);  // file I/O outside the lock
  if (!context.ok()) {
    reloads_failed_++;
    return context.error();
  }
  std::lock_guard<std::mutex> lock(mu_);
  current_ = std::move(*context);
  reloads_ok_++;
  return Status::Ok();
}

std::string ServerTls::DescribeCurrent() const {
  auto context = Current();  // keeps the certificate alive while it is read
  X509* cert = SSL_CTX_get0_certificate(context->native_handle());
  return CertificateSubject(cert) + ", expires " + CertificateNotAfter(cert);
}

double ServerTls::CurrentNotAfterSeconds() const {
  auto context = Current();
  X509* cert = SSL_CTX_get0_certificate(context->native_handle());
  int days = 0, seconds = 0;
  if (!cert || ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(cert)) != 1) return 0;
  return static_cast<double>(std::time(nullptr)) + days * 86400.0 + seconds;
}

}  // namespace isartor
