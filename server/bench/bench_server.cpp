// bench-server: 200 simulated devices against the real gridwork-server on
// loopback (./dev bench server), beside a cpprestsdk echo handler measured
// with the same client in the same run: the ceiling for a request.
//
// Phases: every device logs in, pulls its scope and pushes 50 patches in
// batches of 10; then a steady mix (pulls, small pushes) for --seconds;
// then small-scope pulls alone and the echo handler alone, for the ratio.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "net/http_transport.hpp"
#include "server/cpprest.hpp"
#include "shared/uuid.hpp"
#include "sync/device/replica.hpp"
#include "sync/device/sync_client.hpp"
#include "tests/support/pg_cluster.hpp"
#include "tests/support/server_process.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace gw;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Options {
  int devices = 200;
  int seconds = 60;
  int threads = 4;
  bool quick = false;
  bool postgres = false;  // the server on a throwaway PostgreSQL cluster instead of an SQLite file
  std::vector<int> servers;  // --servers 1,2,3: that many servers on one PostgreSQL, in turn
};

// ---- child processes ------------------------------------------------------------

// The echo handler: this program again, ready when it says "listening on".
std::unique_ptr<gw::test::ChildProcess> start_echo(const std::string& self, int port) {
  auto echo = std::make_unique<gw::test::ChildProcess>(
      std::vector<std::string>{self, "--echo-server", std::to_string(port)},
      gw::test::ChildOptions{.env = {}, .log = {}, .pipe_stdout = true, .own_group = false});
  std::string line;
  while (echo->line(&line))
    if (line.find("listening on") != std::string::npos) return echo;
  return nullptr;
}

int run_echo_server(int port) {
  crossplat::threadpool::initialize_with_threads(2);
  web::http::experimental::listener::http_listener l("http://127.0.0.1:" + std::to_string(port));
  l.support([](web::http::http_request req) {
    req.extract_vector().then([req](std::vector<unsigned char> body) mutable {
      web::http::http_response r(web::http::status_codes::OK);
      r.set_body(std::string(body.begin(), body.end()), "application/json");
      req.reply(r);
    });
  });
  l.open().wait();
  printf("listening on http://127.0.0.1:%d\n", port);
  fflush(stdout);
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  int sig = 0;
  sigwait(&stop, &sig);
  l.close().wait();
  return 0;
}

// ---- devices -----------------------------------------------------------------------

struct Device {
  std::string user;
  sync::DeviceKey key = sync::DeviceKey::generate();
  std::string id = "bench-" + UuidV7().next(now_ms());
  std::unique_ptr<net::HttpTransport> http;
  std::unique_ptr<Db> db;
  std::unique_ptr<Hlc> clock;
  std::unique_ptr<sync::Replica> replica;
  std::unique_ptr<sync::SyncClient> sync;
  std::vector<std::string> rows;  // households or enterprises it may edit
  const TableSpec* table = nullptr;
  std::string token;  // its sign-in, good on every server of one database
};

// One patch: the notes of one of the device's rows.
void write_note(Device& d, uint64_t r, const char* what) {
  auto col = static_cast<uint16_t>(d.table->index_of("notes"));
  (void)d.replica->write(*d.table, d.rows[r % d.rows.size()], {{col, Value{what + std::to_string(r)}}});
}

struct Stats {
  std::mutex m;
  std::vector<double> ms;
  int64_t errors = 0;
  void add(double v) {
    std::lock_guard lock(m);
    ms.push_back(v);
  }
  void error(const std::string& what) {
    std::lock_guard lock(m);
    if (errors++ < 5) fprintf(stderr, "  error: %s\n", what.c_str());
  }
  double pct(double p) {
    std::lock_guard lock(m);
    if (ms.empty()) return 0;
    std::sort(ms.begin(), ms.end());
    return ms[std::min(ms.size() - 1, static_cast<size_t>(p * static_cast<double>(ms.size())))];
  }
};

