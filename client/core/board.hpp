// What the UI thread reads: the latest Snapshot and the notices it has not
// shown yet, under one mutex. The worker threads write here and nowhere
// else the UI can see; jobs posted through the board are counted, so
// wait_idle() knows when everything asked for has run.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

#include "client/core/views.hpp"
#include "client/core/worker.hpp"
#include "shared/error.hpp"

namespace gw::client {

Notice error_notice(const Error& e);

class Board {
 public:
  explicit Board(Settings settings);

  template <class F>
  void publish(F&& change) {
    std::lock_guard lock(m_);
    change(snap_);
    ++snap_.version;
  }
  void notify(Notice n);
  Snapshot snapshot() const;
  Settings settings() const;
  std::vector<Notice> take_notices();

  // Runs `job` on `w`, counted until it has run. Nothing thrown crosses the
  // thread: an I/O fault or a bug becomes a notice.
  void post(Worker& w, std::function<void()> job);
  void wait_idle();

 private:
  mutable std::mutex m_;
  std::condition_variable idle_cv_;
  Snapshot snap_;
  std::vector<Notice> notices_;
  int inflight_ = 0;
};

}  // namespace gw::client
