// What a tablet remembers of its user between runs (data_dir/account.json):
// who signed in last, the server's token, and the data key wrapped under the
// password and under the PIN, so the user can unlock with no link at all
// (DESIGN §8). The secrets themselves are never stored.
#pragma once

#include <string>

#include "shared/error.hpp"

namespace gw::client {

struct Account {
  std::string device_id;  // this tablet's id, made once per data folder
  std::string username, user_id, name, roles;
  std::string token;
  int64_t expires_at = 0;
  // The data key (data_key.hpp) wrapped under the password and the PIN;
  // key_by_pin is empty when no PIN is set.
  std::string key_by_password, key_by_pin;
  // argon2id verifiers of an account from before the data key: checked once
  // to unlock it, then replaced by the wraps above.
  std::string password_verifier;
  std::string pin_verifier;
  // The latest hybrid-clock time this tablet has seen from the server. A
  // tablet whose wall clock runs behind must still stamp its next edit after
  // the values it holds, also when it restarts with no link.
  int64_t clock = 0;
};

class AccountFile {
 public:
  explicit AccountFile(std::string data_dir);

  // A missing file is a fresh account with a new device id.
  Result<Account> load() const;
  Status save(const Account& a) const;  // atomic: write, fsync, rename

 private:
  std::string path_;
};

// argon2id at the interactive limits (~65 ms here): slow enough to make a
// stolen file costly to guess, quick enough for a tap on "unlock".
Result<std::string> make_verifier(const std::string& secret);
bool check_verifier(const std::string& verifier, const std::string& secret);
bool is_valid_pin(const std::string& pin);  // 4 to 8 digits

}  // namespace gw::client