// A transport that times every exchange into Stats.
class Timed : public sync::Transport {
 public:
  Timed(sync::Transport& t, Stats& s) : t_(t), s_(s) {}
  Result<std::string> exchange(std::string_view path, const std::string& body) override {
    auto t0 = Clock::now();
    auto r = t_.exchange(path, body);
    s_.add(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (!r) s_.error(std::string(path) + ": " + r.error().to_string());
    return r;
  }

 private:
  sync::Transport& t_;
  Stats& s_;
};

std::string pick_user(int i) {
  char buf[32];
  if (i < 168) snprintf(buf, sizeof buf, "pworker%03d", i + 1);
  else if (i < 180) snprintf(buf, sizeof buf, "worker%02d", i - 167);
  else snprintf(buf, sizeof buf, "cadre%02d", (i - 180) % 24 + 1);
  return buf;
}

template <typename F>
void in_parallel(int threads, int n, F f) {
  std::vector<std::thread> ts;
  std::atomic<int> next{0};
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&] {
      for (int i = next++; i < n; i = next++) f(i);
    });
  for (auto& t : ts) t.join();
}

// "1,2,3" -> {1, 2, 3}, ascending (servers are only ever added); empty when malformed.
std::vector<int> parse_counts(const std::string& list) {
  std::vector<int> out;
  std::istringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    int n = std::atoi(item.c_str());
    if (n < 1 || n > 16) return {};
    out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

double rate(int64_t n, Clock::time_point t0) {
  return static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - t0).count();
}

// A device signed in as `user`, its scope pulled, `patches` one-column edits
// pushed in batches of 10; its exchanges timed into `stats` through `timed`.
// Null when it could not sign in or sync (the error is in `stats`).
std::unique_ptr<Device> open_device(const std::string& user, const std::string& url, Stats& stats,
                                    std::unique_ptr<Timed>& timed, int patches) {
  auto d = std::make_unique<Device>();
  d->user = user;
  d->http = std::make_unique<net::HttpTransport>(url, d->key);
  d->db = std::make_unique<SqliteDb>(":memory:");
  d->clock = std::make_unique<Hlc>(now_ms);
  d->replica = std::make_unique<sync::Replica>(*d->db, d->id, *d->clock);
  d->replica->set_key(&d->key);
  timed = std::make_unique<Timed>(*d->http, stats);
  d->sync = std::make_unique<sync::SyncClient>(*d->replica, *timed);
  d->sync->push_batch = 10;
  auto t = Clock::now();
  auto login = d->http->login(d->user, "gridwork-demo", d->id, "bench");
  stats.add(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
  if (!login) return stats.error("login " + d->user + ": " + login.error().to_string()), nullptr;
  d->token = login->token;
  if (!d->sync->sync()) return nullptr;
  for (const char* table : {"households", "enterprises"}) {
    auto q = d->db->prepare(std::string("SELECT id FROM ") + table + " LIMIT 50");
    while (q.step()) d->rows.emplace_back(q.text(0));
    if (!d->rows.empty()) {
      d->table = find_table(table);
      break;
    }
  }
  for (int k = 0; d->table && k < patches; ++k) write_note(*d, static_cast<uint64_t>(k), "巡查记录 ");
  if (d->table && patches > 0) (void)d->sync->sync();
  return d;
}

// Calls body(random) from `threads` threads for `seconds`.
template <typename F>
void run_for(int threads, int seconds, F body) {
  auto end = Clock::now() + std::chrono::seconds(seconds);
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      uint64_t k = static_cast<uint64_t>(t) * 7919 + 1;
      while (Clock::now() < end) {
        k = k * 6364136223846793005ull + 1442695040888963407ull;
        body(k >> 33);
      }
    });
  for (auto& th : ts) th.join();
}


// ---- several servers on one PostgreSQL (--servers 1,2,3) -------------------------------

