// The device's Ed25519 key pair: it signs every push and every link of the
// device's patch chain, so the server knows which tablet recorded what
// (DESIGN §8).
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "shared/error.hpp"

namespace gw::sync {

inline constexpr size_t kSignatureBytes = 64;  // Ed25519

class DeviceKey {
 public:
  // Loads the key from path, or makes one and saves it there (mode 0600).
  static Result<DeviceKey> load_or_create(const std::string& path);
  static DeviceKey generate();

  std::string public_key() const;  // 32 raw bytes
  std::string public_key_base64() const;
  std::string sign(std::string_view message) const;  // 64 raw bytes
  std::string sign_base64(std::string_view message) const;

 private:
  std::array<unsigned char, 32> public_{};
  std::array<unsigned char, 64> secret_{};
};

// libsodium's standard base64 (with padding), as every signature and key
// travels; nullopt for text that is not base64.
std::string to_base64(std::string_view bytes);
std::optional<std::string> from_base64(std::string_view text);

}  // namespace gw::sync
