// A real, throwaway PostgreSQL 15 server for tests and benchmarks: initdb in
// a temp dir, a postmaster on a free loopback port (and a unix socket in the
// dir), stopped and the dir removed when the object dies. Errors are not
// thrown: ready() is false and why() says what failed, with the log's tail.
//
// As root the server tools run as the `postgres` user (initdb refuses root)
// and the dir belongs to it; otherwise they run as the current user.
// Not thread-safe: one thread drives a cluster (psql() may run from several).
// pg_ctl detaches the server: if the test process itself is SIGKILLed, the
// server and its dir outlive it.
#pragma once

#include <string>

namespace gw::test {

struct PgClusterOptions {
  std::string log;     // the server's log (appended to); empty: server.log in the dir.
                       // As root, `postgres` must be able to reach its directory.
  bool fsync = false;  // false: fsync, synchronous_commit and full_page_writes off (fast)
};

class PgCluster {
 public:
  // initdb (--locale=C --encoding=UTF8 -A trust -U postgres), the server on
  // 127.0.0.1 only, waits (<= 30 s) until it accepts connections, then
  // creates database `name`.
  explicit PgCluster(std::string name = "gridwork", PgClusterOptions o = {});
  ~PgCluster();  // stop_fast(), then the dir is removed
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  // Up and accepting connections (false after stop_fast()/kill_hard() until start()).
  bool ready() const { return ready_; }
  const std::string& why() const { return why_; }
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }  // also the unix socket's directory
  const std::string& name() const { return name_; }
  const std::string& log() const { return log_; }

  std::string url() const { return url(name_); }  // postgresql://postgres@127.0.0.1:PORT/NAME
  std::string url(const std::string& db) const;

  // Another database in the same cluster (createdb over the unix socket).
  bool create_database(const std::string& db);

  // Restart drill: stop the server (fast, then immediate, then SIGKILL;
  // data kept), start() it again on the same port.
  void stop_fast();
  bool start();
  // Crash drill: SIGKILL the postmaster and its children; start() runs crash
  // recovery. With fsync=false, commits made under synchronous_commit=off in
  // the last ~0.6 s may be lost, as they would be by a real crash.
  void kill_hard();

  // `psql -X -Atq -v ON_ERROR_STOP=1 -c SQL` on database `db` (default: name()),
  // bounded to 60 s. True when it succeeded; `out` gets the rows, or the error.
  bool psql(const std::string& sql, std::string* out = nullptr, const std::string& db = {}) const;

 private:
  bool prepare();
  bool init(bool fsync);
  bool fail(const std::string& what);
  std::string name_, dir_, data_, log_, cmd_log_;
  int port_ = 0;
  bool initialized_ = false, running_ = false, ready_ = false;
  std::string why_;
};

// True when PostgreSQL 15's server tools exist here (and, as root, the
// `postgres` user to run them): tests skip with a message otherwise.
bool postgres_available();
// The full path of a PostgreSQL 15 tool ("psql", "pg_dump"); empty when none.
std::string postgres_bin(const std::string& tool);

}  // namespace gw::test
