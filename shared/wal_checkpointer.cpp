#include "shared/wal_checkpointer.hpp"

#include "shared/tuning.hpp"

namespace gw {

WalCheckpointer::WalCheckpointer(SqliteDb& writer)
    : writer_(writer), own_(std::make_unique<SqliteDb>(writer.where())) {
  thread_ = std::thread([this] { run(); });
  // Replaces SQLite's automatic checkpoint, itself a WAL hook.
  sqlite3_wal_hook(writer_.raw(), &WalCheckpointer::on_commit, this);
}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_autocheckpoint(writer_.raw(), tuning::kWalCheckpointPages);  // the writer's own again
  {
    std::lock_guard lock(m_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

int64_t WalCheckpointer::checkpoints() const {
  std::lock_guard lock(m_);
  return done_;
}

int64_t WalCheckpointer::failures() const {
  std::lock_guard lock(m_);
  return failed_;
}

// On the writer's thread, after each commit: mostly a note and a wake-up.
int WalCheckpointer::on_commit(void* self, sqlite3* db, const char* schema, int wal_pages) {
  if (wal_pages < tuning::kWalCheckpointPages) return SQLITE_OK;
  auto* c = static_cast<WalCheckpointer*>(self);
  if (wal_pages >= tuning::kWalWriterCheckpointPages) {
    // The thread's checkpoint, if one is under way, finishes first (two at
    // once: one is refused, busy); the writer's then copies what is left.
    {
      std::unique_lock lock(c->m_);
      c->cv_.wait(lock, [&] { return !c->running_; });
      c->writer_turn_ = true;
    }
    (void)sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    std::lock_guard lock(c->m_);
    c->writer_turn_ = false;
    return SQLITE_OK;
  }
  {
    std::lock_guard lock(c->m_);
    c->due_ = true;
  }
  c->cv_.notify_all();
  return SQLITE_OK;
}

void WalCheckpointer::run() {
  std::unique_lock lock(m_);
  for (;;) {
    cv_.wait(lock, [&] { return (due_ && !writer_turn_) || stopping_; });
    if (stopping_) return;
    due_ = false;
    running_ = true;
    lock.unlock();
    int rc = sqlite3_wal_checkpoint_v2(own_->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    lock.lock();
    running_ = false;
    cv_.notify_all();  // a writer may wait for this one to end
    // Busy (another checkpoint, e.g. an admin command's) or a full disk:
    // the WAL keeps every page meanwhile, and the next commit asks again.
    ++done_;
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) ++failed_;
  }
}

}  // namespace gw
