#include "server/cli.hpp"

#include <signal.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "server/backup.hpp"
#include "server/blob_store.hpp"
#include "server/cpprest.hpp"
#include "server/http_front.hpp"
#include "server/database.hpp"
#include "server/log.hpp"
#include "server/migrate.hpp"
#include "server/service.hpp"
#include "server/tls.hpp"
#include "shared/demo/park.hpp"
#include "shared/uuid.hpp"
#include "sync/core/chain.hpp"

namespace gw::server {

namespace {

const char* kUsage = R"(usage:
  gridwork-server --db FILE --listen HOST:PORT [--demo | --demo-parks N] [options]
  gridwork-server user add USERNAME --roles ROLES [--name NAME] [--department ID]
                                   [--password PW] --db FILE
  gridwork-server user passwd USERNAME [--password PW] --db FILE
  gridwork-server user disable USERNAME --db FILE
  gridwork-server device list --db FILE
  gridwork-server device revoke DEVICE_ID --db FILE
  gridwork-server evidence TABLE ROW_ID --db FILE
  gridwork-server evidence verify FILE
  gridwork-server takeover start GRID_CODE --reason TEXT --by USERNAME --db FILE
  gridwork-server takeover end GRID_CODE --by USERNAME --db FILE
  gridwork-server takeover list --db FILE
  gridwork-server migrate --from FILE|URL --to FILE|URL
  gridwork-server backup --db FILE|URL --to FILE
  gridwork-server restore --from FILE --db FILE|URL
  gridwork-server epoch show|new --db FILE|URL

The Gridwork sync server: merges what every device recorded and sends each
device its buckets (see README.md for the HTTP API).

options:
  --db FILE|URL        SQLite database FILE (created if missing), or a PostgreSQL
                       database: postgresql://USER[:PW]@HOST[:PORT]/NAME, made
                       with `createdb --locale=C --template=template0 NAME`;
                       several servers may share one (every admin command too)
  --listen HOST:PORT   address to serve on (default 127.0.0.1:8080)
  --demo               fill an empty database with the demo park
  --demo-parks N       fill an empty database with a demo city of N parks
                       (1 to 99; park 1 is the demo park, park N's accounts
                       are pNN-worker01 and so on, password gridwork-demo)
  --config FILE        read options from FILE: one 'key = value' a line,
                       keys as the long options without '--'
  --threads N          HTTP worker threads (default: number of cores)
  --max-body BYTES     largest request body (default 8388608)
  --token-ttl-hours H  session lifetime, refreshed by use (default 168)
  --page-cache-mb MB   grid pull pages kept for readers asking for the same
                       rows, as fifty cadres do after a takeover (default 64;
                       0: every page built for its reader)
  --tls-cert FILE      serve https with this PEM certificate (chain)
  --tls-key FILE       the certificate's PEM private key (both or neither)
  --verbose            log every request
  --quiet              log warnings and errors only
  --help               this text

Ready when it prints 'listening on http://HOST:PORT' (https:// with
--tls-cert and --tls-key: TLS 1.2 or later only). SIGTERM or SIGINT
finishes the requests in flight and exits 0.
Passwords not given with --password are read from standard input.
'user add --department ID' puts the user in a department, ID being the id
of its departments row (its cadres get the grids the department takes over).
'takeover start' hands a unit grid (by its code) to its linked department, on
the word of a supervisor (--by), as a supervisor's tablet does; 'takeover end'
gives it back. 'device revoke' makes the device's next contact its last: what
it pushes is held for an admin's review and it is told to wipe its data.
'evidence' prints a record's patch-chain links as JSON (who recorded what,
from which device, signed); 'evidence verify' checks such a file offline.
Tablets learn of a takeover at their next sync: a takeover from a
supervisor's tablet reaches those in a long-poll within seconds.
'migrate' copies every row into an empty database; stop the source's
servers first. 'backup' writes one SQLite file, a consistent copy of one
moment taken while servers run (SQLite: VACUUM INTO; PostgreSQL: one
REPEATABLE READ snapshot); it never replaces a file; the complete photos
go beside it in FILE.blobs/. 'restore' copies a backup (and its photos)
into an empty database and starts a new epoch there, which makes
every device re-send what the copy lacks and pull again. 'epoch new' does
that alone, for a database restored by other means (pg_basebackup and
point-in-time recovery, a promoted standby): run it before servers take
traffic on it. 'epoch show' prints the epoch.
)";

