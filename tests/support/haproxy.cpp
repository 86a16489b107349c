#include "tests/support/haproxy.hpp"

#include <filesystem>
#include <fstream>
#include <thread>

#include "net/http_transport.hpp"
#include "tests/support/server_process.hpp"

namespace gw::test {

namespace {
constexpr const char* kBinary = "/usr/sbin/haproxy";

int port_of(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

// `check inter 300 fall 1 rise 1`: a killed server leaves the pool at the
// first failed check, a restarted one is back at its first good one.
// `retries 3` with `option redispatch`: a refused connect goes to another
// server, so a kill costs the tablets only the requests it cut.
void write_config(const std::string& path, int port, const std::vector<std::string>& servers) {
  std::ofstream cfg(path);
  cfg << "global\n  maxconn 512\n"
      << "defaults\n  mode http\n  timeout connect 2s\n  timeout client 60s\n  timeout server 60s\n"
      << "  retries 3\n  option redispatch\n"
      << "frontend city\n  bind 127.0.0.1:" << port << "\n  default_backend servers\n"
      << "backend servers\n  balance roundrobin\n  option httpchk GET /v1/healthz\n";
  for (size_t i = 0; i < servers.size(); ++i)
    cfg << "  server s" << i << " 127.0.0.1:" << port_of(servers[i]) << " check inter 300 fall 1 rise 1\n";
}
}  // namespace

bool Haproxy::available() { return std::filesystem::exists(kBinary); }

Haproxy::Haproxy(const std::string& dir, const std::vector<std::string>& servers) {
  int port = ServerProcess::free_port();
  url_ = "http://127.0.0.1:" + std::to_string(port);
  write_config(dir + "/haproxy.cfg", port, servers);
  child_ = std::make_unique<ChildProcess>(std::vector<std::string>{kBinary, "-db", "-f", dir + "/haproxy.cfg"},
                                          ChildOptions{.env = {}, .log = dir + "/haproxy.log", .pipe_stdout = false,
                                                       .own_group = false});
  auto key = sync::DeviceKey::generate();
  net::HttpTransport http(url_, key, 1000);
  for (int i = 0; i < 50 && !ready_; ++i) {
    ready_ = http.get("/v1/healthz", 1000).is_ok();
    if (!ready_) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace gw::test
