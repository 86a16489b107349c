#include "server/tls.hpp"

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <fstream>
#include <sstream>

namespace gw::server {

namespace {

// Mozilla's "intermediate" TLS 1.2 list: ECDHE key exchange (forward
// secrecy) and AEAD ciphers only. TLS 1.3's own suites are all fine.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

Result<std::string> read_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{Code::io, std::string("cannot read the TLS ") + what + " file " + path};
  std::ostringstream s;
  s << in.rdbuf();
  if (s.str().empty()) return Error{Code::invalid, std::string("the TLS ") + what + " file " + path + " is empty"};
  return s.str();
}

}  // namespace

void configure_tls(boost::asio::ssl::context& ctx, const TlsIdentity& id) {
  namespace ssl = boost::asio::ssl;
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use |
                  ssl::context::no_compression);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  SSL_CTX_set_cipher_list(ctx.native_handle(), kTls12Ciphers);
  ctx.use_certificate_chain(boost::asio::buffer(id.cert_pem));
  ctx.use_private_key(boost::asio::buffer(id.key_pem), ssl::context::pem);
}

Result<TlsIdentity> load_tls_identity(const std::string& cert_path, const std::string& key_path) {
  auto cert = read_file(cert_path, "certificate");
  if (!cert) return cert.error();
  auto key = read_file(key_path, "key");
  if (!key) return key.error();
  TlsIdentity id{std::move(*cert), std::move(*key)};
  boost::asio::ssl::context probe(boost::asio::ssl::context::tls_server);
  boost::system::error_code ec;
  if (probe.use_certificate_chain(boost::asio::buffer(id.cert_pem), ec); ec)
    return Error{Code::invalid, "the TLS certificate " + cert_path + " is not a PEM certificate (" + ec.message() + ")"};
  if (probe.use_private_key(boost::asio::buffer(id.key_pem), boost::asio::ssl::context::pem, ec); ec)
    return Error{Code::invalid, "the TLS key " + key_path + " is not a PEM private key (" + ec.message() + ")"};
  if (SSL_CTX_check_private_key(probe.native_handle()) != 1)
    return Error{Code::invalid, "the TLS key " + key_path + " does not belong to the certificate " + cert_path};
  return id;
}

}  // namespace gw::server
