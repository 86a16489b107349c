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
#include <mutex>
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
};

// ---- child processes ------------------------------------------------------------

pid_t spawn(const std::vector<std::string>& args, int& ready_fd) {
  int out[2];
  if (pipe(out) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    std::vector<char*> argv;
    for (auto& a : const_cast<std::vector<std::string>&>(args)) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  ready_fd = out[0];
  return pid;
}

bool wait_ready(int fd, int seconds) {
  std::string seen;
  char buf[256];
  auto deadline = Clock::now() + std::chrono::seconds(seconds);
  while (seen.find("listening on") == std::string::npos && Clock::now() < deadline) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    seen.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return seen.find("listening on") != std::string::npos;
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
};

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

double rate(int64_t n, Clock::time_point t0) {
  return static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help") {
      printf("usage: bench-server [--quick] [--devices N] [--seconds S] [--threads T] [--postgres]\n"
             "Starts build/bin/gridwork-server with the demo park on loopback and an echo\n"
             "handler, drives N devices (default 200) and prints `bench server.* VALUE UNIT`.\n"
             "--postgres: the server's database on a throwaway PostgreSQL 15 cluster the\n"
             "bench starts itself (figures then read `bench server-pg.*`).\n");
      return 0;
    } else if (a == "--echo-server" && i + 1 < argc) {
      return run_echo_server(std::atoi(argv[++i]));
    } else if (a == "--quick") {
      o.quick = true;
      o.devices = 12;
      o.seconds = 3;
    } else if (a == "--devices" && i + 1 < argc) {
      o.devices = std::atoi(argv[++i]);
    } else if (a == "--seconds" && i + 1 < argc) {
      o.seconds = std::atoi(argv[++i]);
    } else if (a == "--threads" && i + 1 < argc) {
      o.threads = std::atoi(argv[++i]);
    } else if (a == "--postgres") {
      o.postgres = true;
    } else {
      fprintf(stderr, "bench-server: unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  std::string self = std::filesystem::canonical("/proc/self/exe").string();
  std::string server_bin = std::filesystem::path(self).parent_path() / "gridwork-server";
  std::string dir = std::filesystem::temp_directory_path() / ("bench-server-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  int port = gw::test::ServerProcess::free_port(), echo_port = gw::test::ServerProcess::free_port();
  std::string url = "http://127.0.0.1:" + std::to_string(port);
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
  int fd = -1;
  pid_t server = spawn({server_bin, "--db", db, "--listen", "127.0.0.1:" + std::to_string(port),
                        "--demo", "--quiet"}, fd);
  if (server < 0 || !wait_ready(fd, 120)) {
    fprintf(stderr, "bench-server: the server did not start\n");
    return 1;
  }
  pid_t echo = spawn({self, "--echo-server", std::to_string(echo_port)}, fd);
  if (echo < 0 || !wait_ready(fd, 30)) {
    fprintf(stderr, "bench-server: the echo handler did not start\n");
    kill(server, SIGTERM);
    return 1;
  }

  Stats setup, mix, pulls, echo_stats;
  std::vector<std::unique_ptr<Device>> devices(static_cast<size_t>(o.devices));
  std::vector<std::unique_ptr<Timed>> timed(devices.size());

  // Phase 1: log in, pull the scope, push 50 patches in batches of 10.
  auto t0 = Clock::now();
  std::atomic<int64_t> requests{0};
  in_parallel(o.threads, o.devices, [&](int i) {
    auto d = std::make_unique<Device>();
    d->user = pick_user(i);
    d->http = std::make_unique<net::HttpTransport>(url, d->key);
    d->db = std::make_unique<SqliteDb>(":memory:");
    d->clock = std::make_unique<Hlc>(now_ms);
    d->replica = std::make_unique<sync::Replica>(*d->db, d->id, *d->clock);
    d->replica->set_key(&d->key);
    timed[static_cast<size_t>(i)] = std::make_unique<Timed>(*d->http, setup);
    d->sync = std::make_unique<sync::SyncClient>(*d->replica, *timed[static_cast<size_t>(i)]);
    d->sync->push_batch = 10;
    auto t = Clock::now();
    auto login = d->http->login(d->user, "gridwork-demo", d->id, "bench");
    setup.add(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
    if (!login) return setup.error("login " + d->user + ": " + login.error().to_string());
    if (!d->sync->sync()) return;
    for (const char* table : {"households", "enterprises"}) {
      auto q = d->db->prepare(std::string("SELECT id FROM ") + table + " LIMIT 50");
      while (q.step()) d->rows.emplace_back(q.text(0));
      if (!d->rows.empty()) {
        d->table = find_table(table);
        break;
      }
    }
    if (d->table) {
      auto col = static_cast<uint16_t>(d->table->index_of("notes"));
      for (int k = 0; k < 50; ++k)
        (void)d->replica->write(*d->table, d->rows[static_cast<size_t>(k) % d->rows.size()],
                                {{col, Value{"巡查记录 " + std::to_string(k)}}});
      (void)d->sync->sync();
    }
    devices[static_cast<size_t>(i)] = std::move(d);
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
  auto run_for = [&](int seconds, auto&& body) {
    auto end = Clock::now() + std::chrono::seconds(seconds);
    std::vector<std::thread> ts;
    for (int t = 0; t < o.threads; ++t)
      ts.emplace_back([&, t] {
        uint64_t k = static_cast<uint64_t>(t) * 7919 + 1;
        while (Clock::now() < end) {
          k = k * 6364136223846793005ull + 1442695040888963407ull;
          body(k >> 33);
        }
      });
    for (auto& th : ts) th.join();
  };
  // One device is driven by one thread at a time: device i belongs to thread i % threads.
  std::vector<std::mutex> locks(devices.size());
  auto mix_start = Clock::now();
  run_for(o.seconds, [&](uint64_t r) {
    size_t i = r % devices.size();
    std::unique_lock lock(locks[i], std::try_to_lock);
    auto& d = devices[i];
    if (!lock || !d) return;
    if (r % 5 == 0 && d->table) {
      auto col = static_cast<uint16_t>(d->table->index_of("notes"));
      (void)d->replica->write(*d->table, d->rows[r % d->rows.size()], {{col, Value{"走访 " + std::to_string(r)}}});
    }
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
  run_for(measure, [&](uint64_t r) {
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
  run_for(measure, [&](uint64_t) {
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

  kill(echo, SIGTERM);
  kill(server, SIGTERM);
  int status = 0;
  waitpid(server, &status, 0);
  waitpid(echo, nullptr, 0);
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
  printf("  errors: %lld; server exit status %d\n", static_cast<long long>(errors),
         WIFEXITED(status) ? WEXITSTATUS(status) : -1);
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
