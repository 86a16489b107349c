// Who is signed in on this tablet and what opens their data: the account
// file, the device key, the data key and the network thread's replica.
// Lives on the network thread alone. It signs in (offline with the
// password or PIN, else at the server), locks, changes secrets and carries
// out a wipe order's hand-over; what the other threads do about it
// (open the store, plan a sync) is ClientCore's glue.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "client/core/account.hpp"
#include "client/core/board.hpp"
#include "client/core/device_replica.hpp"
#include "net/http_transport.hpp"
#include "sync/core/device_key.hpp"

namespace gw::client {

struct CoreOptions;

struct SignIn {
  enum class Outcome { unlocked, failed, revoked } outcome = Outcome::failed;
  bool offline = false;  // unlocked with no link, by the password or the PIN
  std::string error_key;  // failed: what to tell the user
  std::string detail;     // failed: the untranslated detail; revoked: the server's reason
};

class Session {
 public:
  Session(const CoreOptions& opt, Board& board, std::function<int64_t()> wall);

  // Input no sign-in accepts (an unsafe user name, no secret): the error
  // key, or empty. Checked before the current session is closed.
  static std::string refusal(const std::string& username, const std::string& secret);
  // A known user whose password or PIN opens the data key unlocks with no
  // link; anyone else signs in at the server. Unlocked: the replica is open.
  SignIn sign_in(const std::string& username, const std::string& secret);
  // The replica, the link, the secret and the data key leave (the key is
  // shared with the store's replica, which wipes it when it closes).
  void close();

  bool is_open() const { return r_ != nullptr; }
  DeviceReplica& replica() { return *r_; }
  const Account& account() const { return account_; }
  const std::string& user_dir() const { return user_dir_; }
  std::shared_ptr<DataKey> data_key() const { return data_key_; }

  // The server as the settings name it, under this device's key; a new
  // address saved meanwhile gives a new transport at the next call.
  net::HttpTransport& transport();
  const std::string& server_url() const { return http_url_; }
  const sync::DeviceKey& device_key() const { return *key_; }

  // An expired or revoked token renewed with the password of this session,
  // if the user typed it (an unlock by PIN cannot): false when it cannot.
  bool renew_token(net::HttpTransport& http);
  // The clock's latest reading, kept for a start with no link to learn it.
  void keep_clock();

  Notice set_pin(const std::string& pin);
  Notice change_password(const std::string& old_pw, const std::string& new_pw);
  void drop_token();  // a sign-out: no sync without the password again

  // A wipe order (DESIGN §8): what this tablet recorded and never pushed
  // goes to the server first. false: not now (no link, no data key yet), the
  // order stands and the next contact carries it out.
  bool hand_over(net::HttpTransport& http);
  // After the hand-over: the session forgets the user; returns the user's
  // folder, for the caller to remove once the store has let go of it.
  std::string forget();

 private:
  Status login_online(net::HttpTransport& http, const std::string& username, const std::string& secret);
  Result<bool> unlock_offline(const std::string& secret);
  Status take_key_online(const std::string& secret);
  SignIn open_replica();

  const CoreOptions& opt_;
  Board& board_;
  std::function<int64_t()> wall_;
  std::unique_ptr<DeviceReplica> r_;
  std::string user_dir_;
  Account account_;
  std::optional<sync::DeviceKey> key_;
  std::unique_ptr<net::HttpTransport> http_;
  std::string http_url_;
  std::string secret_;                  // the password of this session, in memory only, to renew the token
  std::shared_ptr<DataKey> data_key_;   // unwrapped while unlocked
};

}  // namespace gw::client
