#include "tests/support/pg_cluster.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/support/child_process.hpp"
#include "tests/support/server_process.hpp"

namespace gw::test {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

bool is_root() { return geteuid() == 0; }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string tail(const std::string& path, size_t n = 2000) {
  std::string s = slurp(path);
  return s.size() > n ? "..." + s.substr(s.size() - n) : s;
}

// Runs argv to its end within `limit`, stdout and stderr into `log`
// (truncated). Its exit status; -1 when it could not start, -2 when it ran
// over (then it is stopped: SIGTERM, SIGKILL 5 s later).
int run(std::vector<std::string> argv, const std::string& log, std::chrono::milliseconds limit) {
  try {
    // A client tool never waits on a connect longer than this.
    ChildProcess c(std::move(argv), ChildOptions{.env = {{"PGCONNECT_TIMEOUT", "10"}}, .log = log});
    int rc = c.wait_for(limit);
    if (rc == -2) c.stop(5s);
    return rc;
  } catch (const std::exception&) {
    return -1;  // ChildProcess throws when it cannot fork
  }
}

// A short command's output (stdout and stderr), via a temp file: a pipe
// read could block past any bound.
bool capture(std::vector<std::string> argv, std::string* out) {
  char tmpl[] = "/tmp/gridwork-pg-out-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) return false;
  close(fd);
  int rc = run(std::move(argv), tmpl, 10s);
  *out = slurp(tmpl);
  unlink(tmpl);
  return rc == 0;
}

bool is_pg15(const std::string& bindir) {
  std::string v;
  if (bindir.empty() || access((bindir + "/postgres").c_str(), X_OK) != 0) return false;
  return capture({bindir + "/postgres", "--version"}, &v) && v.find(") 15.") != std::string::npos;
}

const std::string& bindir() {
  static const std::string dir = [] {
    std::string s;
    capture({"pg_config", "--bindir"}, &s);  // may be absent, or another version's
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    for (const std::string& d : {s, std::string("/usr/lib/postgresql/15/bin")})
      if (is_pg15(d)) return d;
    return std::string();
  }();
  return dir;
}

std::string runuser() {
  for (const char* p : {"/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"})
    if (access(p, X_OK) == 0) return p;
  return {};
}

// initdb, pg_ctl and the postmaster refuse to run as root: as root they run
// as `postgres`. Client tools (psql, createdb, pg_isready) run as we are.
std::vector<std::string> as_server(const std::string& tool, std::vector<std::string> args) {
  std::vector<std::string> argv;
  if (is_root()) argv = {runuser(), "-u", "postgres", "--"};
  argv.push_back(postgres_bin(tool));
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

bool chown_to_postgres(const std::string& path) {
  const passwd* pw = getpwnam("postgres");
  return pw && chown(path.c_str(), pw->pw_uid, pw->pw_gid) == 0;
}

// Every live process whose working directory is `data`: the postmaster
// and its children (they never leave it). Zombies have none.
std::vector<pid_t> processes_in(const fs::path& data) {
  std::vector<pid_t> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string n = e.path().filename().string();
    if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code ec2;
    if (fs::read_symlink(e.path() / "cwd", ec2) == data) found.push_back(std::atoi(n.c_str()));
  }
  return found;
}

std::string str(int n) { return std::to_string(n); }

}  // namespace

std::string postgres_bin(const std::string& tool) { return bindir().empty() ? std::string() : bindir() + "/" + tool; }

bool postgres_available() {
  if (bindir().empty()) return false;
  for (const char* t : {"initdb", "pg_ctl", "postgres", "pg_isready", "psql", "createdb"})
    if (access(postgres_bin(t).c_str(), X_OK) != 0) return false;
  return !is_root() || (getpwnam("postgres") && !runuser().empty());
}

