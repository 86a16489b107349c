#include "client/core/data_key.hpp"

#include <sodium.h>

#include <mutex>
#include <stdexcept>

namespace gw::client {

namespace {

constexpr size_t kKeyBytes = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr size_t kSaltBytes = crypto_pwhash_SALTBYTES;
// Bound into a wrap, so a wrapped key is never taken for sealed data.
constexpr std::string_view kWrapContext = "gridwork data key v1";

void init_sodium() {
  static const int ok = sodium_init();
  if (ok < 0) throw std::runtime_error("libsodium failed to initialise");
}

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

// argon2id at the interactive limits (~65 ms here): a tap on "unlock" stays
// quick, a guess at a stolen file stays costly.
bool derive(unsigned char* kek, const std::string& secret, const unsigned char* salt) {
  return crypto_pwhash(kek, kKeyBytes, secret.data(), secret.size(), salt, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                       crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) == 0;
}

std::string to_base64(const std::string& raw) {
  std::string out(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes(raw), raw.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::optional<std::string> from_base64(const std::string& text) {
  std::string out(text.size(), '\0');
  size_t n = 0;
  if (sodium_base642bin(bytes(out), out.size(), text.data(), text.size(), nullptr, &n, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0)
    return std::nullopt;
  out.resize(n);
  return out;
}

// sodium_malloc'd key material, freed (and zeroed) with the scope.
struct Secure {
  unsigned char* p = static_cast<unsigned char*>(sodium_malloc(kKeyBytes));
  ~Secure() { sodium_free(p); }
};

}  // namespace

DataKey::DataKey() {
  init_sodium();
  key_ = static_cast<unsigned char*>(sodium_malloc(kKeyBytes));
  if (!key_) throw std::bad_alloc();
}

DataKey::~DataKey() { wipe(); }

void DataKey::wipe() {
  std::unique_lock lock(m_);
  sodium_free(key_);  // zeroes before it frees
  key_ = nullptr;
}

std::shared_ptr<DataKey> DataKey::generate() {
  std::shared_ptr<DataKey> k(new DataKey());
  crypto_aead_xchacha20poly1305_ietf_keygen(k->key_);
  return k;
}

Result<std::shared_ptr<DataKey>> DataKey::unwrap(const std::string& wrapped, const std::string& secret) {
  init_sodium();
  auto raw = from_base64(wrapped);
  if (!raw || raw->size() != kSaltBytes + kNonceBytes + kKeyBytes + kTagBytes)
    return Error{Code::io, "the stored data key is damaged"};
  Secure kek;
  if (!kek.p || !derive(kek.p, secret, bytes(*raw))) return Error{Code::io, "out of memory while deriving the key"};
  std::shared_ptr<DataKey> k(new DataKey());
  const unsigned char* nonce = bytes(*raw) + kSaltBytes;
  unsigned long long n = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(k->key_, &n, nullptr, nonce + kNonceBytes, kKeyBytes + kTagBytes,
                                                 bytes(kWrapContext), kWrapContext.size(), nonce, kek.p) != 0 ||
      n != kKeyBytes)
    return Error{Code::unauthorized, "wrong password or PIN"};
  return k;
}

Result<std::string> DataKey::wrap(const std::string& secret) const {
  std::string raw(kSaltBytes + kNonceBytes + kKeyBytes + kTagBytes, '\0');
  randombytes_buf(bytes(raw), kSaltBytes + kNonceBytes);
  Secure kek;
  if (!kek.p || !derive(kek.p, secret, bytes(raw))) return Error{Code::io, "out of memory while deriving the key"};
  std::shared_lock lock(m_);
  if (!key_) return Error{Code::unauthorized, "the app is locked"};
  unsigned char* nonce = bytes(raw) + kSaltBytes;
  crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + kNonceBytes, nullptr, key_, kKeyBytes, bytes(kWrapContext),
                                             kWrapContext.size(), nullptr, nonce, kek.p);
  return to_base64(raw);
}

std::string DataKey::seal(std::string_view context, std::string_view plain) const {
  std::string out(kNonceBytes + plain.size() + kTagBytes, '\0');
  randombytes_buf(bytes(out), kNonceBytes);
  std::shared_lock lock(m_);
  // A write under a wiped key would store what nobody can read back.
  if (!key_) throw DbError(DbError::Kind::sealed, "the app is locked: nothing is written until it is unlocked");
  crypto_aead_xchacha20poly1305_ietf_encrypt(bytes(out) + kNonceBytes, nullptr, bytes(plain), plain.size(),
                                             bytes(context), context.size(), nullptr, bytes(out), key_);
  return out;
}

std::optional<std::string> DataKey::open(std::string_view context, std::string_view sealed) const {
  if (sealed.size() < kNonceBytes + kTagBytes) return std::nullopt;
  std::string out(sealed.size() - kNonceBytes - kTagBytes, '\0');
  std::shared_lock lock(m_);
  if (!key_) return std::nullopt;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(bytes(out), nullptr, nullptr, bytes(sealed) + kNonceBytes,
                                                 sealed.size() - kNonceBytes, bytes(context), context.size(),
                                                 bytes(sealed), key_) != 0)
    return std::nullopt;
  return out;
}

namespace {

void gw_open(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) != SQLITE_BLOB) return sqlite3_result_value(ctx, argv[0]);
  const auto* key = static_cast<const DataKey*>(sqlite3_user_data(ctx));
  std::string_view sealed(static_cast<const char*>(sqlite3_value_blob(argv[0])),
                          static_cast<size_t>(sqlite3_value_bytes(argv[0])));
  std::string_view context(reinterpret_cast<const char*>(sqlite3_value_text(argv[1])),
                           static_cast<size_t>(sqlite3_value_bytes(argv[1])));
  auto plain = key ? key->open(context, sealed) : std::nullopt;
  if (!plain) return sqlite3_result_null(ctx);
  sqlite3_result_text64(ctx, plain->data(), plain->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

}  // namespace

void attach_data_key(SqliteDb& db, const DataKey* key) {
  db.exec("PRAGMA secure_delete = ON");
  // DIRECTONLY: a view or trigger planted in the file cannot call it.
  int rc = sqlite3_create_function_v2(db.raw(), "gw_open", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY,
                                      const_cast<DataKey*>(key), gw_open, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) throw DbError(DbError::Kind::io, "cannot register gw_open", rc);
}

}  // namespace gw::client
