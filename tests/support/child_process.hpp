// A child process of a test or a benchmark (the server, Xvfb, the app):
// started with its own environment, its output in a log file or read line
// by line, and stopped when it goes out of scope, so a failed check never
// leaves a process behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gw::test {

struct ChildOptions {
  std::map<std::string, std::string> env;  // added to the parent's
  std::string log;           // stderr, and stdout unless piped, go here; empty: inherited
  bool pipe_stdout = false;  // stdout is read with line()
  bool own_group = false;    // in a process group of its own: a terminal's Ctrl-C is the parent's to pass on
};

class ChildProcess {
 public:
  explicit ChildProcess(std::vector<std::string> argv, ChildOptions o = {});
  ~ChildProcess();  // stop()
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The next line of stdout without its line break; false at EOF.
  bool line(std::string* out);
  bool running();
  pid_t pid() const { return pid_; }
  // Waits for the exit; its status (128 + signal when killed), -1 if gone.
  int wait();
  // The same within `limit`; -2 when still running then (left running).
  int wait_for(std::chrono::milliseconds limit);
  // SIGTERM, then SIGKILL when it has not exited within `grace`.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  void kill_hard();

 private:
  static int status_of(int wait_status);
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
};

// Xvfb on a free display at or after `first` (tests and benchmarks that may
// run at once start from different numbers), ready when constructed.
class Xvfb {
 public:
  Xvfb(int first, const std::string& log, const std::string& size = "1280x800x24");
  bool ready() const { return ready_; }
  const std::string& display() const { return display_; }

 private:
  std::string display_;
  bool ready_ = false;
  std::unique_ptr<ChildProcess> child_;
};

}  // namespace gw::test