PgCluster::PgCluster(std::string name, PgClusterOptions o) : name_(std::move(name)) {
  if (!postgres_available()) {
    fail("PostgreSQL 15 not found (pg_config --bindir, /usr/lib/postgresql/15/bin)");
    return;
  }
  char tmpl[] = "/tmp/gridwork-pg-XXXXXX";  // not $TMPDIR: `postgres` must reach it, the socket path must stay short
  if (!mkdtemp(tmpl)) {
    fail(std::string("mkdtemp /tmp: ") + std::strerror(errno));
    return;
  }
  dir_ = tmpl;
  data_ = dir_ + "/data";
  cmd_log_ = dir_ + "/commands.log";
  std::error_code ec;
  log_ = o.log.empty() ? dir_ + "/server.log" : fs::absolute(o.log, ec).string();
  port_ = ServerProcess::free_port();
  if (!prepare() || !init(o.fsync)) return;
  // The free port may be taken between probe and bind: two more tries.
  for (int tries = 1; !start(); ++tries) {
    if (tries == 3 || slurp(log_).find("Address already in use") == std::string::npos) return;
    port_ = ServerProcess::free_port();
    std::ofstream(data_ + "/postgresql.conf", std::ios::app) << "port = " << port_ << "\n";
  }
  if (name_ != "postgres" && !create_database(name_)) ready_ = false;
}

// As root the dir (0700) and the log belong to `postgres`; the log path
// goes through pg_ctl's shell inside double quotes, so nothing that would
// expand there.
bool PgCluster::prepare() {
  if (log_.find_first_of("\"$`\\") != std::string::npos)
    return fail("log path has a character pg_ctl's shell would expand: " + log_);
  if (!is_root()) return true;
  if (!chown_to_postgres(dir_) || chmod(dir_.c_str(), 0700) != 0)
    return fail("cannot give " + dir_ + " to the postgres user: " + std::strerror(errno));
  int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0640);
  if (fd < 0) return fail("cannot create the log " + log_ + ": " + std::strerror(errno));
  close(fd);
  if (!chown_to_postgres(log_)) return fail("cannot give the log " + log_ + " to the postgres user");
  return true;
}

bool PgCluster::init(bool fsync) {
  std::vector<std::string> args = {"-D", data_, "--locale=C", "--encoding=UTF8", "-A", "trust", "-U", "postgres",
                                   "--no-instructions"};
  if (!fsync) args.push_back("--no-sync");  // the cluster is thrown away anyway
  if (int rc = run(as_server("initdb", args), cmd_log_, 120s); rc != 0)
    return fail("initdb failed (exit " + str(rc) + ")");
  // Settings in postgresql.conf rather than pg_ctl -o: that string goes
  // through a shell, and a restart must keep the port.
  std::ofstream conf(data_ + "/postgresql.conf", std::ios::app);
  conf << "\n# tests/support/pg_cluster.cpp\n"
       << "listen_addresses = '127.0.0.1'\nport = " << port_ << "\nunix_socket_directories = '" << dir_ << "'\n"
       << "max_connections = 200\nshared_buffers = 128MB\n"
       // Quiet: no checkpoint lines. LOG lines (a handful a start) stay: the
       // server log ranks them above ERROR, and the port retry reads them.
       << "log_min_messages = warning\nlog_checkpoints = off\n";
  if (!fsync) conf << "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n";
  conf.close();
  if (!conf) return fail("cannot write " + data_ + "/postgresql.conf");
  initialized_ = true;
  return true;
}

