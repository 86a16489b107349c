// A transport that adds up the time its exchanges take (the HTTP round trip
// and the server's work), so a benchmark can tell a device's own time from
// the time it waited: the rest of a sync is the device's.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "sync/core/transport.hpp"

namespace gw::test {

class TimedTransport : public sync::Transport {
 public:
  explicit TimedTransport(sync::Transport& inner) : inner_(inner) {}
  Result<std::string> exchange(std::string_view path, const std::string& body) override {
    auto t0 = std::chrono::steady_clock::now();
    auto r = inner_.exchange(path, body);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
  }
  double seconds = 0;  // in exchanges since the last reset (set it to 0)

 private:
  sync::Transport& inner_;
};

}  // namespace gw::test
