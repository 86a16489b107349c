// The HTTP front: cpprestsdk's listener turned into SyncService requests.
// Only this file knows cpprestsdk's server side.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "server/service.hpp"
#include "server/tls.hpp"

namespace gw::server {

class HttpFront {
 public:
  // url: "http://127.0.0.1:8080", or "https://..." with a TLS identity.
  // Opens at once; throws on a bad address.
  HttpFront(SyncService& service, const std::string& url, size_t max_body,
            std::optional<TlsIdentity> tls = std::nullopt);
  ~HttpFront();
  void close();  // stops accepting; requests in flight still get answers

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gw::server
