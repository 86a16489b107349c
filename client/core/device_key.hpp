// The device's Ed25519 key pair: it signs every push, so the server knows
// which tablet recorded what (DESIGN §8).
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "shared/error.hpp"

namespace gw::client {

class DeviceKey {
 public:
  // Loads the key from path, or makes one and saves it there (mode 0600).
  static Result<DeviceKey> load_or_create(const std::string& path);
  static DeviceKey generate();

  std::string public_key_base64() const;
  std::string sign_base64(std::string_view message) const;

 private:
  std::array<unsigned char, 32> public_{};
  std::array<unsigned char, 64> secret_{};
};

}  // namespace gw::client
