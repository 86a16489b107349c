// A reader connection borrowed from the service's pool for one request
// (pulls, token checks, photo bytes): never the writer's, returned when the
// lease ends. Private to the service's own files.
#pragma once

#include "server/service.hpp"

namespace gw::server {

class SyncService::ReaderLease {
 public:
  explicit ReaderLease(SyncService& s) : s_(s) {
    std::unique_lock lock(s_.readers_m_);
    s_.readers_cv_.wait(lock, [&] { return !s_.free_readers_.empty(); });
    r_ = std::move(s_.free_readers_.back());
    s_.free_readers_.pop_back();
  }
  ~ReaderLease() {
    std::lock_guard lock(s_.readers_m_);
    s_.free_readers_.push_back(std::move(r_));
    s_.readers_cv_.notify_one();
  }
  Reader& operator*() { return *r_; }
  Reader* operator->() { return r_.get(); }

 private:
  SyncService& s_;
  std::unique_ptr<Reader> r_;
};

}  // namespace gw::server
