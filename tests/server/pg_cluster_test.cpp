// The throwaway PostgreSQL of tests and benchmarks (tests/support/pg_cluster.hpp):
// it answers, keeps what it committed over a restart and over a crash, and
// leaves neither a process nor a file behind. Skipped without PostgreSQL 15.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "tests/support/pg_cluster.hpp"

namespace gw::test {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

long ms_since(Clock::time_point t) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}

bool port_open(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool open = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(s);
  return open;
}

}  // namespace

TEST_SUITE_BEGIN("postgres-cluster");

TEST_CASE("PgCluster: answers, restarts, recovers from a crash, leaves nothing behind") {
  if (!postgres_available()) {
    MESSAGE("PostgreSQL 15 not found: skipped");
    return;
  }
  std::string dir, out;
  int port = 0;
  long start_ms = 0, stop_ms = 0, restart_ms = 0, crash_ms = 0, gone_ms = 0;
  auto t = Clock::now();
  {
    PgCluster pg;
    start_ms = ms_since(t);
    REQUIRE_MESSAGE(pg.ready(), pg.why());
    dir = pg.dir();
    port = pg.port();
    CHECK(fs::is_directory(dir));
    CHECK(pg.url() == "postgresql://postgres@127.0.0.1:" + std::to_string(port) + "/gridwork");
    CHECK(pg.psql("select 1", &out));
    CHECK(out == "1\n");
    CHECK(pg.psql("select current_database()", &out));
    CHECK(out == "gridwork\n");
    CHECK(pg.psql("show listen_addresses", &out));
    CHECK(out == "127.0.0.1\n");
    CHECK(pg.psql("show fsync", &out));
    CHECK(out == "off\n");
    // synchronous_commit on for these: the row is in the OS before psql
    // returns, so no crash of the server's processes can lose it.
    REQUIRE(pg.psql("set synchronous_commit = on; create table t (n int); insert into t values (1)", &out));

    t = Clock::now();
    pg.stop_fast();
    stop_ms = ms_since(t);
    CHECK_FALSE(pg.ready());
    CHECK_FALSE(port_open(port));
    CHECK_FALSE(pg.psql("select 1", &out));
    t = Clock::now();
    REQUIRE_MESSAGE(pg.start(), pg.why());
    restart_ms = ms_since(t);
    CHECK(pg.port() == port);
    CHECK(pg.psql("select count(*) from t", &out));
    CHECK(out == "1\n");
    REQUIRE(pg.psql("set synchronous_commit = on; insert into t values (2)", &out));

    t = Clock::now();
    pg.kill_hard();
    CHECK_FALSE(pg.ready());
    CHECK_FALSE(port_open(port));
    REQUIRE_MESSAGE(pg.start(), pg.why());
    crash_ms = ms_since(t);
    CHECK(pg.psql("select count(*) from t", &out));
    CHECK(out == "2\n");

    CHECK(pg.create_database("second"));
    CHECK(pg.psql("select current_database()", &out, "second"));
    CHECK(out == "second\n");
    CHECK_FALSE(pg.create_database("second"));
    CHECK(pg.why().find("already exists") != std::string::npos);
    CHECK(pg.ready());  // a failed createdb is not a failed server
    CHECK_FALSE(pg.psql("select * from nowhere", &out));
    CHECK(out.find("does not exist") != std::string::npos);
    t = Clock::now();
  }
  gone_ms = ms_since(t);
  CHECK_FALSE(fs::exists(dir));
  CHECK_FALSE(port_open(port));
  MESSAGE("start (initdb, server, createdb) " << start_ms << " ms, stop_fast " << stop_ms << " ms, start again "
                                              << restart_ms << " ms, kill_hard + crash recovery " << crash_ms
                                              << " ms, destruction " << gone_ms << " ms");
}

TEST_CASE("PgCluster: durable settings, the caller's log, and a refusal that says why") {
  if (!postgres_available()) {
    MESSAGE("PostgreSQL 15 not found: skipped");
    return;
  }
  // Straight in /tmp: as root the server writes it as `postgres`, which a
  // mkdtemp dir of ours (0700, root's) would keep out.
  const std::string log = "/tmp/gridwork-pg-test-" + std::to_string(getpid()) + ".log";
  std::string dir, out;
  auto t = Clock::now();
  {
    PgCluster pg("other", PgClusterOptions{.log = log, .fsync = true});
    const long start_ms = ms_since(t);
    REQUIRE_MESSAGE(pg.ready(), pg.why());
    MESSAGE("start with fsync on " << start_ms << " ms");
    dir = pg.dir();
    CHECK(pg.log() == log);
    CHECK(pg.url() == pg.url("other"));
    CHECK(pg.psql("show fsync", &out));
    CHECK(out == "on\n");
    CHECK(pg.psql("show synchronous_commit", &out));
    CHECK(out == "on\n");
    CHECK(pg.psql("select current_database()", &out));
    CHECK(out == "other\n");
    t = Clock::now();
  }
  MESSAGE("destruction with fsync on " << ms_since(t) << " ms");
  CHECK_FALSE(fs::exists(dir));
  CHECK(fs::exists(log));  // the caller's: theirs to keep
  fs::remove(log);

  PgCluster bad("gridwork", PgClusterOptions{.log = "/tmp/$HOME.log", .fsync = false});
  CHECK_FALSE(bad.ready());
  CHECK(bad.why().find("log path") != std::string::npos);
  CHECK_FALSE(bad.start());
}

TEST_SUITE_END();

}  // namespace gw::test
