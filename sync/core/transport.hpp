// How a device reaches the server: one request, one answer, or an error
// (Code::offline when nothing came back). HTTP in the app; a loopback with
// injected faults in the simulation and the tests.
#pragma once

#include <string>
#include <string_view>

#include "shared/error.hpp"

namespace gw::sync {

class Transport {
 public:
  virtual ~Transport() = default;
  // path: "/v1/sync/push" or "/v1/sync/pull"; body and answer are JSON text.
  virtual Result<std::string> exchange(std::string_view path, const std::string& body) = 0;
};

}  // namespace gw::sync