// CPU seconds from /proc/PID/stat: the process's own (utime+stime) and its
// reaped children's (cutime+cstime), and its parent; nothing when it is gone.
struct ProcCpu {
  double own = 0, reaped = 0;
  pid_t parent = 0;
};

std::optional<ProcCpu> proc_cpu(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return std::nullopt;
  auto name_end = stat.rfind(')');  // the command name may hold spaces and parentheses
  if (name_end == std::string::npos) return std::nullopt;
  std::istringstream rest(stat.substr(name_end + 2));
  std::string state;
  long long f[14] = {};  // ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
  rest >> state;
  for (auto& v : f) rest >> v;
  double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  return ProcCpu{static_cast<double>(f[10] + f[11]) / tick, static_cast<double>(f[12] + f[13]) / tick,
                 static_cast<pid_t>(f[0])};
}

// PostgreSQL's CPU: the postmaster's own and reaped children's, plus the
// live children's own (backends, walwriter, checkpointer...).
double postgres_cpu(pid_t postmaster) {
  auto pm = proc_cpu(postmaster);
  double total = pm ? pm->own + pm->reaped : 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    pid_t pid = std::atoi(e.path().filename().c_str());
    if (pid <= 0) continue;
    if (auto c = proc_cpu(pid); c && c->parent == postmaster) total += c->own;
  }
  return total;
}

pid_t postmaster_pid(const gw::test::PgCluster& pg) {
  std::ifstream in(pg.dir() + "/data/postmaster.pid");  // its first line
  pid_t pid = 0;
  in >> pid;
  return pid;
}

struct CpuSample {
  double servers = 0, postgres = 0, clients = 0;
};

CpuSample sample_cpu(const std::vector<pid_t>& servers, pid_t postmaster) {
  CpuSample s;
  for (pid_t p : servers)
    if (auto c = proc_cpu(p)) s.servers += c->own;
  s.postgres = postgres_cpu(postmaster);
  if (auto me = proc_cpu(getpid())) s.clients = me->own;
  return s;
}

struct PhaseResult {
  double seconds = 0;
  int64_t records = 0;
  CpuSample cpu;  // used in the phase
};

struct Fleet {
  std::vector<std::unique_ptr<Device>> devices;
  std::vector<std::unique_ptr<Timed>> timed;
  std::vector<std::mutex> locks;
  explicit Fleet(size_t n) : devices(n), timed(n), locks(n) {}

  // Device i to server i % N (round robin, no balancer), timed into `stats`.
  void point(const std::vector<std::string>& urls, Stats& stats) {
    for (size_t i = 0; i < devices.size(); ++i) {
      auto& d = devices[i];
      if (!d) continue;
      d->sync.reset();
      d->http = std::make_unique<net::HttpTransport>(urls[i % urls.size()], d->key);
      d->http->set_token(d->token);
      timed[i] = std::make_unique<Timed>(*d->http, stats);
      d->sync = std::make_unique<sync::SyncClient>(*d->replica, *timed[i]);
      d->sync->push_batch = 10;
    }
  }
};

// Random devices push 1-3 fresh patches each (push) or pull (pull) for
// `seconds` from `threads` threads, CPU read before and after.
PhaseResult run_phase(Fleet& f, bool push, int threads, int seconds, const std::vector<pid_t>& servers,
                      pid_t postmaster) {
  std::atomic<int64_t> records{0};
  CpuSample before = sample_cpu(servers, postmaster);
  auto t0 = Clock::now();
  run_for(threads, seconds, [&](uint64_t r) {
    size_t i = r % f.devices.size();
    std::unique_lock lock(f.locks[i], std::try_to_lock);
    auto& d = f.devices[i];
    if (!lock || !d || !d->table) return;
    sync::SyncReport rep;
    if (push) {
      for (uint64_t k = 0; k <= r % 3; ++k) write_note(*d, r + k, "入户走访 ");
      (void)d->sync->push(rep);
    } else {
      (void)d->sync->pull(rep);
    }
    records += push ? rep.pushed : rep.pulled;
  });
  PhaseResult p;
  p.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  CpuSample after = sample_cpu(servers, postmaster);
  p.cpu = {after.servers - before.servers, after.postgres - before.postgres, after.clients - before.clients};
  p.records = records;
  return p;
}

