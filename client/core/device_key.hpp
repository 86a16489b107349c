// The device key lives in sync (it signs each patch's chain link, DESIGN §8);
// the client names it here.
#pragma once

#include "sync/device_key.hpp"

namespace gw::client {
using sync::DeviceKey;
}  // namespace gw::client
