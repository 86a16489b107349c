// HAProxy in front of several gridwork-servers on loopback, as a city runs
// them: round robin, a failed connect retried on another server, a server
// out of the pool within a second of dying and back at its first good
// health check. The HAProxy test and the crash run with several servers
// both stand behind it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/support/child_process.hpp"

namespace gw::test {

class Haproxy {
 public:
  // Writes DIR/haproxy.cfg and starts HAProxy on a free loopback port (its
  // log in DIR/haproxy.log) in front of the servers' URLs; ready() once a
  // request goes through it to a server (within 5 s).
  Haproxy(const std::string& dir, const std::vector<std::string>& servers);
  bool ready() const { return ready_; }
  const std::string& url() const { return url_; }  // what the tablets talk to

  static bool available();  // the binary is installed (./dev deps)

 private:
  std::unique_ptr<ChildProcess> child_;
  std::string url_;
  bool ready_ = false;
};

}  // namespace gw::test
