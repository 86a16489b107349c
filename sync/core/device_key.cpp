#include "sync/core/device_key.hpp"

#include <sodium.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <optional>

namespace gw::sync {

namespace {
void init() {
  static const int ok = sodium_init();
  (void)ok;
}
std::string b64(const unsigned char* p, size_t n) {
  std::string out(sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), p, n, sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);
  return out;
}
}  // namespace

DeviceKey DeviceKey::generate() {
  init();
  DeviceKey k;
  crypto_sign_keypair(k.public_.data(), k.secret_.data());
  return k;
}

Result<DeviceKey> DeviceKey::load_or_create(const std::string& path) {
  init();
  DeviceKey k;
  std::ifstream in(path, std::ios::binary);
  if (in) {
    in.read(reinterpret_cast<char*>(k.secret_.data()), static_cast<std::streamsize>(k.secret_.size()));
    if (in.gcount() != static_cast<std::streamsize>(k.secret_.size()))
      return Error{Code::io, "device key file " + path + " is damaged"};
    crypto_sign_ed25519_sk_to_pk(k.public_.data(), k.secret_.data());
    return k;
  }
  k = generate();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(k.secret_.data()), static_cast<std::streamsize>(k.secret_.size()));
  if (!out) return Error{Code::io, "cannot write device key " + path};
  out.close();
  chmod(path.c_str(), 0600);
  return k;
}

std::string DeviceKey::public_key() const { return std::string(reinterpret_cast<const char*>(public_.data()), public_.size()); }

std::string DeviceKey::public_key_base64() const { return b64(public_.data(), public_.size()); }

std::string DeviceKey::sign(std::string_view message) const {
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       secret_.data());
  return std::string(reinterpret_cast<const char*>(sig), sizeof sig);
}

std::string DeviceKey::sign_base64(std::string_view message) const { return to_base64(sign(message)); }

std::string to_base64(std::string_view bytes) {
  init();
  return b64(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::optional<std::string> from_base64(std::string_view text) {
  init();
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    return std::nullopt;
  out.resize(len);
  return out;
}

}  // namespace gw::sync