struct Args {
  std::vector<std::string> words;              // positionals
  std::map<std::string, std::string> options;  // --key value / --flag ""
};

bool is_flag(const std::string& k) { return k == "demo" || k == "verbose" || k == "quiet" || k == "help"; }

bool parse(int argc, char** argv, Args& out, std::string& error) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h") a = "--help";
    if (a.rfind("--", 0) != 0) {
      out.words.push_back(a);
      continue;
    }
    std::string key = a.substr(2);
    static const char* kKnown[] = {"db", "listen", "demo", "config", "threads", "max-body", "token-ttl-hours",
                                   "verbose", "quiet", "help", "roles", "demo-parks", "name", "password",
                                   "department", "reason", "by", "tls-cert", "tls-key", "from", "to",
                                   "page-cache-mb"};
    bool known = false;
    for (const char* k : kKnown) known = known || key == k;
    if (!known) {
      error = "unknown option --" + key;
      return false;
    }
    if (is_flag(key)) {
      out.options[key] = "1";
    } else if (i + 1 < argc) {
      out.options[key] = argv[++i];
    } else {
      error = "--" + key + " needs a value";
      return false;
    }
  }
  return true;
}

bool read_config(const std::string& path, Args& args, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read config file " + path;
    return false;
  }
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(" \t"));
      s.erase(s.find_last_not_of(" \t\r") + 1);
      return s;
    };
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) {
      error = path + ":" + std::to_string(n) + ": expected 'key = value'";
      return false;
    }
    std::string key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    if (!args.options.count(key)) args.options[key] = value;  // the command line wins
  }
  return true;
}

std::string password_from(Args& a) {
  if (a.options.count("password")) return a.options["password"];
  std::string pw;
  std::getline(std::cin, pw);
  return pw;
}

int fail(const std::string& msg) {
  fprintf(stderr, "gridwork-server: %s\n", msg.c_str());
  return 2;
}

// Why a new user cannot join department `id`, or "" when it can: the id must
// name a departments row that is not deleted. Checked before anything is
// written, so a typo adds no user.
std::string department_problem(sync::ServerEngine& engine, const std::string& id) {
  const auto& t = *find_table("departments");
  sync::Row row;
  if (!engine.store().load(t, id, row))
    return "no department " + id + " (--department wants the id of a departments row)";
  const auto* deleted = std::get_if<int64_t>(&row.values[static_cast<size_t>(t.index_of("deleted"))]);
  if (deleted && *deleted) return "department " + id + " is deleted";
  return "";
}

// takeover start|end|list: what a supervisor's tablet does, from the server's
// console, judged by the same checks.
int takeover_command(Args& a, sync::ServerEngine& engine, Db& db) {
  const std::string verb = a.words.size() > 1 ? a.words[1] : "";
  if (verb == "list" && a.words.size() == 2) {
    auto s = db.prepare("SELECT g.code, g.name, t.started_at, coalesce(t.ended_at, 0), t.reason FROM takeovers t "
                        "JOIN grids g ON g.id = t.grid_id ORDER BY t.started_at");
    printf("%-16s %-20s %-14s %-14s %s\n", "grid", "name", "started_at", "ended_at", "reason");
    while (s.step())
      printf("%-16s %-20s %-14lld %-14lld %s\n", std::string(s.text(0)).c_str(), std::string(s.text(1)).c_str(),
             static_cast<long long>(s.int64(2)), static_cast<long long>(s.int64(3)), std::string(s.text(4)).c_str());
    return 0;
  }
  if ((verb != "start" && verb != "end") || a.words.size() != 3) return fail(std::string("bad command\n") + kUsage);
  auto by = engine.directory().user_by_name(a.options["by"]);
  if (!by) return fail("--by USERNAME must name the supervisor on whose word this is");
  auto grid = db.prepare("SELECT id FROM grids WHERE code = ? AND coalesce(deleted, 0) <> 1");
  grid.bind(1, a.words[2]);
  if (!grid.step()) return fail("no grid with code " + a.words[2]);
  std::string grid_id(grid.text(0));
  auto txn = engine.begin_write();
  if (verb == "start") {
    if (a.options["reason"].empty()) return fail("--reason TEXT is required: why the grid is taken over");
    auto id = engine.start_takeover_at_server(grid_id, a.options["reason"], *by);
    if (!id) return fail(id.error().message);
    txn->commit();
    printf("takeover %s of %s started\n", id->c_str(), a.words[2].c_str());
    return 0;
  }
  auto running = db.prepare("SELECT id FROM takeovers WHERE grid_id = ? AND ended_at IS NULL");
  running.bind(1, grid_id);
  if (!running.step()) return fail("no takeover of " + a.words[2] + " is running");
  std::string id(running.text(0));
  if (auto st = engine.end_takeover_at_server(id, *by); !st) return fail(st.error().message);
  txn->commit();
  printf("takeover %s of %s ended\n", id.c_str(), a.words[2].c_str());
  return 0;
}

