// The real gridwork-server as a child process on a free loopback port: the
// integration tests' server. Started with a fresh database in a temp dir;
// stopped with SIGTERM.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/support/child_process.hpp"

namespace gw::test {

class ServerProcess {
 public:
  // extra: more arguments (e.g. "--demo", "--tls-cert F --tls-key F").
  // Waits for "listening on URL"; url() is that URL.
  explicit ServerProcess(std::vector<std::string> extra = {}, std::string db_path = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  const std::string& url() const { return url_; }
  const std::string& db_path() const { return db_; }  // a file, or a PostgreSQL URL
  const std::string& dir() const { return dir_; }     // the temp dir, removed with it
  // Sends SIGTERM and waits; returns the exit status (0 on a clean stop).
  int stop();
  // Starts it again on the same port and database (after stop or kill_hard).
  void restart();
  // SIGKILL, for crash tests.
  void kill_hard();
  // The running server's process id (-1 when stopped): its memory for the soak,
  // its file-size limit for the disk-full test.
  pid_t pid() const { return child_ ? child_->pid() : -1; }

  // Runs `gridwork-server ARGS... --db <db>` (the admin commands); returns its exit status.
  int admin(const std::vector<std::string>& args, const std::string& stdin_text = {}) const;

  static std::string binary();
  static int free_port();

 private:
  void start();
  std::vector<std::string> extra_;
  std::string dir_, db_, url_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> child_;
};

}  // namespace gw::test
