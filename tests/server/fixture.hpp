// What the server's integration tests share: the demo park's server (one
// per test program) and a device over HTTP with its own replica.
#pragma once

#include <doctest/doctest.h>

#include <cpprest/http_client.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "sync/core/device_key.hpp"
#include "net/http_transport.hpp"
#include "shared/json.hpp"
#include "shared/sqlite.hpp"
#include "shared/uuid.hpp"
#include "sync/device/replica.hpp"
#include "sync/device/sync_client.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_device.hpp"

namespace gw::test {

inline int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline ServerProcess& demo_server() {
  static ServerProcess s({"--demo"});
  return s;
}

struct Raw {
  int status = 0;
  std::string body;
  Json json;
};

inline Raw raw_once(const std::string& url, const std::string& method, const std::string& path, const std::string& body,
             const std::vector<std::pair<std::string, std::string>>& headers) {
  using namespace web::http;
  web::http::client::http_client c(url);
  http_request req(method);
  req.set_request_uri(path);
  for (auto& [k, v] : headers) req.headers().add(k, v);
  if (method == methods::POST) req.set_body(body, "application/json");
  if (method == methods::PUT) req.set_body(std::vector<unsigned char>(body.begin(), body.end()));  // photo bytes as they are
  auto resp = c.request(req).get();
  auto bytes = resp.extract_vector().get();
  Raw r;
  r.status = resp.status_code();
  r.body.assign(bytes.begin(), bytes.end());
  if (auto j = parse_json(r.body)) r.json = *j;
  return r;
}

// cpprestsdk shares keep-alive connections between clients and may hand out
// one the server has closed: that request never reached the server, so it
// is sent once more (as the app's HttpTransport does).
inline Raw raw(const std::string& url, const std::string& method, const std::string& path, const std::string& body,
        std::vector<std::pair<std::string, std::string>> headers = {}) {
  try {
    return raw_once(url, method, path, body, headers);
  } catch (const web::http::http_exception&) {
    return raw_once(url, method, path, body, headers);
  }
}

inline std::string error_code(const Raw& r) {
  const Json* e = r.json.find("error");
  const Json* c = e ? e->find("code") : nullptr;
  return c && c->is_string() ? c->as_string() : "";
}

// A device over HTTP with its own replica, like a tablet.
struct Device : TestDevice {
  sync::DeviceKey key = sync::DeviceKey::generate();
  std::string id;
  net::HttpTransport http;
  sync::SyncClient sync;
  net::LoginResult me;

  // ca_file: the PEM the device trusts for an https server (empty: the system's CAs).
  Device(const std::string& url, const std::string& user, const std::string& password = "gridwork-demo",
         const std::string& ca_file = {})
      : TestDevice(":memory:", "dev-" + UuidV7().next(now_ms()), now_ms),
        id(replica.device_id()),
        http(url, key, 30'000, ca_file),
        sync(replica, http) {
    replica.set_key(&key);
    sync.overlap = true;  // as the app pushes
    auto r = http.login(user, password, id, "test tablet");
    REQUIRE_MESSAGE(r.is_ok(), (r ? std::string() : r.error().to_string()));
    me = *r;
  }
  int64_t count(const char* sql) { return db.query_int(sql); }
};

}  // namespace gw::test
