#include "net/http_transport.hpp"

#include <cpprest/http_client.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "shared/json.hpp"

namespace gw::net {

using namespace web::http;
using namespace web::http::client;

namespace {

// cpprestsdk reports a failed handshake as "Error in SSL handshake" with
// OpenSSL's packed error code as the value; a certificate that did not
// verify is SSL_R_CERTIFICATE_VERIFY_FAILED.
bool refused_certificate(const std::exception& e) {
  const auto* he = dynamic_cast<const http_exception*>(&e);
  if (!he) return false;
  auto v = static_cast<unsigned long>(he->error_code().value());
  return ERR_GET_LIB(v) == ERR_LIB_SSL && ERR_GET_REASON(v) == SSL_R_CERTIFICATE_VERIFY_FAILED;
}

}  // namespace

// pplx's cancellation source is safe to use from any thread.
struct HttpTransport::Cancel {
  pplx::cancellation_token_source source;
};

HttpTransport::HttpTransport(std::string base_url, const sync::DeviceKey& key, int timeout_ms, std::string ca_file)
    : base_(std::move(base_url)),
      key_(key),
      timeout_ms_(timeout_ms),
      ca_file_(std::move(ca_file)),
      cancel_(std::make_unique<Cancel>()) {}

HttpTransport::~HttpTransport() = default;

void HttpTransport::cancel() { cancel_->source.cancel(); }

Result<std::string> HttpTransport::send(const std::string& method, std::string_view path, const std::string& body,
                                        bool sign, int timeout_ms) {
  // cpprestsdk reuses pooled keep-alive connections the server may have
  // closed meanwhile; such a request fails before the server sees it, so one
  // retry on a fresh connection is safe (and every endpoint is idempotent:
  // batches have ids, pulls have cursors).
  auto first = send_once(method, path, body, sign, timeout_ms);
  if (first || first.error().code != Code::offline) return first;
  return send_once(method, path, body, sign, timeout_ms);
}

Result<std::string> HttpTransport::send_once(const std::string& method, std::string_view path, const std::string& body,
                                             bool sign, int timeout_ms) {
  try {
    http_client_config cfg;
    cfg.set_timeout(std::chrono::milliseconds(timeout_ms));
    if (!ca_file_.empty())
      cfg.set_ssl_context_callback([ca = ca_file_](boost::asio::ssl::context& ctx) { ctx.load_verify_file(ca); });
    http_client client(base_, cfg);
    http_request req(method);
    req.set_request_uri(std::string(path));
    if (!token_.empty()) req.headers().add("Authorization", "Bearer " + token_);
    if (sign) req.headers().add("X-Gridwork-Signature", key_.sign_base64(body));
    if (method == methods::POST) req.set_body(body, "application/json");
    // Photo bytes (issue 22) as they are: set_body(string) would take them as UTF-8 text.
    if (method == methods::PUT) {
      req.set_body(std::vector<unsigned char>(body.begin(), body.end()));
      req.headers().set_content_type("application/octet-stream");
    }
    http_response resp = client.request(req, cancel_->source.get_token()).get();
    auto bytes = resp.extract_vector().get();
    std::string text(bytes.begin(), bytes.end());
    if (resp.status_code() == status_codes::OK) return text;
    auto j = parse_json(text);
    const Json* err = j ? j->find("error") : nullptr;
    const Json* code = err ? err->find("code") : nullptr;
    const Json* msg = err ? err->find("message") : nullptr;
    if (code && code->is_string())
      return Error{code_from_name(code->as_string()), msg && msg->is_string() ? msg->as_string() : text};
    return Error{Code::io, "HTTP " + std::to_string(resp.status_code()) + " from the server"};
  } catch (const std::exception& e) {
    // No answer: refused, reset, timed out. The caller keeps its work and retries.
    if (refused_certificate(e))
      return Error{Code::offline, "the server's certificate was not trusted (" + base_ +
                                      "): check the server address, or give the app the server's CA or certificate file "
                                      "(--ca-file)"};
    return Error{Code::offline, std::string("server unreachable: ") + e.what()};
  }
}

Result<std::string> HttpTransport::exchange(std::string_view path, const std::string& body) {
  return send(methods::POST, path, body, path == "/v1/sync/push", timeout_ms_);
}

Result<std::string> HttpTransport::get(const std::string& path_and_query, int timeout_ms) {
  return send(methods::GET, path_and_query, {}, false, timeout_ms);
}

Result<std::string> HttpTransport::put(const std::string& path_and_query, const std::string& bytes) {
  return send(methods::PUT, path_and_query, bytes, false, timeout_ms_);
}

Result<LoginResult> HttpTransport::login(const std::string& username, const std::string& password,
                                         const std::string& device_id, const std::string& device_name) {
  Json body = Json::object();
  body.set("username", username);
  body.set("password", password);
  Json device = Json::object();
  device.set("id", device_id);
  device.set("public_key", key_.public_key_base64());
  device.set("name", device_name);
  body.set("device", std::move(device));
  std::string saved = std::move(token_);
  token_.clear();
  auto r = send(methods::POST, "/v1/auth/login", body.dump(), false, timeout_ms_);
  if (!r) {
    token_ = std::move(saved);
    return r.error();
  }
  auto j = parse_json(*r);
  if (!j) return Error{Code::invalid, "login answer: " + j.error().message};
  const Json* token = j->find("token");
  const Json* user = j->find("user");
  if (!token || !token->is_string() || !user) return Error{Code::invalid, "login answer lacks token or user"};
  LoginResult out;
  out.token = token->as_string();
  if (const Json* e = j->find("expires_at"); e && e->is_int()) out.expires_at = e->as_int();
  if (const Json* h = j->find("server_hlc"); h && h->is_int()) out.server_hlc = h->as_int();
  auto str = [&](const char* k) {
    const Json* v = user->find(k);
    return v && v->is_string() ? v->as_string() : std::string();
  };
  out.user_id = str("id");
  out.username = str("username");
  out.name = str("name");
  if (const Json* roles = user->find("roles"); roles && roles->is_array())
    for (const auto& role : roles->as_array())
      if (role.is_string()) out.roles += (out.roles.empty() ? "" : ",") + role.as_string();
  token_ = out.token;
  return out;
}

}  // namespace gw::net