bool PgCluster::start() {
  if (!initialized_) return false;  // why_ says what went wrong before
  if (running_) return ready_;
  const auto deadline = Clock::now() + 30s;
  // -w: pg_ctl returns as soon as the postmaster is ready or has died.
  int rc = run(as_server("pg_ctl", {"start", "-D", data_, "-l", log_, "-w", "-t", "30", "-s"}), cmd_log_, 40s);
  running_ = rc == 0 || fs::exists(data_ + "/postmaster.pid");  // up, or still coming up: stop_fast() ends it
  if (rc != 0) return fail("pg_ctl start failed (exit " + str(rc) + ")");
  // Ready for the tests' clients: over TCP, where url() points.
  const std::vector<std::string> probe = {postgres_bin("pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port_),
                                          "-U", "postgres", "-d", "postgres", "-t", "2"};
  while (run(probe, cmd_log_, 5s) != 0) {
    if (Clock::now() > deadline) return fail("pg_isready: no answer on 127.0.0.1:" + str(port_) + " within 30 s");
    std::this_thread::sleep_for(50ms);
  }
  ready_ = true;
  why_.clear();
  return true;
}

void PgCluster::stop_fast() {
  if (!running_) return;
  ready_ = false;
  // Fast: sessions ended, a shutdown checkpoint. Immediate: no checkpoint
  // (recovery at the next start). Then no more asking.
  if (run(as_server("pg_ctl", {"stop", "-D", data_, "-m", "fast", "-w", "-t", "30", "-s"}), cmd_log_, 40s) != 0 &&
      run(as_server("pg_ctl", {"stop", "-D", data_, "-m", "immediate", "-w", "-t", "10", "-s"}), cmd_log_, 20s) != 0)
    kill_hard();
  running_ = false;
}

void PgCluster::kill_hard() {
  ready_ = running_ = false;
  if (data_.empty()) return;
  std::error_code ec;
  const fs::path data = fs::canonical(data_, ec);
  if (ec) return;
  // The postmaster first, so it starts no new children; then every child
  // too: a surviving backend would keep the shared memory attached and the
  // next postmaster would refuse to start.
  pid_t pm = std::atoi(slurp(data_ + "/postmaster.pid").c_str());
  auto pids = processes_in(data);
  if (pm > 0 && std::find(pids.begin(), pids.end(), pm) != pids.end()) kill(pm, SIGKILL);
  for (auto until = Clock::now() + 10s; !pids.empty() && Clock::now() < until; pids = processes_in(data)) {
    for (pid_t p : pids) kill(p, SIGKILL);
    std::this_thread::sleep_for(10ms);
  }
  // Its lock files stay behind, naming its pid; while that pid lingers as a
  // zombie (PID 1 here, process_api, reaps late) a new postmaster takes it
  // for a live one and refuses to start.
  fs::remove(data_ + "/postmaster.pid", ec);
  fs::remove(dir_ + "/.s.PGSQL." + str(port_) + ".lock", ec);
}

bool PgCluster::create_database(const std::string& db) {
  if (!ready_) return fail("create_database(" + db + "): the server is not running");
  const std::vector<std::string> argv = {postgres_bin("createdb"), "-h", dir_, "-p", str(port_),
                                         "-U", "postgres", "--", db};
  if (int rc = run(argv, cmd_log_, 60s); rc != 0) return fail("createdb " + db + " failed (exit " + str(rc) + ")");
  return true;
}

bool PgCluster::psql(const std::string& sql, std::string* out, const std::string& db) const {
  static std::atomic<unsigned> calls{0};
  if (dir_.empty()) return false;
  const std::string base = dir_ + "/psql-" + std::to_string(calls++);
  const std::vector<std::string> argv = {postgres_bin("psql"), "-X", "-Atq", "-v", "ON_ERROR_STOP=1",
                                         "-h", dir_, "-p", str(port_), "-U", "postgres",
                                         "-d", db.empty() ? name_ : db, "-o", base + ".out", "-c", sql};
  const int rc = run(argv, base + ".err", 60s);
  if (out) *out = rc == 0 ? slurp(base + ".out") : rc == -2 ? "psql ran over 60 s" : slurp(base + ".err");
  std::error_code ec;
  fs::remove(base + ".out", ec);
  fs::remove(base + ".err", ec);
  return rc == 0;
}

std::string PgCluster::url(const std::string& db) const {
  return "postgresql://postgres@127.0.0.1:" + str(port_) + "/" + db;
}

bool PgCluster::fail(const std::string& what) {
  why_ = what;
  if (!cmd_log_.empty() && fs::exists(cmd_log_)) why_ += "\n--- last command's output ---\n" + tail(cmd_log_);
  if (!log_.empty() && fs::exists(log_)) why_ += "\n--- server log " + log_ + " (tail) ---\n" + tail(log_);
  return false;
}

PgCluster::~PgCluster() {
  stop_fast();
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

}  // namespace gw::test
