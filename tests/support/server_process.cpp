#include "tests/support/server_process.hpp"

#include "tests/support/pg_cluster.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace gw::test {

namespace {
// GRIDWORK_TEST_DB=postgres: every server a test starts without a database
// of its own gets a fresh database in one throwaway PostgreSQL cluster per
// test process (the CTest entries labelled postgres).
bool on_postgres() {
  const char* db = std::getenv("GRIDWORK_TEST_DB");
  return db && std::string_view(db) == "postgres";
}

PgCluster& test_cluster() {
  static PgCluster cluster;
  if (!cluster.ready()) throw std::runtime_error("no PostgreSQL for the tests: " + cluster.why());
  return cluster;
}

// A fresh database; with the demo park already in it when asked. The park
// is loaded once per test process, by a server of its own, into a template
// that PostgreSQL then copies file by file: a tenth of a second instead of
// a load under the sanitizers for every server.
std::string fresh_postgres_database(bool demo) {
  static int made = 0;
  static bool demo_made = false;
  PgCluster& cluster = test_cluster();
  if (demo && !demo_made) {
    if (!cluster.create_database("demo_park")) throw std::runtime_error("createdb demo_park: " + cluster.why());
    ServerProcess loader({"--demo"}, cluster.url("demo_park"));
    if (loader.stop() != 0) throw std::runtime_error("the demo park's loader did not stop cleanly");
    demo_made = true;
  }
  std::string name = "server" + std::to_string(++made);
  std::string out;
  if (!cluster.psql("CREATE DATABASE " + name + (demo ? " TEMPLATE demo_park" : ""), &out))
    throw std::runtime_error("create database " + name + ": " + out);
  return cluster.url(name);
}
}  // namespace

std::string ServerProcess::binary() { return GRIDWORK_SERVER_BIN; }

int ServerProcess::free_port() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  close(s);
  return port;
}

ServerProcess::ServerProcess(std::vector<std::string> extra, std::string db_path) : extra_(std::move(extra)) {
  char tmpl[] = "/tmp/gridwork-test-XXXXXX";
  dir_ = mkdtemp(tmpl);
  bool demo = std::find(extra_.begin(), extra_.end(), "--demo") != extra_.end();
  db_ = !db_path.empty() ? db_path : on_postgres() ? fresh_postgres_database(demo) : dir_ + "/server.db";
  port_ = free_port();
  url_ = "http://127.0.0.1:" + std::to_string(port_);
  start();
}

void ServerProcess::restart() {
  stop();
  start();
}

void ServerProcess::start() {
  int port = port_;
  // GRIDWORK_TEST_VERBOSE=1 shows the server's request log beside the tests'.
  const char* verbose = std::getenv("GRIDWORK_TEST_VERBOSE");
  std::vector<std::string> args = {binary(), "--db", db_, "--listen", "127.0.0.1:" + std::to_string(port),
                                   verbose && *verbose == '1' ? "--verbose" : "--quiet"};
  args.insert(args.end(), extra_.begin(), extra_.end());

  child_ = std::make_unique<ChildProcess>(args, ChildOptions{.env = {}, .log = {}, .pipe_stdout = true, .own_group = false});
  // Wait for the ready line; the demo park takes a while under sanitizers.
  std::string seen, line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(180);
  while (seen.find("listening on") == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("server did not start: " + seen);
    if (!child_->line(&line)) throw std::runtime_error("server exited before listening: " + seen);
    seen += line + "\n";
  }
  // The server names its URL: https:// when started with --tls-cert/--tls-key.
  auto at = seen.find("listening on ") + std::strlen("listening on ");
  url_ = seen.substr(at, seen.find('\n', at) - at);
}

int ServerProcess::stop() {
  if (!child_) return 0;
  // A clean stop finishes what is in flight: slow under sanitizers, never a minute.
  int status = child_->stop(std::chrono::seconds(60));
  child_.reset();
  return status;
}

void ServerProcess::kill_hard() {
  if (child_) child_->kill_hard();
  child_.reset();
}

int ServerProcess::admin(const std::vector<std::string>& args, const std::string& stdin_text) const {
  std::string cmd = binary();
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd += " --db '" + db_ + "' >/dev/null 2>&1";
  if (!stdin_text.empty()) cmd = "printf '%s\\n' '" + stdin_text + "' | " + cmd;
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

ServerProcess::~ServerProcess() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

}  // namespace gw::test
