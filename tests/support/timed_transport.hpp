// A transport that adds up the time its exchanges take (the HTTP round trip
// and the server's work), so a benchmark can tell a device's own time from
// the time it waited: the rest of a sync is the device's. Exchanges may
// overlap (two push batches out at once): the time with at least one out
// is counted, once.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>

#include "sync/core/transport.hpp"

namespace gw::test {

class TimedTransport : public sync::Transport {
 public:
  explicit TimedTransport(sync::Transport& inner) : inner_(inner) {}
  Result<std::string> exchange(std::string_view path, const std::string& body) override {
    {
      std::lock_guard<std::mutex> l(m_);
      if (out_++ == 0) since_ = Clock::now();
    }
    auto r = inner_.exchange(path, body);
    std::lock_guard<std::mutex> l(m_);
    if (--out_ == 0) seconds += std::chrono::duration<double>(Clock::now() - since_).count();
    return r;
  }
  double seconds = 0;  // with an exchange out since the last reset (set it to 0 between syncs)

 private:
  using Clock = std::chrono::steady_clock;
  sync::Transport& inner_;
  std::mutex m_;
  int out_ = 0;
  Clock::time_point since_;
};

}  // namespace gw::test