// `evidence verify FILE`: needs nothing but the file.
int verify_evidence_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail("cannot read " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto j = parse_json(text);
  if (!j) return fail(path + " is not JSON: " + j.error().message);
  if (auto st = sync::verify_evidence(*j); !st) return fail("evidence does not verify: " + st.error().message);
  const Json* links = j->find("links");
  printf("evidence verified: %zu links\n", links->as_array().size());
  return 0;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void print_table(const std::string& table, int64_t rows) {
  fprintf(stderr, "  %-14s %10lld rows\n", table.c_str(), static_cast<long long>(rows));
}

// A park's file into a city's database (or any database into an empty one):
// every row, cursors valid after it. The servers on the source are stopped first.
int migrate_command(Args& a) {
  if (!a.options.count("from") || !a.options.count("to")) return fail("migrate wants --from FILE|URL --to FILE|URL");
  try {
    auto from = open_database(a.options["from"]);
    auto to = open_database(a.options["to"]);
    auto t0 = std::chrono::steady_clock::now();
    auto r = migrate(*from, *to, print_table);
    if (!r) return fail("migrate: " + r.error().message);
    // The photos follow the rows, store to store (files beside a park's
    // file, tables in a city's database), each checked against its name.
    auto photos_from = open_blob_store(a.options["from"]), photos_to = open_blob_store(a.options["to"]);
    photos_to->create(*to);
    auto photos = copy_blobs(*photos_from, *from, *photos_to, *to);
    if (!photos) return fail("migrate: the rows are copied, but not every photo: " + photos.error().message);
    printf("migrated %lld rows in %zu tables and %lld photos from %s to %s in %.1f s\n", static_cast<long long>(r->rows),
           r->tables.size(), static_cast<long long>(*photos), from->where().c_str(), to->where().c_str(),
           seconds_since(t0));
    return 0;
  } catch (const DbError& e) {
    return fail(std::string("migrate: ") + e.what());
  }
}

// An epoch as its number and the moment it names (epochs are wall-clock ms).
std::string epoch_text(int64_t epoch) {
  if (epoch == 0) return "none";
  time_t secs = static_cast<time_t>(epoch / 1000);
  char when[32];
  tm utc{};
  strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&secs, &utc));
  return std::to_string(epoch) + " (" + when + ")";
}

int backup_command(Args& a) {
  if (!a.options.count("db") || !a.options.count("to")) return fail("backup wants --db FILE|URL --to FILE");
  auto t0 = std::chrono::steady_clock::now();
  auto r = backup(a.options["db"], a.options["to"], print_table);
  if (!r) return fail("backup: " + r.error().message);
  printf("backed up %lld rows in %zu tables to %s: %lld bytes in %.1f s (%s; epoch %s); %lld photos in %s.blobs/\n",
         static_cast<long long>(r->held.rows), r->held.tables.size(), a.options["to"].c_str(),
         static_cast<long long>(r->bytes), seconds_since(t0), r->how, epoch_text(r->epoch).c_str(),
         static_cast<long long>(r->photos), a.options["to"].c_str());
  return 0;
}

int restore_command(Args& a) {
  if (!a.options.count("from") || !a.options.count("db")) return fail("restore wants --from FILE --db FILE|URL");
  auto t0 = std::chrono::steady_clock::now();
  auto r = restore(a.options["from"], a.options["db"], wall_ms(), print_table);
  if (!r) return fail("restore: " + r.error().message);
  printf("restored %lld rows in %zu tables and %lld photos from %s in %.1f s\nnew epoch %s (the backup's: %s): "
         "devices will re-send and pull again\n",
         static_cast<long long>(r->copied.rows), r->copied.tables.size(), static_cast<long long>(r->photos),
         a.options["from"].c_str(), seconds_since(t0), epoch_text(r->epoch.now).c_str(),
         epoch_text(r->epoch.was).c_str());
  return 0;
}

