#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "shared/sqlite.hpp"
#include "shared/tuning.hpp"
#include "shared/wal_checkpointer.hpp"

using namespace gw;
namespace fs = std::filesystem;

TEST_CASE("the WAL is copied back off the writer's thread and stays bounded under steady writes") {
  fs::path dir = fs::temp_directory_path() / ("gw-wal-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::string file = (dir / "w.db").string();
  constexpr int kCommits = 600, kRows = 20;  // ~48 MB through the WAL
  {
    SqliteDb db(file);
    WalCheckpointer checkpoints(db);
    db.exec("CREATE TABLE t (n INTEGER PRIMARY KEY, b BLOB)");
    auto put = db.prepare("INSERT INTO t (b) VALUES (zeroblob(4000))");
    uintmax_t largest = 0;
    for (int c = 0; c < kCommits; ++c) {
      Transaction txn(db);
      for (int r = 0; r < kRows; ++r) put.run();
      txn.commit();
      largest = std::max(largest, fs::file_size(file + "-wal"));
    }
    for (int i = 0; i < 500 && checkpoints.checkpoints() == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(checkpoints.checkpoints() > 0);
    CHECK(checkpoints.failures() == 0);
    // Without the writer's own checkpoint past the bound, steady writes
    // never let the WAL start over: it held every commit (~50 MB).
    CHECK(largest < uintmax_t{2} * tuning::kWalWriterCheckpointPages * 4096);
    CHECK(db.query_int("SELECT count(*) FROM t") == kCommits * kRows);
  }
  {
    SqliteDb again(file);  // closed cleanly, opened again: every row there and sound
    CHECK(again.query_int("SELECT count(*) FROM t") == kCommits * kRows);
    auto check = again.prepare("PRAGMA integrity_check");
    REQUIRE(check.step());
    CHECK(check.text(0) == "ok");
  }
  fs::remove_all(dir);
}
