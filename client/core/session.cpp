#include "client/core/session.hpp"

#include <sodium.h>

#include <cctype>
#include <filesystem>

#include "client/core/client_core.hpp"
#include "client/core/tuning.hpp"
#include "shared/json.hpp"
#include "sync/device/sync_client.hpp"

namespace gw::client {

using net::HttpTransport;
namespace fs = std::filesystem;

namespace {

// A user's folder name: the account name, kept to characters every file
// system takes, so no name can point outside the data folder.
bool is_safe_username(const std::string& u) {
  if (u.empty() || u.size() > 32 || u[0] == '.') return false;
  for (unsigned char c : u)
    if (!std::isalnum(c) && c != '_' && c != '-' && c != '.') return false;
  return true;
}

SignIn failed(std::string key, std::string detail) {
  return SignIn{SignIn::Outcome::failed, false, std::move(key), std::move(detail)};
}

}  // namespace

Session::Session(const CoreOptions& opt, Board& board, std::function<int64_t()> wall)
    : opt_(opt), board_(board), wall_(std::move(wall)) {}

std::string Session::refusal(const std::string& username, const std::string& secret) {
  if (!is_safe_username(username)) return "error.bad_username";
  if (secret.empty()) return "error.no_password";
  return "";
}

SignIn Session::sign_in(const std::string& username, const std::string& secret) {
  user_dir_ = opt_.data_dir + "/users/" + username;
  fs::create_directories(user_dir_);
  auto account = AccountFile(user_dir_).load();
  if (!account) return failed("error.io", account.error().message);
  account_ = *account;
  auto key = sync::DeviceKey::load_or_create(user_dir_ + "/device.key");
  if (!key) return failed("error.io", key.error().message);
  key_ = std::move(*key);
  http_.reset();

  // A known user with a matching password or PIN unlocks with no link: the
  // worker in a basement must be able to start a patrol. The data key's
  // wraps are the check: a wrong secret does not open them.
  bool known = account_.username == username && !account_.user_id.empty();
  auto unlocked = known ? unlock_offline(secret) : Result<bool>(false);
  if (!unlocked) return failed("error.io", unlocked.error().message);
  bool offline = *unlocked;
  if (!offline) {
    if (auto st = login_online(transport(), username, secret); !st) {
      const Error& e = st.error();
      if (e.code == Code::offline)
        return failed(known ? "error.wrong_password_offline" : "error.first_login_online", e.message);
      if (e.code == Code::revoked) return SignIn{SignIn::Outcome::revoked, false, "", e.message};
      return failed(e.code == Code::unauthorized ? "error.bad_credentials" : message_key(e.code), e.message);
    }
    if (auto st = take_key_online(secret); !st) return failed("error.io", st.error().message);
  }
  SignIn opened = open_replica();
  opened.offline = offline;
  return opened;
}

// The account saved with the data key's wraps, then the replica opened.
SignIn Session::open_replica() {
  Account& a = account_;
  if (a.key_by_password.empty()) {
    // A new data key, or one made for an account from before it: wrapped
    // under the password; the old verifiers and any PIN go (set it again).
    auto wrapped = data_key_->wrap(secret_);
    if (!wrapped) return failed("error.io", wrapped.error().message);
    a.key_by_password = *wrapped;
    a.key_by_pin.clear();
    a.password_verifier.clear();
    a.pin_verifier.clear();
  }
  if (auto st = AccountFile(user_dir_).save(a); !st) return failed("error.io", st.error().message);
  try {
    r_ = std::make_unique<DeviceReplica>(user_dir_ + "/replica.db", a.device_id, wall_, a.clock, data_key_);
    // A replica written before sealing holds personal data in clear: sealed
    // now, in one pass, before anything reads it.
    r_->replica.seal_clear();
    r_->replica.set_key(&*key_);  // signs the links of this device's patch chain
  } catch (const DbError& e) {
    // A replica of a newer schema version is not opened, let alone changed
    // (an older one is brought up to this version when opened).
    r_.reset();
    return failed(e.kind() == DbError::Kind::mismatch ? "error.version_mismatch" : "error.io", e.what());
  }
  return SignIn{SignIn::Outcome::unlocked, false, "", ""};
}

void Session::close() {
  r_.reset();
  http_.reset();
  sodium_memzero(secret_.data(), secret_.size());
  secret_.clear();
  data_key_.reset();
}

HttpTransport& Session::transport() {
  std::string url = board_.settings().server_url;
  if (!http_ || http_url_ != url) {
    http_ = std::make_unique<HttpTransport>(url, *key_, tuning::kRequestTimeoutMs, opt_.ca_file);
    http_url_ = url;
    http_->set_token(account_.token);
  }
  return *http_;
}

Status Session::login_online(HttpTransport& http, const std::string& username, const std::string& secret) {
  auto r = http.login(username, secret, account_.device_id, opt_.device_name);
  if (!r) return r.error();
  Account& a = account_;
  if (a.username != username) a.key_by_password.clear(), a.key_by_pin.clear();
  a.username = r->username.empty() ? username : r->username;
  a.user_id = r->user_id;
  a.name = r->name;
  a.roles = r->roles;
  a.token = r->token;
  a.expires_at = r->expires_at;
  secret_ = secret;
  // Not saved yet: open_replica() saves the account with the data key's wraps.
  return Status::ok();
}

bool Session::renew_token(HttpTransport& http) {
  return !secret_.empty() && login_online(http, account_.username, secret_);
}

void Session::keep_clock() {
  if (r_ && r_->clock.last() > account_.clock) {
    account_.clock = r_->clock.last();
    (void)AccountFile(user_dir_).save(account_);
  }
}

// An unlock with no link: the password's or the PIN's wrap of the data key
// opens under the secret, or (an account from before the data key) the
// password's verifier matches and a data key is made now. false: neither.
Result<bool> Session::unlock_offline(const std::string& secret) {
  Account& a = account_;
  for (const std::string* wrapped : {&a.key_by_password, &a.key_by_pin}) {
    if (wrapped->empty()) continue;
    auto k = DataKey::unwrap(*wrapped, secret);
    if (k) {
      data_key_ = *k;
      if (wrapped == &a.key_by_password) secret_ = secret;
      return true;
    }
    if (k.error().code != Code::unauthorized) return k.error();
  }
  if (!a.key_by_password.empty() || !check_verifier(a.password_verifier, secret)) return false;
  data_key_ = DataKey::generate();
  secret_ = secret;
  return true;
}

// After an online sign-in: the data key under the password the server just
// accepted. A tablet whose stored wrap does not open with it (the password
// was changed elsewhere) cannot read its sealed replica: the file is kept
// aside for a later unlock with the old password, and a new key starts a
// new replica that the next sync fills again.
Status Session::take_key_online(const std::string& secret) {
  Account& a = account_;
  if (!a.key_by_password.empty()) {
    auto k = DataKey::unwrap(a.key_by_password, secret);
    if (k) {
      data_key_ = *k;
      return Status::ok();
    }
    if (k.error().code != Code::unauthorized) return k.error();
    std::string db = user_dir_ + "/replica.db";
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"})
      if (fs::exists(db + suffix)) fs::rename(db + suffix, db + ".old-key" + suffix, ec);
    board_.notify(Notice{true, "error.replica_set_aside", db + ".old-key", ""});
  }
  data_key_ = DataKey::generate();
  a.key_by_password.clear();
  a.key_by_pin.clear();
  return Status::ok();
}

Notice Session::set_pin(const std::string& pin) {
  if (!r_) return Notice{true, "error.not_signed_in", "", ""};
  if (!is_valid_pin(pin)) return Notice{true, "error.bad_pin", "", ""};
  auto v = data_key_->wrap(pin);
  if (!v) return error_notice(v.error());
  account_.key_by_pin = *v;
  if (auto st = AccountFile(user_dir_).save(account_); !st) return error_notice(st.error());
  return Notice{false, "notice.pin_set", "", ""};
}

// The server learns the new password first (it checks the old one too); the
// data key is then wrapped under the new one. No record is sealed again.
Notice Session::change_password(const std::string& old_pw, const std::string& new_pw) {
  if (!r_ || !data_key_) return Notice{true, "error.not_signed_in", "", ""};
  if (new_pw.size() < 8) return Notice{true, "error.password_too_short", "", ""};
  if (!DataKey::unwrap(account_.key_by_password, old_pw)) return Notice{true, "error.bad_credentials", "", ""};
  Json body = Json::object();
  body.set("old", old_pw);
  body.set("new", new_pw);
  if (auto r = transport().exchange("/v1/password", body.dump()); !r) {
    const Error& e = r.error();
    return Notice{true, e.code == Code::offline ? "error.password_change_offline" : message_key(e.code), e.message,
                  ""};
  }
  auto wrapped = data_key_->wrap(new_pw);
  if (!wrapped) return error_notice(wrapped.error());
  account_.key_by_password = *wrapped;
  if (auto st = AccountFile(user_dir_).save(account_); !st) return error_notice(st.error());
  secret_ = new_pw;
  return Notice{false, "notice.password_changed", "", ""};
}

void Session::drop_token() {
  if (!r_) return;
  // The replica, the outbox and the wraps of the data key stay.
  account_.token.clear();
  (void)AccountFile(user_dir_).save(account_);
}

bool Session::hand_over(HttpTransport& http) {
  if (!r_ && !account_.device_id.empty() && fs::exists(user_dir_ + "/replica.db")) {
    // Its outbox is sealed: without the data key (no unlock yet) nothing can
    // be handed over, and wiping would lose it. An unlock with the PIN, then
    // a sync, carries the order out.
    if (!data_key_) return false;
    try {
      r_ = std::make_unique<DeviceReplica>(user_dir_ + "/replica.db", account_.device_id, wall_, account_.clock,
                                           data_key_);
      r_->replica.set_key(&*key_);
    } catch (const DbError&) {
      // unreadable: nothing to hand over
    }
  }
  if (r_ && !account_.token.empty()) {
    http.set_token(account_.token);
    sync::SyncClient client(r_->replica, http);
    if (auto held = client.hand_over(); !held) {
      // No link, or the server failed: wiping now would lose what was never
      // pushed. The order stands; the next contact carries it out.
      board_.notify(Notice{true, "error.device_revoked_pending", held.error().message, ""});
      return false;
    }
  }
  return true;
}

std::string Session::forget() {
  close();
  account_ = Account{};
  key_.reset();
  return user_dir_;
}

}  // namespace gw::client