int epoch_command(Args& a) {
  const std::string& verb = a.words[1];
  if (!a.options.count("db")) return fail("epoch " + verb + " wants --db FILE|URL");
  if (verb == "show") {
    auto e = show_epoch(a.options["db"]);
    if (!e) return fail("epoch: " + e.error().message);
    printf("epoch %s\n", epoch_text(*e).c_str());
    return 0;
  }
  if (verb != "new") return fail("epoch show|new, not '" + verb + "'");
  auto e = new_epoch(a.options["db"], wall_ms());
  if (!e) return fail("epoch: " + e.error().message);
  printf("new epoch %s (was %s): devices will re-send and pull again\n", epoch_text(e->now).c_str(),
         epoch_text(e->was).c_str());
  return 0;
}

int admin(Args& a) {
  if (a.words[0] == "migrate" && a.words.size() == 1) return migrate_command(a);
  if (a.words[0] == "backup" && a.words.size() == 1) return backup_command(a);
  if (a.words[0] == "restore" && a.words.size() == 1) return restore_command(a);
  if (a.words[0] == "epoch" && a.words.size() == 2) return epoch_command(a);
  if (a.words[0] == "evidence" && a.words.size() == 3 && a.words[1] == "verify") return verify_evidence_file(a.words[2]);
  if (!a.options.count("db")) return fail("--db FILE|URL is required");
  const std::string& what = a.words[0];
  const std::string verb = a.words.size() > 1 ? a.words[1] : "";
  int rc = 0;
  SyncService::with_engine(a.options["db"], [&](sync::ServerEngine& engine, Db& db) {
    if (what == "takeover") {
      rc = takeover_command(a, engine, db);
      return;
    }
    auto& dir = engine.directory();
    const auto& users = *find_table("users");
    auto col = [&](const char* c) { return static_cast<uint16_t>(users.index_of(c)); };
    if (what == "user" && a.words.size() == 3) {
      const std::string& name = a.words[2];
      auto u = dir.user_by_name(name);
      if (verb == "add") {
        if (u) { rc = fail("user " + name + " exists"); return; }
        auto roles = RoleSet::parse(a.options["roles"]);
        if (!roles || roles->empty()) { rc = fail("--roles must list roles: worker,chief,cadre,supervisor,admin"); return; }
        bool in_department = a.options.count("department") > 0;
        std::string department = in_department ? a.options["department"] : "";
        if (in_department)
          if (auto why = department_problem(engine, department); !why.empty()) { rc = fail(why); return; }
        std::string pw = password_from(a);
        if (pw.size() < 8) { rc = fail("passwords have at least 8 characters"); return; }
        UuidV7 ids;
        std::string id = ids.next(engine.clock().wall_ms());
        auto txn = engine.begin_write();
        Fields fields{{col("username"), Value{name}},
                      {col("name"), Value{a.options.count("name") ? a.options["name"] : name}},
                      {col("roles"), Value{roles->to_string()}}};
        if (in_department) fields.push_back({col("department_id"), Value{department}});
        engine.write_as_server(users, id, fields);
        auth::set_password(db, id, hash_password(pw));
        txn->commit();
        printf("added %s (%s)\n", name.c_str(), id.c_str());
      } else if (verb == "passwd") {
        if (!u) { rc = fail("no user " + name); return; }
        std::string pw = password_from(a);
        if (pw.size() < 8) { rc = fail("passwords have at least 8 characters"); return; }
        auth::set_password(db, u->id, hash_password(pw));
        printf("password of %s changed\n", name.c_str());
      } else if (verb == "disable") {
        if (!u) { rc = fail("no user " + name); return; }
        auto txn = engine.begin_write();
        engine.write_as_server(users, u->id, {{col("disabled"), Value{int64_t{1}}}});
        txn->commit();
        printf("%s disabled\n", name.c_str());
      } else {
        rc = fail("unknown user command '" + verb + "'");
      }
    } else if (what == "device" && verb == "list" && a.words.size() == 2) {
      printf("%-40s %-12s %-20s %s\n", "device", "user", "name", "state");
      for (const auto& d : auth::devices(db)) {
        auto u = dir.user(d.user_id);
        printf("%-40s %-12s %-20s %s\n", d.id.c_str(), u ? u->username.c_str() : d.user_id.c_str(), d.name.c_str(),
               d.revoked ? "revoked" : "active");
      }
    } else if (what == "evidence" && a.words.size() == 3) {
      auto e = engine.evidence(a.words[1], a.words[2]);
      if (!e) rc = fail(e.error().message);
      else printf("%s\n", e->dump().c_str());
    } else if (what == "device" && verb == "revoke" && a.words.size() == 3) {
      auto st = auth::revoke_device(db, a.words[2]);
      if (!st) rc = fail(st.error().message);
      else printf("device %s revoked\n", a.words[2].c_str());
    } else {
      rc = fail(std::string("bad command\n") + kUsage);
    }
  });
  return rc;
}

