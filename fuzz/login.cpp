// The login body (server/request_parse.cpp), as POST /v1/auth/login reads it.
#include <sodium.h>

#include "fuzz/fuzz.hpp"
#include "server/request_parse.hpp"

using namespace gw;

extern "C" int LLVMFuzzerInitialize(int*, char***) { return sodium_init() < 0 ? 1 : 0; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto login = server::parse_login(fuzz::text(data, size));
  if (login) {
    fuzz::require(login->public_key.size() == crypto_sign_PUBLICKEYBYTES, "a parsed login carries a 32-byte key");
    fuzz::require(!login->device_id.empty() && login->device_id.size() <= 64, "a parsed login's device id fits");
  }
  if (auto change = server::parse_password_change(fuzz::text(data, size)))
    fuzz::require(change->new_password.size() >= 8, "a parsed password change has a long enough new password");
  return 0;
}