void report_phase(int n, const char* kind, const PhaseResult& p, Stats& s) {
  double req = static_cast<double>(s.ms.size());
  double per_req = req > 0 ? 1000.0 / req : 0;  // CPU s -> ms per request
  printf("  %d server%s, %s: %.0f req/s, %.0f records/s, p50 %.1f ms, p99 %.1f ms, errors %lld; CPU per request: "
         "servers %.2f ms, PostgreSQL %.2f ms, clients %.2f ms\n",
         n, n == 1 ? "" : "s", kind, req / p.seconds, static_cast<double>(p.records) / p.seconds, s.pct(0.5),
         s.pct(0.99), static_cast<long long>(s.errors), p.cpu.servers * per_req, p.cpu.postgres * per_req,
         p.cpu.clients * per_req);
  std::string m = "bench servers-" + std::to_string(n) + "." + kind;
  printf("%s_per_s %.0f req/s\n", m.c_str(), req / p.seconds);
  printf("%s_records_per_s %.0f records/s\n", m.c_str(), static_cast<double>(p.records) / p.seconds);
  printf("%s_p50_ms %.2f ms\n", m.c_str(), s.pct(0.5));
  printf("%s_p99_ms %.2f ms\n", m.c_str(), s.pct(0.99));
  printf("%s_errors %lld count\n", m.c_str(), static_cast<long long>(s.errors));
  printf("%s_server_cpu_ms %.3f ms/req\n", m.c_str(), p.cpu.servers * per_req);
  printf("%s_postgres_cpu_ms %.3f ms/req\n", m.c_str(), p.cpu.postgres * per_req);
  printf("%s_client_cpu_ms %.3f ms/req\n", m.c_str(), p.cpu.clients * per_req);
  fflush(stdout);
}

