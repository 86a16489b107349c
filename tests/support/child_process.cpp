#include "tests/support/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace gw::test {

ChildProcess::ChildProcess(std::vector<std::string> argv, ChildOptions o) {
  int out[2] = {-1, -1};
  if (o.pipe_stdout && pipe(out) != 0) throw std::runtime_error("pipe failed");
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    if (o.own_group) setpgid(0, 0);
    for (const auto& [k, v] : o.env) setenv(k.c_str(), v.c_str(), 1);
    if (!o.log.empty()) {
      int fd = open(o.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        if (!o.pipe_stdout) dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
      }
    }
    if (o.pipe_stdout) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
    }
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  if (o.pipe_stdout) {
    close(out[1]);
    out_ = fdopen(out[0], "r");
  }
}

ChildProcess::~ChildProcess() {
  stop();
  if (out_) fclose(out_);
}

bool ChildProcess::line(std::string* s) {
  char buf[4096];
  if (!out_ || !fgets(buf, sizeof buf, out_)) return false;
  *s = buf;
  while (!s->empty() && (s->back() == '\n' || s->back() == '\r')) s->pop_back();
  return true;
}

int ChildProcess::status_of(int w) { return WIFEXITED(w) ? WEXITSTATUS(w) : 128 + WTERMSIG(w); }

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  int w = 0;
  if (waitpid(pid_, &w, WNOHANG) != pid_) return true;
  pid_ = -1;
  return false;
}

int ChildProcess::wait() {
  if (pid_ <= 0) return -1;
  int w = 0;
  waitpid(pid_, &w, 0);
  pid_ = -1;
  return status_of(w);
}

int ChildProcess::wait_for(std::chrono::milliseconds limit) {
  if (pid_ <= 0) return -1;
  auto until = std::chrono::steady_clock::now() + limit;
  int w = 0;
  while (waitpid(pid_, &w, WNOHANG) != pid_) {
    if (std::chrono::steady_clock::now() >= until) return -2;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
  return status_of(w);
}

int ChildProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  auto until = std::chrono::steady_clock::now() + grace;
  int w = 0;
  while (std::chrono::steady_clock::now() < until) {
    if (waitpid(pid_, &w, WNOHANG) == pid_) {
      pid_ = -1;
      return status_of(w);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill_hard();
  return 128 + SIGKILL;
}

void ChildProcess::kill_hard() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

Xvfb::Xvfb(int first, const std::string& log, const std::string& size) {
  namespace fs = std::filesystem;
  auto socket_of = [](int n) { return "/tmp/.X11-unix/X" + std::to_string(n); };
  int n = first;
  while (n < first + 300 && (fs::exists(socket_of(n)) || fs::exists("/tmp/.X" + std::to_string(n) + "-lock"))) ++n;
  display_ = ":" + std::to_string(n);
  child_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"Xvfb", display_, "-screen", "0", size, "-nolisten", "tcp"},
      ChildOptions{.env = {}, .log = log, .pipe_stdout = false, .own_group = true});
  // Ready when its socket exists: up to 10 s on a loaded machine.
  for (int i = 0; i < 500 && child_->running(); ++i) {
    if (fs::exists(socket_of(n))) {
      ready_ = true;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace gw::test
