#include "client/core/board.hpp"

#include "shared/sqlite.hpp"

namespace gw::client {

Notice error_notice(const Error& e) { return Notice{true, message_key(e.code), e.message, ""}; }

Board::Board(Settings settings) { snap_.settings = std::move(settings); }

void Board::notify(Notice n) {
  std::lock_guard lock(m_);
  notices_.push_back(std::move(n));
  ++snap_.version;
}

Snapshot Board::snapshot() const {
  std::lock_guard lock(m_);
  return snap_;
}

Settings Board::settings() const {
  std::lock_guard lock(m_);
  return snap_.settings;
}

std::vector<Notice> Board::take_notices() {
  std::lock_guard lock(m_);
  std::vector<Notice> out;
  out.swap(notices_);
  return out;
}

void Board::post(Worker& w, std::function<void()> job) {
  {
    std::lock_guard lock(m_);
    ++inflight_;
  }
  w.post([this, job = std::move(job)] {
    try {
      job();
    } catch (const DbError& e) {
      notify(Notice{true, "error.io", std::string("local store: ") + e.what(), ""});
    } catch (const std::exception& e) {
      notify(Notice{true, "error.internal", e.what(), ""});
    }
    std::lock_guard lock(m_);
    --inflight_;
    idle_cv_.notify_all();
  });
}

void Board::wait_idle() {
  std::unique_lock lock(m_);
  idle_cv_.wait(lock, [&] { return inflight_ == 0; });
}

}  // namespace gw::client
