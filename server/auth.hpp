// Accounts, devices and tokens (DESIGN §8): argon2id password hashes, random
// tokens stored only as hashes, expiring and refreshed by use, Ed25519
// device keys bound at login and checked on every push. Server-only tables,
// never synced.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "shared/error.hpp"
#include "shared/sqlite.hpp"

namespace gw::server {

void create_auth_tables(Db& db);

// argon2id at libsodium's interactive limits (~65 ms here, FACTS.md).
std::string hash_password(std::string_view password);
bool verify_password(std::string_view hash, std::string_view password);

std::string base64(std::string_view bytes);
std::optional<std::string> unbase64(std::string_view text);

struct Session {
  std::string user_id;
  std::string device_id;
  int64_t expires_at = 0;
  bool revoked = false;  // the device was revoked: only told to wipe, its pushes held
};

// All of these take the connection to use: the writer's for changes, a
// reader's for checks.
namespace auth {

void set_password(Db& db, const std::string& user_id, const std::string& hash);
std::optional<std::string> password_hash(Db& db, const std::string& user_id);

// Binds (or re-binds, for the same user) a device's public key; a device
// bound to another user, or revoked, is refused.
Status bind_device(Db& db, const std::string& device_id, const std::string& user_id, std::string_view public_key,
                   const std::string& name, int64_t now_ms);
// Returns the token in clear; only its hash is stored.
std::string issue_token(Db& db, const std::string& user_id, const std::string& device_id, int64_t expires_at);
// The session of a token, or unauthorized (unknown, expired). A revoked
// device's token still names its session (Session::revoked).
Result<Session> check_token(Db& db, std::string_view token, int64_t now_ms);
void refresh_token(Db& db, std::string_view token, int64_t expires_at);
// Whether sig (base64) is the Ed25519 signature of body by `key`, a
// device's (public_key; a revoked device's key still signs: what it sends
// is kept for review).
Status verify_signature(std::string_view key, std::string_view body, std::string_view sig_base64);

struct DeviceInfo {
  std::string id, user_id, name;
  int64_t created_at = 0, last_seen = 0;
  bool revoked = false;
};
std::vector<DeviceInfo> devices(Db& db);
Status revoke_device(Db& db, const std::string& device_id);
// A device's Ed25519 public key (32 raw bytes), revoked or not.
std::optional<std::string> public_key(Db& db, const std::string& device_id);

}  // namespace auth

// Failed logins per account and per address in a sliding window, kept in
// the database (`_login_failures`): brute force meets 429 long before it
// meets a password, and spreading its guesses over the servers of a city
// behind a balancer gains it nothing, as they all count in one table.
class Throttle {
 public:
  Throttle(int max_failures, int64_t window_ms) : max_(max_failures), window_(window_ms) {}
  bool allowed(Db& db, const std::string& key, int64_t now_ms) const;
  // Both in a write transaction: the server's writer.
  void failed(Db& db, const std::string& key, int64_t now_ms) const;
  void succeeded(Db& db, const std::string& key) const;

 private:
  int max_;
  int64_t window_;
};

}  // namespace gw::server
