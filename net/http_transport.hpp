// gridwork::net — the sync transport over HTTP (cpprestsdk's client), for
// the tablet and for the tests and benchmarks that play one: bearer token on every
// request, the device's signature on pushes, bounded time. A request that
// gets no answer is Code::offline; an error answer keeps the server's code.
// An https URL is verified against the system's CAs and, when given,
// ca_file (PEM), e.g. a server's self-signed certificate; a certificate
// that does not verify is Code::offline too, saying so.
#pragma once

#include <memory>
#include <string>

#include "sync/core/device_key.hpp"
#include "shared/hlc.hpp"
#include "sync/core/transport.hpp"

namespace gw::net {

struct LoginResult {
  std::string token;
  int64_t expires_at = 0;
  std::string user_id, username, name;
  std::string roles;  // "worker,chief"
  HlcTime server_hlc = 0;
};

class HttpTransport : public sync::Transport {
 public:
  HttpTransport(std::string base_url, const sync::DeviceKey& key, int timeout_ms = 30'000, std::string ca_file = {});
  ~HttpTransport() override;

  Result<LoginResult> login(const std::string& username, const std::string& password, const std::string& device_id,
                            const std::string& device_name);
  void set_token(std::string token) { token_ = std::move(token); }

  Result<std::string> exchange(std::string_view path, const std::string& body) override;
  // GET with the token, for /v1/sync/wait and reports.
  Result<std::string> get(const std::string& path_and_query, int timeout_ms);
  // PUT of raw bytes (application/octet-stream), for photo chunks (/v1/blobs).
  Result<std::string> put(const std::string& path_and_query, const std::string& bytes);
  // Ends the requests in flight at once, and any made later (they return
  // Code::offline); from any thread. A long-poll must not hold the app open
  // for its 25 s.
  void cancel();

 private:
  Result<std::string> send(const std::string& method, std::string_view path, const std::string& body, bool sign,
                           int timeout_ms);
  Result<std::string> send_once(const std::string& method, std::string_view path, const std::string& body, bool sign,
                                int timeout_ms);
  std::string base_;
  const sync::DeviceKey& key_;
  int timeout_ms_;
  std::string ca_file_;
  std::string token_;
  struct Cancel;
  std::unique_ptr<Cancel> cancel_;
};

}  // namespace gw::net
