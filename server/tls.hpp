// The server's TLS identity: a PEM certificate chain and its private key,
// read and checked once at start, then handed to every connection's context.
#pragma once

#include <string>

#include "shared/error.hpp"

namespace boost::asio::ssl {
class context;
}

namespace gw::server {

struct TlsIdentity {
  std::string cert_pem, key_pem;
};

// Reads both files and checks that they parse and that the key belongs to the
// certificate, so a bad pair stops the server before it listens.
Result<TlsIdentity> load_tls_identity(const std::string& cert_path, const std::string& key_path);

// TLS 1.2 and later only, forward-secret AEAD ciphers, the identity's
// certificate and key. Throws boost::system::system_error on a bad identity
// (load_tls_identity has already ruled that out).
void configure_tls(boost::asio::ssl::context& ctx, const TlsIdentity& id);

}  // namespace gw::server