// N gridwork-servers on one PostgreSQL (fsync on), for each N asked: the
// devices are signed in once through the first server (sessions live in the
// database, good on all), then spread round robin over the first N servers.
int run_servers(const Options& o) {
  gw::test::PgCluster pg("gridwork", gw::test::PgClusterOptions{.log = {}, .fsync = true});
  if (!pg.ready()) return fprintf(stderr, "bench-server: no PostgreSQL: %s\n", pg.why().c_str()), 1;
  pid_t postmaster = postmaster_pid(pg);
  fprintf(stderr, "[bench-server] PostgreSQL up (postmaster %d); the first server loads the demo park...\n",
          static_cast<int>(postmaster));
  std::vector<std::unique_ptr<gw::test::ServerProcess>> servers;
  servers.push_back(std::make_unique<gw::test::ServerProcess>(std::vector<std::string>{"--demo"}, pg.url()));

  Stats setup;
  Fleet f(static_cast<size_t>(o.devices));
  auto t0 = Clock::now();
  in_parallel(o.threads, o.devices, [&](int i) {
    auto at = static_cast<size_t>(i);
    f.devices[at] = open_device(pick_user(i % 200), servers[0]->url(), setup, f.timed[at], 0);
  });
  fprintf(stderr, "[bench-server] %d devices signed in and synced in %.1f s (%lld errors)\n", o.devices,
          std::chrono::duration<double>(Clock::now() - t0).count(), static_cast<long long>(setup.errors));
  printf("gridwork-servers on one PostgreSQL 15 (fsync on), %d devices round robin over them, %d client threads, "
         "%d s a phase, loopback, 2 cores shared by all\n",
         o.devices, o.threads, o.seconds);
  int64_t errors = setup.errors;
  for (int n : o.servers) {
    while (static_cast<int>(servers.size()) < n)
      servers.push_back(std::make_unique<gw::test::ServerProcess>(std::vector<std::string>{}, pg.url()));
    std::vector<std::string> urls;
    std::vector<pid_t> pids;
    for (int k = 0; k < n; ++k) {
      urls.push_back(servers[static_cast<size_t>(k)]->url());
      pids.push_back(servers[static_cast<size_t>(k)]->pid());
    }
    for (bool push : {true, false}) {
      Stats s;
      f.point(urls, s);
      auto p = run_phase(f, push, o.threads, o.seconds, pids, postmaster);
      report_phase(n, push ? "push" : "pull", p, s);
      errors += s.errors;
    }
  }
  printf("bench servers.errors %lld count\n", static_cast<long long>(errors));
  return errors == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  bool devices_given = false, seconds_given = false, threads_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help") {
      printf("usage: bench-server [--quick] [--devices N] [--seconds S] [--threads T] [--postgres]\n"
             "       bench-server --servers 1,2,3 [--quick] [--devices N] [--seconds S] [--threads T]\n"
             "Starts build/bin/gridwork-server with the demo park on loopback and an echo\n"
             "handler, drives N devices (default 200) and prints `bench server.* VALUE UNIT`.\n"
             "--postgres: the server's database on a throwaway PostgreSQL 15 cluster the\n"
             "bench starts itself (figures then read `bench server-pg.*`).\n"
             "--servers LIST: for each count in LIST, that many servers on one throwaway\n"
             "PostgreSQL (fsync on; --postgres implied), the devices (default 2,000) spread\n"
             "round robin over them, T client threads (default 8); a push phase and a pull\n"
             "phase of S s each (default 20)\n"
             "with req/s, records/s, p50/p99, errors and the CPU per request of the servers,\n"
             "of PostgreSQL and of the clients (/proc), as `bench servers-N.* VALUE UNIT`.\n");
      return 0;
    } else if (a == "--echo-server" && i + 1 < argc) {
      return run_echo_server(std::atoi(argv[++i]));
    } else if (a == "--quick") {
      o.quick = true;
      o.devices = 12;
      o.seconds = 3;
    } else if (a == "--devices" && i + 1 < argc) {
      o.devices = std::atoi(argv[++i]);
      devices_given = true;
    } else if (a == "--seconds" && i + 1 < argc) {
      o.seconds = std::atoi(argv[++i]);
      seconds_given = true;
    } else if (a == "--threads" && i + 1 < argc) {
      o.threads = std::atoi(argv[++i]);
      threads_given = true;
    } else if (a == "--postgres") {
      o.postgres = true;
    } else if (a == "--servers" && i + 1 < argc) {
      o.servers = parse_counts(argv[++i]);
      if (o.servers.empty()) return fprintf(stderr, "bench-server: --servers takes counts like 1,2,3\n"), 2;
    } else {
      fprintf(stderr, "bench-server: unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  if (!o.servers.empty()) {  // its own defaults: a city's fleet, shorter phases (there are 2 per N)
    if (!devices_given) o.devices = o.quick ? 40 : 2000;
    if (!seconds_given) o.seconds = o.quick ? 3 : 20;
    if (!threads_given) o.threads = 8;  // more requests in flight: pushes wait on commits, not CPU
    return run_servers(o);
  }
  std::string self = std::filesystem::canonical("/proc/self/exe").string();
  std::string dir = std::filesystem::temp_directory_path() / ("bench-server-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  int echo_port = gw::test::ServerProcess::free_port();
  std::string echo_url = "http://127.0.0.1:" + std::to_string(echo_port);

  std::unique_ptr<gw::test::PgCluster> pg;
  std::string db = dir + "/server.db";
  if (o.postgres) {
    fprintf(stderr, "[bench-server] starting a throwaway PostgreSQL...\n");
    // Durable as the SQLite server is (synchronous=FULL): fsync on, commits
    // synchronous, so the two backends are compared at the same promise.
    pg = std::make_unique<gw::test::PgCluster>("gridwork", gw::test::PgClusterOptions{.log = {}, .fsync = true});
    if (!pg->ready()) {
      fprintf(stderr, "bench-server: no PostgreSQL: %s\n", pg->why().c_str());
      return 1;
    }
    db = pg->url();
  }
  fprintf(stderr, "[bench-server] starting the server with the demo park...\n");
  auto server = std::make_unique<gw::test::ServerProcess>(std::vector<std::string>{"--demo"}, db);
  std::string url = server->url();
  auto echo = start_echo(self, echo_port);
  if (!echo) {
    fprintf(stderr, "bench-server: the echo handler did not start\n");
    return 1;
  }

  Stats setup, mix, pulls, echo_stats;
  std::vector<std::unique_ptr<Device>> devices(static_cast<size_t>(o.devices));
  std::vector<std::unique_ptr<Timed>> timed(devices.size());

  // Phase 1: log in, pull the scope, push 50 patches in batches of 10.
  auto t0 = Clock::now();
  in_parallel(o.threads, o.devices, [&](int i) {
    auto at = static_cast<size_t>(i);
    devices[at] = open_device(pick_user(i), url, setup, timed[at], 50);
  });
  double setup_s = std::chrono::duration<double>(Clock::now() - t0).count();
  int64_t setup_requests = static_cast<int64_t>(setup.ms.size());
  fprintf(stderr, "[bench-server] setup: %d devices in %.1f s, %lld requests\n", o.devices, setup_s,
          static_cast<long long>(setup_requests));

  // Phase 2: the steady mix.
  for (size_t i = 0; i < devices.size(); ++i)
    if (devices[i]) timed[i] = std::make_unique<Timed>(*devices[i]->http, mix);
  for (size_t i = 0; i < devices.size(); ++i)
    if (devices[i]) devices[i]->sync = std::make_unique<sync::SyncClient>(*devices[i]->replica, *timed[i]);
  // One device is driven by one thread at a time: device i belongs to thread i % threads.
  std::vector<std::mutex> locks(devices.size());
  auto mix_start = Clock::now();
  run_for(o.threads, o.seconds, [&](uint64_t r) {
    size_t i = r % devices.size();
    std::unique_lock lock(locks[i], std::try_to_lock);
    auto& d = devices[i];
    if (!lock || !d) return;
    if (r % 5 == 0 && d->table) write_note(*d, r, "走访 ");
    sync::SyncReport rep;
    if (r % 5 == 0) (void)d->sync->push(rep);
    else (void)d->sync->pull(rep);
  });
  double mix_rps = rate(static_cast<int64_t>(mix.ms.size()), mix_start);

  // Phase 3: small-scope pulls alone, then the echo handler alone.
  for (size_t i = 0; i < devices.size(); ++i)
    if (devices[i]) devices[i]->sync = std::make_unique<sync::SyncClient>(*devices[i]->replica, *(timed[i] = std::make_unique<Timed>(*devices[i]->http, pulls)));
  int measure = std::max(3, o.seconds / 6);
  auto pull_start = Clock::now();
  run_for(o.threads, measure, [&](uint64_t r) {
    size_t i = r % std::min<size_t>(devices.size(), 168);  // part-timers: one level-3 grid each
    std::unique_lock lock(locks[i], std::try_to_lock);
    if (!lock || !devices[i]) return;
    sync::SyncReport rep;
    (void)devices[i]->sync->pull(rep);
  });
  double pull_rps = rate(static_cast<int64_t>(pulls.ms.size()), pull_start);

  auto key = sync::DeviceKey::generate();
  std::vector<std::unique_ptr<net::HttpTransport>> echo_clients;
  for (int t = 0; t < o.threads; ++t) echo_clients.push_back(std::make_unique<net::HttpTransport>(echo_url, key));
  std::string body = R"({"protocol":1,"cursors":{"global":70000,"user:x":10},"limit":500})";
  auto echo_start = Clock::now();
  std::atomic<int> which{0};
  run_for(o.threads, measure, [&](uint64_t) {
    thread_local int mine = which++;
    auto t = Clock::now();
    auto r = echo_clients[static_cast<size_t>(mine % o.threads)]->exchange("/echo", body);
    echo_stats.add(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
    if (!r) echo_stats.error(r.error().to_string());
  });
  double echo_rps = rate(static_cast<int64_t>(echo_stats.ms.size()), echo_start);

  // Phase 4: the supervisor's KPI report over a year of the park, each group.
  Stats kpi;
  {
    Device sup;
    sup.http = std::make_unique<net::HttpTransport>(url, sup.key);
    auto login = sup.http->login("supervisor01", "gridwork-demo", sup.id, "bench");
    if (!login) kpi.error("login supervisor01: " + login.error().to_string());
    for (int k = 0; login && k < 60; ++k) {
      const char* group = k % 3 == 0 ? "grid" : k % 3 == 1 ? "worker" : "department";
      auto t = Clock::now();
      auto r = sup.http->get(std::string("/v1/reports/kpi?from=2026-01-01&to=2026-12-31&group=") + group, 30'000);
      kpi.add(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
      if (!r) kpi.error(r.error().to_string());
    }
  }

  echo->stop();
  int status = server->stop();
  std::filesystem::remove_all(dir);

  int64_t errors = setup.errors + mix.errors + pulls.errors + kpi.errors;
  printf("gridwork-server under %d devices, %d client threads, loopback, 2 cores shared with the clients\n",
         o.devices, o.threads);
  printf("  setup (login, scope pull, 50 patches each): %.1f s, %lld requests, p50 %.1f ms, p99 %.1f ms\n", setup_s,
         static_cast<long long>(setup_requests), setup.pct(0.5), setup.pct(0.99));
  printf("  steady mix (80%% pulls, 20%% pushes) for %d s: %.0f requests/s, p50 %.1f ms, p99 %.1f ms\n", o.seconds,
         mix_rps, mix.pct(0.5), mix.pct(0.99));
  printf("  small-scope pulls: %.0f requests/s, p99 %.1f ms; echo handler: %.0f requests/s, p99 %.1f ms\n", pull_rps,
         pulls.pct(0.99), echo_rps, echo_stats.pct(0.99));
  printf("  KPI report of a year (supervisor01, by grid, worker, department): p50 %.1f ms, p99 %.1f ms\n",
         kpi.pct(0.5), kpi.pct(0.99));
  printf("  errors: %lld; server exit status %d\n", static_cast<long long>(errors), status);
  const char* name = o.postgres ? "server-pg" : "server";
  printf("bench %s.mix_requests_per_s %.0f req/s\n", name, mix_rps);
  printf("bench %s.mix_p50_ms %.2f ms\n", name, mix.pct(0.5));
  printf("bench %s.mix_p99_ms %.2f ms\n", name, mix.pct(0.99));
  printf("bench %s.setup_p99_ms %.2f ms\n", name, setup.pct(0.99));
  printf("bench %s.errors %lld count\n", name, static_cast<long long>(errors));
  printf("bench %s.pull_small_per_s %.0f req/s\n", name, pull_rps);
  printf("bench %s.echo_per_s %.0f req/s\n", name, echo_rps);
  printf("bench %s.pull_vs_echo %.2f x\n", name, echo_rps > 0 ? pull_rps / echo_rps : 0.0);
  printf("bench %s.kpi_year_p50_ms %.2f ms\n", name, kpi.pct(0.5));
  printf("bench %s.kpi_year_p99_ms %.2f ms\n", name, kpi.pct(0.99));
  return errors == 0 ? 0 : 1;
}
