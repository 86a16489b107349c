// An SQLite file's WAL copied back into the file on a thread of its own
// (DESIGN §13). SQLite's automatic checkpoint runs inside the commit that
// crosses its threshold: on a one-park server that is the one writer (a
// fifth of a push's time went there, perf on bench-replicate, every device
// waiting), on a tablet the thread that saved a record or a pulled page.
// Here a commit mostly only notes the WAL's size; a PASSIVE checkpoint on
// another connection copies what no reader still needs, never blocking a
// writer or a reader. The WAL starts over only when a write begins with
// every page copied, which steady writes never allow a checkpoint running
// beside them: past a bound the writer's commit copies the few pages left
// itself (tuning::kWalWriterCheckpointPages).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "shared/sqlite.hpp"

namespace gw {

class WalCheckpointer {
 public:
  // Takes over `writer`'s checkpoints until destroyed (then SQLite's own
  // come back); `writer` outlives this.
  explicit WalCheckpointer(SqliteDb& writer);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  int64_t checkpoints() const;  // done so far (for tests and metrics)
  int64_t failures() const;     // of those, failed for another reason than a busy file

 private:
  static int on_commit(void* self, sqlite3* db, const char* schema, int wal_pages);
  void run();

  SqliteDb& writer_;
  std::unique_ptr<SqliteDb> own_;  // the checkpoints' connection
  mutable std::mutex m_;
  std::condition_variable cv_;
  bool due_ = false, stopping_ = false;
  bool running_ = false;      // the thread's checkpoint is under way
  bool writer_turn_ = false;  // the writer's own is: the thread waits
  int64_t done_ = 0, failed_ = 0;
  std::thread thread_;
};

}  // namespace gw