int serve(Args& a) {
  if (!a.options.count("db")) return fail("--db FILE|URL is required");
  std::string listen = a.options.count("listen") ? a.options["listen"] : "127.0.0.1:8080";
  if (listen.find(':') == std::string::npos) return fail("--listen wants HOST:PORT");
  if (a.options.count("verbose")) Log::set_level(Level::debug);
  if (a.options.count("quiet")) Log::set_level(Level::warn);
  std::optional<TlsIdentity> tls;
  if (a.options.count("tls-cert") != a.options.count("tls-key"))
    return fail("--tls-cert and --tls-key go together: give both to serve https, neither for http");
  if (a.options.count("tls-cert")) {
    auto id = load_tls_identity(a.options["tls-cert"], a.options["tls-key"]);
    if (!id) return fail(id.error().message);
    tls = std::move(*id);
  }

  // A file-size limit (ulimit -f) then fails a write as a full disk does,
  // answered 507, instead of killing the server with SIGXFSZ.
  signal(SIGXFSZ, SIG_IGN);

  // Block the stop signals in every thread; main waits for them below.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  // cpprestsdk's default pool of 40 threads ran 4x slower here than one
  // sized to the cores (FACTS.md); handlers never wait on the writer.
  size_t threads = a.options.count("threads") ? std::strtoul(a.options["threads"].c_str(), nullptr, 10)
                                              : std::max(2u, std::thread::hardware_concurrency());
  crossplat::threadpool::initialize_with_threads(std::max<size_t>(threads, 2));

  ServiceOptions opt;
  opt.db_path = a.options["db"];
  opt.demo = a.options.count("demo") > 0 || a.options.count("demo-parks") > 0;
  if (a.options.count("demo-parks")) {
    opt.demo_parks = std::atoi(a.options["demo-parks"].c_str());
    if (opt.demo_parks < 1 || opt.demo_parks > demo::kMaxParks) return fail("--demo-parks wants 1 to 99 parks");
  }
  if (a.options.count("max-body")) opt.max_body = std::strtoull(a.options["max-body"].c_str(), nullptr, 10);
  if (a.options.count("token-ttl-hours"))
    opt.token_ttl_ms = std::strtoll(a.options["token-ttl-hours"].c_str(), nullptr, 10) * 3600 * 1000;
  opt.readers = static_cast<int>(std::max<size_t>(threads, 2));
  if (a.options.count("page-cache-mb"))
    opt.page_cache_bytes = std::strtoull(a.options["page-cache-mb"].c_str(), nullptr, 10) << 20;
  try {
    SyncService service(opt);
    std::string url = (tls ? "https://" : "http://") + listen;
    HttpFront front(service, url, opt.max_body, std::move(tls));
    printf("listening on %s\n", url.c_str());
    fflush(stdout);
    Log::write(Level::info, "listening", {{"url", url}, {"db", opt.db_path}});
    int sig = 0;
    sigwait(&stop, &sig);
    Log::write(Level::info, "stopping", {{"signal", sig}});
    service.shutdown();
    front.close();
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  Log::write(Level::info, "stopped");
  return 0;
}

}  // namespace

int run_cli(int argc, char** argv) {
  Args a;
  std::string error;
  if (!parse(argc, argv, a, error)) return fail(error + "\n" + kUsage);
  if (a.options.count("help")) {
    fputs(kUsage, stdout);
    return 0;
  }
  if (a.options.count("config") && !read_config(a.options["config"], a, error)) return fail(error);
  if (!a.words.empty()) return admin(a);
  return serve(a);
}

}  // namespace gw::server
