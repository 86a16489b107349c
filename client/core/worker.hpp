// A thread that runs jobs in order, and timed jobs when their time comes.
// Each of the client core's threads is one: what a job touches belongs to
// its worker alone, so none of it needs a lock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace gw::client {

class Worker {
 public:
  using Job = std::function<void()>;
  using Clock = std::chrono::steady_clock;

  Worker() = default;
  ~Worker() { stop(); }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void start() { thread_ = std::thread([this] { loop(); }); }
  // Runs the jobs already queued, drops the timed ones, joins.
  void stop() {
    {
      std::lock_guard lock(m_);
      if (stopping_ || !thread_.joinable()) return;
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  void post(Job job) {
    {
      std::lock_guard lock(m_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_all();
  }

  void post_at(Clock::time_point when, Job job) {
    {
      std::lock_guard lock(m_);
      timers_.emplace(when, std::move(job));
    }
    cv_.notify_all();
  }

 private:
  void loop() {
    std::unique_lock lock(m_);
    for (;;) {
      if (!jobs_.empty()) {
        Job job = std::move(jobs_.front());
        jobs_.pop_front();
        lock.unlock();
        job();
        lock.lock();
        continue;
      }
      if (stopping_) return;
      if (!timers_.empty() && timers_.begin()->first <= Clock::now()) {
        Job job = std::move(timers_.begin()->second);
        timers_.erase(timers_.begin());
        lock.unlock();
        job();
        lock.lock();
        continue;
      }
      if (timers_.empty())
        cv_.wait(lock);
      else
        cv_.wait_until(lock, timers_.begin()->first);
    }
  }

  std::mutex m_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  std::multimap<Clock::time_point, Job> timers_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace gw::client
