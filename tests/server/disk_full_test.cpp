// server-disk-full (issue 10): the server's database on a small filesystem
// of the test's own — a tmpfs of a few MB filled up with a ballast file; or,
// where mounting is not permitted, the server's file-size limit lowered
// (RLIMIT_FSIZE: its writes then fail as on a full disk). Pushes get 507
// {"error":{"code":"io"}} in words an operator can act on; the tablet keeps
// its records pending; nothing is half written; pulls go on, a login fails
// clearly. When space returns, the same tablet's next sync lands every
// record once with no restart of the server, and another tablet pulls them
// as they were recorded.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "shared/codec.hpp"
#include "shared/value.hpp"
#include "tests/server/fixture.hpp"
#include "tests/support/child_process.hpp"

using namespace gw;
using namespace gw::test;
namespace fs = std::filesystem;

namespace {

constexpr const char* kPassword = "disk-full-pw";
// Room for the server's database of a few users and rows (~0.5 MB) and its
// WAL; the rest goes to the ballast.
constexpr const char* kTmpfsOptions = "size=8m";
// The server's file-size limit standing for a full disk when no tmpfs can
// be mounted: below one WAL frame (a 4 KiB page and its header).
constexpr rlim_t kFullLimit = 4096;

// A filesystem the test can fill: a tmpfs of its own, or, without the right
// to mount one, a plain directory whose "full" is the server's RLIMIT_FSIZE.
class SmallDisk {
 public:
  SmallDisk() {
    char tmpl[] = "/tmp/gridwork-disk-XXXXXX";
    dir_ = mkdtemp(tmpl);
    const char* forced = std::getenv("GRIDWORK_DISK_FULL_FALLBACK");
    if (forced && *forced == '1') {
      MESSAGE("GRIDWORK_DISK_FULL_FALLBACK=1: the disk is full by the server's file-size limit (RLIMIT_FSIZE)");
      return;
    }
    mounted_ = mount("tmpfs", dir_.c_str(), "tmpfs", 0, kTmpfsOptions) == 0;
    if (!mounted_)
      MESSAGE("no tmpfs (" << std::strerror(errno) << "): the disk is full by the server's file-size limit "
                           "(RLIMIT_FSIZE, SIGXFSZ ignored: writes fail with EFBIG)");
  }
  ~SmallDisk() {
    if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  const std::string& dir() const { return dir_; }
  bool mounted() const { return mounted_; }

  void fill(pid_t server) {
    if (!mounted_) return limit(server, kFullLimit);
    int fd = open((dir_ + "/ballast").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    REQUIRE(fd >= 0);
    std::string chunk(1 << 20, 'x');
    // Big chunks, then small ones, until not a byte more goes in (ENOSPC).
    for (size_t size : {size_t{1} << 20, size_t{4096}, size_t{1}})
      while (write(fd, chunk.data(), size) > 0) {
      }
    close(fd);
    struct statvfs st{};
    REQUIRE(statvfs(dir_.c_str(), &st) == 0);
    REQUIRE(st.f_bavail == 0);
  }

  void free(pid_t server) {
    if (!mounted_) return limit(server, saved_.rlim_cur);
    fs::remove(dir_ + "/ballast");
  }

 private:
  void limit(pid_t server, rlim_t soft) {
    if (!saved_valid_) {
      REQUIRE(prlimit(server, RLIMIT_FSIZE, nullptr, &saved_) == 0);
      saved_valid_ = true;
    }
    rlimit now{soft, saved_.rlim_max};
    REQUIRE(prlimit(server, RLIMIT_FSIZE, &now, nullptr) == 0);
  }

  std::string dir_;
  bool mounted_ = false;
  rlimit saved_{};
  bool saved_valid_ = false;
};

int64_t count(const std::string& db_path, const std::string& sql, const std::string& arg = {}) {
  SqliteDb db(db_path);
  auto q = db.prepare(sql);
  if (!arg.empty()) q.bind(1, arg);
  return q.step() ? q.int64(0) : -1;
}

// Everything a push may write, row by row: equal before and after the
// failed pushes, or something was half written.
std::string dump(const std::string& db_path) {
  SqliteDb db(db_path);
  std::string out;
  for (const char* t : {"grids", "households", "users", "_log", "_changes", "_batches", "_chain", "_origins",
                        "_devices", "_tokens"}) {
    out += std::string("== ") + t + "\n";
    auto q = db.prepare(std::string("SELECT * FROM ") + t + " ORDER BY 1, 2");
    while (q.step()) {
      for (int i = 0; i < q.columns(); ++i) out += value_to_string(q.value(i)) + "|";
      out += "\n";
    }
  }
  return out;
}

// Until the next write, the WAL is empty and cut to nothing: a push must
// grow it, which a full disk refuses (a WAL left long would take it).
void truncate_wal(const std::string& db_path) {
  SqliteDb db(db_path);
  for (int i = 0; i < 50; ++i) {
    auto q = db.prepare("PRAGMA wal_checkpoint(TRUNCATE)");
    REQUIRE(q.step());
    if (q.int64(0) == 0 && q.int64(1) == 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL("the WAL could not be checkpointed and truncated");
}

Raw push_raw(const std::string& url, Device& d) {
  auto batch = d.replica.next_batch(200);
  REQUIRE(batch);
  std::string body = sync::encode(batch->request);
  return raw(url, "POST", "/v1/sync/push", body,
             {{"Authorization", "Bearer " + d.me.token}, {"X-Gridwork-Signature", d.key.sign_base64(body)}});
}

std::string create(Device& d, const char* table, std::initializer_list<std::pair<std::string_view, Value>> fields) {
  const TableSpec& t = *find_table(table);
  auto id = d.replica.create(t, fields_of(t, fields));
  REQUIRE_MESSAGE(id, (id ? "" : id.error().to_string()));
  return *id;
}

void synced(Device& d) {
  auto r = d.sync.sync();
  REQUIRE_MESSAGE(r, (r ? "" : r.error().to_string()));
  REQUIRE(d.replica.pending_count() == 0);
  REQUIRE(d.replica.problems().empty());
}

}  // namespace

TEST_CASE("a full disk: pushes get 507 and stay on the tablet, nothing half written, pulls go on; "
          "when space returns every record lands once, no restart") {
  SmallDisk disk;
  ServerProcess server({}, disk.dir() + "/server.db");
  REQUIRE(server.admin({"user", "add", "sup1", "--roles", "supervisor"}, kPassword) == 0);
  REQUIRE(server.admin({"user", "add", "sup2", "--roles", "supervisor"}, kPassword) == 0);

  // The park before the fault: a grid and five households, and a tablet
  // that pulled them.
  Device first(server.url(), "sup1", kPassword);
  std::string grid = create(first, "grids", {{"level", int64_t{2}}, {"code", "G01"}, {"name", "一号网格"}, {"kind", "unit"}});
  synced(first);  // the grid before its households (they go up first, by priority)
  for (int i = 0; i < 5; ++i)
    create(first, "households", {{"grid_id", grid}, {"address", "幸福路 " + std::to_string(i) + " 号"},
                                 {"head_name", "户主" + std::to_string(i)}});
  synced(first);
  Device reader(server.url(), "sup2", kPassword);
  synced(reader);
  CHECK(reader.count("SELECT count(*) FROM households") == 5);

  // A tablet new to the server (its first push comes on the full disk),
  // whose session is due for renewal: each request of it asks the writer
  // to extend the token, which the full disk refuses too.
  Device tablet(server.url(), "sup1", kPassword);
  {
    SqliteDb db(server.db_path());
    db.prepare("UPDATE _tokens SET expires_at = ? WHERE device_id = ?").bind(1, now_ms() + 600'000).bind(2, tablet.id).run();
  }
  constexpr int kRecords = 30;
  for (int i = 0; i < kRecords; ++i)
    create(tablet, "households", {{"grid_id", grid}, {"address", "满盘路 " + std::to_string(i) + " 号"},
                                  {"head_name", "住户" + std::to_string(i)}, {"notes", "full-" + std::to_string(i)}});

  truncate_wal(server.db_path());
  const std::string before = dump(server.db_path());
  disk.fill(server.pid());

  // A push: 507, code io, words an operator acts on.
  Raw r = push_raw(server.url(), tablet);
  MESSAGE("a push on the full disk: HTTP " << r.status << " " << r.body);
  CHECK(r.status == 507);
  CHECK(error_code(r) == "io");
  CHECK(r.body.find("Free disk space on the server") != std::string::npos);
  // The tablet's own sync: a failure to retry, never a refusal; nothing leaves the outbox.
  auto failed = tablet.sync.sync();
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == Code::io);
  CHECK(tablet.replica.pending_count() == kRecords);
  CHECK(tablet.replica.problems().empty());

  // Reads go on: pulls (the token's renewal fails on the side, the server stays up).
  sync::SyncReport report;
  CHECK(tablet.sync.pull(report));
  CHECK(reader.sync.sync());
  CHECK(reader.count("SELECT count(*) FROM households") == 5);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the renewals have run on the writer
  CHECK(raw(server.url(), "GET", "/v1/healthz", "").status == 200);
  // A login writes a token: it fails, clearly, and the device may try again.
  auto login = reader.http.login("sup2", kPassword, reader.id, "test tablet");
  REQUIRE_FALSE(login);
  CHECK(login.error().code == Code::io);

  // Nothing half written.
  CHECK(dump(server.db_path()) == before);
  CHECK(count(server.db_path(), "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check != 'ok'") == 0);

  // Space returns: the same tablet, the same server process.
  disk.free(server.pid());
  auto landed = tablet.sync.sync();
  REQUIRE_MESSAGE(landed, (landed ? "" : landed.error().to_string()));
  CHECK(landed->pushed == kRecords);
  CHECK(tablet.replica.pending_count() == 0);
  CHECK(tablet.replica.problems().empty());
  CHECK(count(server.db_path(), "SELECT count(*) FROM households") == 5 + kRecords);
  CHECK(count(server.db_path(), "SELECT count(*) FROM _log WHERE origin = ? AND status = 'accepted'", tablet.id) == kRecords);
  CHECK(count(server.db_path(), "SELECT count(DISTINCT patch_id) FROM _log WHERE origin = ?", tablet.id) == kRecords);
  CHECK(count(server.db_path(), "SELECT count(*) FROM _chain WHERE device = ?", tablet.id) == kRecords);
  CHECK(count(server.db_path(), "SELECT max(n) FROM _chain WHERE device = ?", tablet.id) == kRecords);
  CHECK(count(server.db_path(), "SELECT count(*) FROM _origins WHERE name = ?", tablet.id) == 1);

  // A tablet new after the fault, and the logins again.
  Device third(server.url(), "sup2", kPassword);
  create(third, "households", {{"grid_id", grid}, {"address", "后来路 1 号"}, {"head_name", "新住户"}});
  synced(third);
  CHECK(reader.http.login("sup2", kPassword, reader.id, "test tablet"));

  // Another tablet pulls it all as recorded: values, and each by its writer.
  synced(reader);
  CHECK(reader.count("SELECT count(*) FROM households") == 5 + kRecords + 1);
  const TableSpec& h = *find_table("households");
  auto notes = static_cast<size_t>(h.index_of("notes"));
  int by_tablet = 0;
  for (const auto& id : reader.replica.store().ids(h)) {
    sync::Row row;
    REQUIRE(reader.replica.store().load(h, id, row));
    auto* text = std::get_if<std::string>(&row.values[notes]);
    if (!text || text->rfind("full-", 0) != 0) continue;
    ++by_tablet;
    CHECK_MESSAGE(reader.replica.store().origin_name(row.clocks[notes].origin) == tablet.id,
                  "household " << id << " pulled as written by " << reader.replica.store().origin_name(row.clocks[notes].origin)
                               << ", not by the tablet " << tablet.id);
  }
  CHECK(by_tablet == kRecords);
  // The server's sequence went on from where it stood: no number lost or reused.
  Raw health = raw(server.url(), "GET", "/v1/healthz", "");
  const Json* seq = health.json.find("seq");
  REQUIRE(seq);
  CHECK(seq->as_int() == count(server.db_path(), "SELECT max(seq) FROM _changes"));
  CHECK(count(server.db_path(), "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check != 'ok'") == 0);

  // It never went down: a clean stop.
  CHECK(server.stop() == 0);
}

TEST_CASE("a server started on a full disk exits with the reason, never a crash") {
  SmallDisk disk;
  std::string db = disk.dir() + "/server.db";
  {
    ServerProcess server({}, db);
    REQUIRE(server.admin({"user", "add", "sup1", "--roles", "supervisor"}, kPassword) == 0);
    REQUIRE(server.stop() == 0);  // a clean stop checkpoints and removes the WAL
  }
  if (disk.mounted()) disk.fill(0);
  char tmpl[] = "/tmp/gridwork-disk-log-XXXXXX";
  std::string logs = mkdtemp(tmpl);
  for (bool demo : {false, true}) {
    std::string file = demo ? disk.dir() + "/fresh.db" : db;
    std::string log = logs + (demo ? "/fresh.log" : "/existing.log");
    std::vector<std::string> args = {ServerProcess::binary(), "--db", file, "--listen",
                                     "127.0.0.1:" + std::to_string(ServerProcess::free_port())};
    // No tmpfs: the limit is the server's from its start (util-linux prlimit).
    if (!disk.mounted()) args.insert(args.begin(), {"prlimit", "--fsize=" + std::to_string(kFullLimit), "--"});
    if (demo) args.push_back("--demo");
    ChildProcess child(args, ChildOptions{.env = {}, .log = log, .pipe_stdout = true, .own_group = false});
    std::string line, said;
    // EOF: it has exited (the line it must not print ends the wait too).
    while (said.find("listening on") == std::string::npos && child.line(&line)) said += line + "\n";
    int status = child.wait_for(std::chrono::seconds(60));
    std::ifstream in(log);
    std::stringstream err;
    err << in.rdbuf();
    INFO((demo ? "a new database with the demo park" : "the existing database") << ": exit " << status << "\n"
                                                                                  << said << err.str());
    CHECK(said.find("listening on") == std::string::npos);
    CHECK(status > 0);
    CHECK(status < 128);  // an exit with a reason, not a signal
    CHECK(err.str().find("disk") != std::string::npos);
  }
  fs::remove_all(logs);
}
