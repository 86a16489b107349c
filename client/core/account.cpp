#include "client/core/account.hpp"

#include <sodium.h>

#include <chrono>

#include "client/core/settings_file.hpp"
#include "shared/json.hpp"
#include "shared/uuid.hpp"

namespace gw::client {

AccountFile::AccountFile(std::string data_dir) : path_(std::move(data_dir) + "/account.json") {}

namespace {

std::string text_of(const Json& j, const char* key) {
  const Json* v = j.find(key);
  return v && v->is_string() ? v->as_string() : std::string();
}

std::string new_device_id() {
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch()).count();
  return UuidV7().next(now);
}

}  // namespace

Result<Account> AccountFile::load() const {
  auto text = read_file(path_);
  Account a;
  if (!text) {
    a.device_id = new_device_id();
    return a;
  }
  auto j = parse_json(*text);
  if (!j || !j->is_object()) return Error{Code::io, path_ + " is damaged; move it away to start afresh"};
  a.device_id = text_of(*j, "device_id");
  a.username = text_of(*j, "username");
  a.user_id = text_of(*j, "user_id");
  a.name = text_of(*j, "name");
  a.roles = text_of(*j, "roles");
  a.token = text_of(*j, "token");
  a.password_verifier = text_of(*j, "password_verifier");
  a.pin_verifier = text_of(*j, "pin_verifier");
  a.key_by_password = text_of(*j, "key_by_password");
  a.key_by_pin = text_of(*j, "key_by_pin");
  if (const Json* e = j->find("expires_at"); e && e->is_int()) a.expires_at = e->as_int();
  if (const Json* c = j->find("clock"); c && c->is_int()) a.clock = c->as_int();
  if (a.device_id.empty()) a.device_id = new_device_id();
  return a;
}

Status AccountFile::save(const Account& a) const {
  Json j = Json::object();
  j.set("device_id", a.device_id);
  j.set("username", a.username);
  j.set("user_id", a.user_id);
  j.set("name", a.name);
  j.set("roles", a.roles);
  j.set("token", a.token);
  j.set("expires_at", a.expires_at);
  j.set("password_verifier", a.password_verifier);
  j.set("pin_verifier", a.pin_verifier);
  j.set("key_by_password", a.key_by_password);
  j.set("key_by_pin", a.key_by_pin);
  j.set("clock", a.clock);
  return write_file_atomic(path_, j.dump());
}

Result<std::string> make_verifier(const std::string& secret) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, secret.data(), secret.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return Error{Code::io, "out of memory while hashing the password"};
  return std::string(out);
}

bool check_verifier(const std::string& verifier, const std::string& secret) {
  if (verifier.empty()) return false;
  return crypto_pwhash_str_verify(verifier.c_str(), secret.data(), secret.size()) == 0;
}

bool is_valid_pin(const std::string& pin) {
  if (pin.size() < 4 || pin.size() > 8) return false;
  for (char c : pin)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace gw::client
