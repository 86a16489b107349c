#include "server/auth.hpp"

#include <sodium.h>

#include "sync/core/device_key.hpp"

#include <algorithm>

namespace gw::server {

namespace {
struct SodiumInit {
  SodiumInit() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  }
};
void ensure_sodium() { static SodiumInit once; }

std::string token_hash(std::string_view token) {
  unsigned char out[32];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr, 0);
  return std::string(reinterpret_cast<char*>(out), sizeof out);
}
}  // namespace

void create_auth_tables(Db& db) {
  Transaction txn(db);
  db.exec_ddl(R"(
    CREATE TABLE IF NOT EXISTS _accounts (user_id TEXT PRIMARY KEY, password_hash TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS _devices (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, public_key {blob} NOT NULL,
      name TEXT, created_at {int} NOT NULL, last_seen {int}, revoked {int} NOT NULL DEFAULT 0);
    CREATE TABLE IF NOT EXISTS _tokens (hash {blob} PRIMARY KEY, user_id TEXT NOT NULL, device_id TEXT NOT NULL,
      expires_at {int} NOT NULL);
    CREATE TABLE IF NOT EXISTS _login_failures (key TEXT NOT NULL, at {int} NOT NULL);
    CREATE INDEX IF NOT EXISTS _login_failures_key ON _login_failures (key, at);
  )");
  txn.commit();
}

std::string hash_password(std::string_view password) {
  ensure_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    throw std::runtime_error("out of memory hashing a password");
  return out;
}

bool verify_password(std::string_view hash, std::string_view password) {
  ensure_sodium();
  std::string h(hash);
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

// One base64 for the whole system: the device key's (sync/device_key).
std::string base64(std::string_view bytes) { return sync::to_base64(bytes); }
std::optional<std::string> unbase64(std::string_view text) { return sync::from_base64(text); }

namespace auth {

void set_password(Db& db, const std::string& user_id, const std::string& hash) {
  db.prepare("INSERT INTO _accounts (user_id, password_hash) VALUES (?, ?) "
             "ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash")
      .bind(1, user_id)
      .bind(2, hash)
      .run();
}

std::optional<std::string> password_hash(Db& db, const std::string& user_id) {
  auto s = db.prepare("SELECT password_hash FROM _accounts WHERE user_id = ?");
  s.bind(1, user_id);
  if (!s.step()) return std::nullopt;
  return std::string(s.text(0));
}

Status bind_device(Db& db, const std::string& device_id, const std::string& user_id, std::string_view public_key,
                   const std::string& name, int64_t now_ms) {
  auto s = db.prepare("SELECT user_id, revoked, public_key FROM _devices WHERE id = ?");
  s.bind(1, device_id);
  if (s.step()) {
    if (s.int64(1)) return Error{Code::revoked, "this device has been revoked by an admin: its data is to be wiped"};
    if (s.text(0) != user_id) return Error{Code::forbidden, "this device is registered to another user"};
    if (s.blob(2) != public_key) {
      // A new key for a known device: the app was reinstalled. Rebinding is
      // allowed after a password login; the old key signs nothing more.
      db.prepare("UPDATE _devices SET public_key = ? WHERE id = ?").bind_blob(1, public_key.data(), public_key.size()).bind(2, device_id).run();
    }
    db.prepare("UPDATE _devices SET last_seen = ?, name = ? WHERE id = ?").bind(1, now_ms).bind(2, name).bind(3, device_id).run();
    return Status::ok();
  }
  auto ins = db.prepare("INSERT INTO _devices (id, user_id, public_key, name, created_at, last_seen) VALUES (?, ?, ?, ?, ?, ?)");
  ins.bind(1, device_id).bind(2, user_id).bind_blob(3, public_key.data(), public_key.size());
  ins.bind(4, name).bind(5, now_ms).bind(6, now_ms).run();
  return Status::ok();
}

std::string issue_token(Db& db, const std::string& user_id, const std::string& device_id, int64_t expires_at) {
  ensure_sodium();
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  std::string token = base64(std::string_view(reinterpret_cast<char*>(raw), sizeof raw));
  std::string h = token_hash(token);
  db.prepare("INSERT INTO _tokens (hash, user_id, device_id, expires_at) VALUES (?, ?, ?, ?)")
      .bind_blob(1, h.data(), h.size())
      .bind(2, user_id)
      .bind(3, device_id)
      .bind(4, expires_at)
      .run();
  return token;
}

Result<Session> check_token(Db& db, std::string_view token, int64_t now_ms) {
  std::string h = token_hash(token);
  auto s = db.prepare(
      "SELECT t.user_id, t.device_id, t.expires_at, d.revoked FROM _tokens t JOIN _devices d ON d.id = t.device_id "
      "WHERE t.hash = ?");
  s.bind_blob(1, h.data(), h.size());
  if (!s.step()) return Error{Code::unauthorized, "unknown token: log in again"};
  if (s.int64(2) <= now_ms) return Error{Code::unauthorized, "the session has expired: log in again"};
  return Session{std::string(s.text(0)), std::string(s.text(1)), s.int64(2), s.int64(3) != 0};
}

void refresh_token(Db& db, std::string_view token, int64_t expires_at) {
  std::string h = token_hash(token);
  // Only ever later (a refresh never shortens a session); no scalar max(),
  // which PostgreSQL spells GREATEST.
  db.prepare("UPDATE _tokens SET expires_at = ? WHERE hash = ? AND expires_at < ?")
      .bind(1, expires_at)
      .bind_blob(2, h.data(), h.size())
      .bind(3, expires_at)
      .run();
}

Status verify_signature(std::string_view key, std::string_view body, std::string_view sig_base64) {
  ensure_sodium();
  if (sig_base64.empty()) return Error{Code::unauthorized, "missing X-Gridwork-Signature"};
  auto sig = unbase64(sig_base64);
  if (!sig || sig->size() != crypto_sign_BYTES) return Error{Code::unauthorized, "malformed signature"};
  if (key.size() != crypto_sign_PUBLICKEYBYTES) return Error{Code::unauthorized, "device key is malformed"};
  if (crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig->data()),
                                  reinterpret_cast<const unsigned char*>(body.data()), body.size(),
                                  reinterpret_cast<const unsigned char*>(key.data())) != 0)
    return Error{Code::unauthorized, "signature does not match the body"};
  return Status::ok();
}

std::vector<DeviceInfo> devices(Db& db) {
  std::vector<DeviceInfo> out;
  auto s = db.prepare("SELECT id, user_id, coalesce(name, ''), created_at, coalesce(last_seen, 0), revoked FROM _devices ORDER BY created_at");
  while (s.step())
    out.push_back({std::string(s.text(0)), std::string(s.text(1)), std::string(s.text(2)), s.int64(3), s.int64(4),
                   s.int64(5) != 0});
  return out;
}

Status revoke_device(Db& db, const std::string& device_id) {
  db.prepare("UPDATE _devices SET revoked = 1 WHERE id = ?").bind(1, device_id).run();
  if (db.changes() == 0) return Error{Code::not_found, "no device " + device_id};
  // Its tokens stay, refused (check_token): the device's next contact is
  // told to wipe itself, which an unknown token could not be.
  return Status::ok();
}

std::optional<std::string> public_key(Db& db, const std::string& device_id) {
  auto s = db.prepare("SELECT public_key FROM _devices WHERE id = ?");
  s.bind(1, device_id);
  if (!s.step()) return std::nullopt;
  return std::string(s.blob(0));
}

}  // namespace auth

bool Throttle::allowed(Db& db, const std::string& key, int64_t now_ms) const {
  auto q = db.prepare("SELECT count(*) FROM _login_failures WHERE key = ? AND at > ?");
  q.bind(1, key).bind(2, now_ms - window_);
  return !q.step() || q.int64(0) < max_;
}

void Throttle::failed(Db& db, const std::string& key, int64_t now_ms) const {
  // Failures out of every window go as new ones come: the table holds a
  // window's worth, however long the guessing lasts.
  db.prepare("DELETE FROM _login_failures WHERE at <= ?").bind(1, now_ms - window_).run();
  db.prepare("INSERT INTO _login_failures (key, at) VALUES (?, ?)").bind(1, key).bind(2, now_ms).run();
}

void Throttle::succeeded(Db& db, const std::string& key) const {
  db.prepare("DELETE FROM _login_failures WHERE key = ?").bind(1, key).run();
}

}  // namespace gw::server
