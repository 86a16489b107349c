// The tablet's data key (DESIGN §8): 32 random bytes that seal the personal
// data of the replica (XChaCha20-Poly1305), kept on disk only wrapped under
// keys derived with argon2id from the user's password and PIN. A change of
// password re-wraps the key; the data stays sealed as it is.
#pragma once

#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "shared/error.hpp"
#include "shared/sqlite.hpp"
#include "sync/core/sealer.hpp"

namespace gw::client {

class DataKey : public sync::Sealer {
 public:
  static std::shared_ptr<DataKey> generate();
  // `wrapped` as wrap() made it. A wrong secret fails the AEAD tag: that is
  // the check of an offline unlock (Code::unauthorized).
  static Result<std::shared_ptr<DataKey>> unwrap(const std::string& wrapped, const std::string& secret);

  ~DataKey() override;
  DataKey(const DataKey&) = delete;
  DataKey& operator=(const DataKey&) = delete;

  // base64 of salt || nonce || sealed key; a fresh salt per wrap.
  Result<std::string> wrap(const std::string& secret) const;

  // nonce || ciphertext, the context as additional data.
  std::string seal(std::string_view context, std::string_view plain) const override;
  std::optional<std::string> open(std::string_view context, std::string_view sealed) const override;

  // The key leaves memory: open() answers nullopt and seal() throws from now on.
  void wipe();

 private:
  DataKey();
  mutable std::shared_mutex m_;
  unsigned char* key_ = nullptr;  // sodium_malloc: guarded pages, not swapped
};

// A client connection under the key: gw_open(value, 'table.column') opens a
// sealed value (text stays as it is; NULL once the key is wiped), and
// secure_delete keeps deleted clear text out of free pages.
void attach_data_key(SqliteDb& db, const DataKey* key);

}  // namespace gw::client
