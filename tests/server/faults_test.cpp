// Tablets syncing with the real server through a link that drops, delays,
// cuts short and resets (the fault proxy): every patch the server
// acknowledged is in its log once, nothing a tablet wrote is lost, and once
// the link heals every tablet holds what the server holds. GRIDWORK_SEED=N
// repeats a run (as far as thread scheduling allows).
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "tests/client/core_fixture.hpp"  // TempDir
#include "tests/server/fixture.hpp"
#include "tests/server/server_db.hpp"
#include "tests/support/fault_proxy.hpp"
#include "tests/support/test_device.hpp"

using namespace gw;
using gw::test::demo_server;
using gw::test::FaultCounts;
using gw::test::FaultPlan;
using gw::test::FaultProxy;
using gw::test::now_ms;
using gw::test::TempDir;

namespace {

using Clock = std::chrono::steady_clock;

// A dropped answer costs the tablet this much; a few seconds is a long
// time on loopback even under sanitizers.
constexpr int kTabletTimeoutMs = 3000;

uint64_t test_seed() {
  const char* s = std::getenv("GRIDWORK_SEED");
  return s && *s ? std::strtoull(s, nullptr, 10) : 20240611;
}

const TableSpec& T(const char* n) { return *find_table(n); }
uint16_t C(const char* t, const char* c) { return static_cast<uint16_t>(T(t).index_of(c)); }

int proxied_port(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

// The patches the server acknowledged, read from the push answers as the
// tablet receives them: what the server promised to keep.
class Witness : public sync::Transport {
 public:
  explicit Witness(sync::Transport& inner) : inner_(inner) {}
  Result<std::string> exchange(std::string_view path, const std::string& body) override {
    auto reply = inner_.exchange(path, body);
    if (!reply) {
      ++failed[reply.error().code];
      return reply;
    }
    if (path == "/v1/sync/push")
      if (auto j = parse_json(*reply))
        if (auto a = sync::decode_push_answer(*j)) acked.insert(a->accepted.begin(), a->accepted.end());
    return reply;
  }
  std::set<std::string> acked;
  std::map<Code, int> failed;  // failed exchanges by code

 private:
  sync::Transport& inner_;
};

// A tablet on a real SQLite file, reaching the server through the proxy.
struct Tablet : test::TestDevice {
  std::string user;
  std::string path;  // the replica's file
  sync::DeviceKey key = sync::DeviceKey::generate();
  std::string id;
  net::HttpTransport http;
  Witness witness{http};
  sync::SyncClient sync{replica, witness};
  net::LoginResult me;
  std::vector<std::string> written;                   // patch ids, in order
  std::set<std::pair<std::string, std::string>> rows;  // (table, row) written
  std::string trouble;                                 // a write that failed (checked on the test's thread)

  Tablet(const std::string& url, std::string username, const std::string& file)
      : TestDevice(file, "dev-" + UuidV7().next(now_ms()), now_ms),
        user(std::move(username)),
        path(file),
        id(replica.device_id()),
        http(url, key, kTabletTimeoutMs) {
    replica.set_key(&key);
    auto r = http.login(user, "gridwork-demo", id, "faults tablet");
    REQUIRE_MESSAGE(r.is_ok(), user, ": ", (r ? std::string() : r.error().to_string()));
    me = *r;
  }

  void write(const char* table, const std::string& row, const Fields& set) {
    auto p = replica.write(T(table), row, set);
    if (!p) {
      trouble = user + " could not write " + table + " " + row + ": " + p.error().to_string();
      return;
    }
    written.push_back(p->id);
    rows.insert({table, row});
  }

  std::vector<std::string> ids(const std::string& sql, const std::string& grid) {
    auto q = db.prepare(sql);
    q.bind(1, grid);
    std::vector<std::string> out;
    while (q.step()) out.emplace_back(q.text(0));
    return out;
  }
};

// One round of field work on a tablet: a few edits to households of the
// grid it shares with other tablets (so writes meet on the same rows and
// columns, contested ones too), now and then a visit recorded or edited.
void field_work(Tablet& t, const std::string& grid, std::mt19937_64& rng, int round) {
  auto households = t.ids("SELECT id FROM households WHERE grid_id = ? ORDER BY id", grid);
  if (households.empty()) return;  // a tablet still backfilling through the faults
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  std::string tag = t.user + "/" + t.id.substr(t.id.size() - 6) + " round " + std::to_string(round);
  int edits = 1 + static_cast<int>(rng() % 3);
  for (int k = 0; k < edits; ++k) {
    // A few households only, so tablets do write the same rows.
    std::string hh = households[rng() % std::min<size_t>(households.size(), 6)];
    switch (rng() % 6) {
      case 0:
        t.write("households", hh, {{C("households", "members"), Value{static_cast<int64_t>(1 + rng() % 8)}}});
        break;
      case 1:
        t.write("households", hh, {{C("households", "tags"), Value{"独居," + tag}}});
        break;
      case 2: {
        Fields visit = {{C("visits", "grid_id"), Value{grid}},
                        {C("visits", "target_kind"), Value{std::string("household")}},
                        {C("visits", "target_id"), Value{hh}},
                        {C("visits", "visitor_id"), Value{t.me.user_id}},
                        {C("visits", "visited_at"), Value{now_ms()}},
                        {C("visits", "purpose"), Value{std::string("care")}},
                        {C("visits", "notes"), Value{"上门走访 " + tag}}};
        t.write("visits", UuidV7(rng()).next(now_ms()), visit);
        break;
      }
      case 3: {
        auto visits = t.ids("SELECT id FROM visits WHERE grid_id = ? ORDER BY id DESC LIMIT 8", grid);
        if (!visits.empty()) t.write("visits", pick(visits), {{C("visits", "needs"), Value{"需要回访 " + tag}}});
        break;
      }
      default:
        t.write("households", hh,
                {{C("households", "notes"), Value{"走访记录 " + tag}},
                 {C("households", "building"), Value{std::to_string(1 + rng() % 20) + "栋"}}});
    }
  }
}

// The level-3 grids under a worker's unit grid that hold households, each
// with its part-timers: the unit's worker and these part-timers write the
// same rows.
std::pair<std::string, std::vector<std::string>> shared_grid(const std::string& worker) {
  test::ServerDb server(demo_server().db_path());
  auto q = server.prepare(
      "SELECT g.id, u.username FROM grids g "
      "JOIN assignments a ON a.grid_id = g.id AND a.active = 1 "
      "JOIN users u ON u.id = a.user_id AND u.username LIKE 'pworker%' "
      "WHERE g.parent_id = (SELECT a2.grid_id FROM assignments a2 JOIN users u2 ON u2.id = a2.user_id "
      "                     JOIN grids g2 ON g2.id = a2.grid_id WHERE u2.username = ? AND g2.level = 2) "
      "AND (SELECT count(*) FROM households h WHERE h.grid_id = g.id) >= 6 "
      "ORDER BY g.code, u.username");
  q.bind(1, worker);
  std::string grid;
  std::vector<std::string> part_timers;
  while (q.step()) {
    if (grid.empty()) grid = std::string(q.text(0));
    if (q.text(0) == grid) part_timers.emplace_back(q.text(1));
  }
  REQUIRE_MESSAGE(part_timers.size() >= 2, "the demo park gives ", worker, " no grid shared with two part-timers");
  return {grid, part_timers};
}

// The columns where a tablet's row differs from the server's, with both values.
std::string differences(const TableSpec& t, const sync::Row& got, const sync::Row& want) {
  std::string out;
  for (size_t c = 0; c < want.values.size(); ++c)
    if (got.values[c] != want.values[c])
      out += "; " + std::string(t.columns[c].name) + ": " + value_to_string(got.values[c]) + " != server " +
             value_to_string(want.values[c]);
  return out;
}

// Every row of a grid bucket, as far as a worker reads them all: the same
// ids on the tablet as on the server, with the same values.
void check_bucket(sync::RowStore& server, Tablet& t, const std::string& bucket) {
  for (const char* table : {"households", "residents", "enterprises", "patrols", "visits"}) {
    auto want = server.ids(T(table), bucket);
    auto got = t.replica.store().ids(T(table), bucket);
    CHECK_MESSAGE(got == want, t.user, " ", bucket, " ", table, ": ", got.size(), " rows, the server ", want.size());
    for (const auto& id : want) {
      sync::Row w, g;
      if (!server.load(T(table), id, w) || !t.replica.store().load(T(table), id, g)) continue;
      std::string diff = differences(T(table), g, w);
      CHECK_MESSAGE(diff.empty(), t.user, " ", table, " ", id, diff);
    }
  }
}

std::string integrity(const std::string& path) {
  SqliteDb db(path);
  auto q = db.prepare("PRAGMA integrity_check");
  return q.step() ? std::string(q.text(0)) : "no answer";
}

std::string describe(const FaultCounts& c) {
  return "connections " + std::to_string(c.connections) + ", chunks " + std::to_string(c.chunks) + ", dropped " +
         std::to_string(c.dropped) + ", delayed " + std::to_string(c.delayed) + ", truncated " +
         std::to_string(c.truncated) + ", reset " + std::to_string(c.reset) + ", refused " +
         std::to_string(c.refused);
}

int64_t logged(Db& server, const std::string& patch_id) {
  auto q = server.prepare("SELECT count(*) FROM _log WHERE patch_id = ? AND status = 'accepted'");
  q.bind(1, patch_id);
  return q.step() ? q.int64(0) : -1;
}

// Waits for the server to have logged a patch: after a reset the request
// may still be on its way through the server when the client gives up.
int64_t logged_soon(Db& server, const std::string& patch_id) {
  auto deadline = Clock::now() + std::chrono::seconds(10);
  int64_t n = logged(server, patch_id);
  while (n == 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    n = logged(server, patch_id);
  }
  return n;
}

// A listening socket on a free loopback port. Never accepted from, it is a
// hung server: the kernel completes the handshakes into its backlog.
int listen_loopback(int* port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, 16) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  *port = ntohs(a.sin_port);
  return fd;
}

int connect_loopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// A server that answers every request with the first `cut` bytes of one
// fixed answer and then closes: every place an answer can be cut, tried
// one by one rather than where the proxy's dice fall.
class CuttingServer {
 public:
  explicit CuttingServer(std::string answer) : answer_(std::move(answer)) {
    fd_ = listen_loopback(&port);
    REQUIRE(fd_ >= 0);
    REQUIRE(pipe(wake_) == 0);
    thread_ = std::thread([this] { run(); });
  }
  ~CuttingServer() {
    (void)!write(wake_[1], "x", 1);
    thread_.join();
    close(fd_);
    close(wake_[0]);
    close(wake_[1]);
  }
  int port = 0;
  std::atomic<size_t> cut{0};

 private:
  void run() {
    for (;;) {
      pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (poll(fds, 2, -1) < 0 || fds[1].revents) return;
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      if (read_request(c)) (void)!send(c, answer_.data(), cut, MSG_NOSIGNAL);
      close(c);
    }
  }
  // The head, then as many body bytes as it names.
  bool read_request(int c) {
    std::string in;
    char buf[4096];
    size_t need = std::string::npos;
    while (need == std::string::npos || in.size() < need) {
      pollfd fd = {c, POLLIN, 0};
      if (poll(&fd, 1, 5000) <= 0) return false;
      ssize_t n = recv(c, buf, sizeof buf, 0);
      if (n <= 0) return false;
      in.append(buf, static_cast<size_t>(n));
      if (auto head = in.find("\r\n\r\n"); need == std::string::npos && head != std::string::npos) {
        auto at = in.find("Content-Length: ");
        need = head + 4 + (at < head ? std::stoul(in.substr(at + 16)) : 0);
      }
    }
    return true;
  }
  std::string answer_;
  int fd_ = -1;
  int wake_[2] = {-1, -1};
  std::thread thread_;
};

}  // namespace

TEST_SUITE("server-faults") {
  TEST_CASE("the fault proxy: each fault as a tablet sees it") {
    auto& s = demo_server();
    uint64_t seed = test_seed();
    INFO("GRIDWORK_SEED=" << seed);
    TempDir dir;
    FaultProxy proxy(proxied_port(s.url()), FaultPlan{.seed = seed});
    Tablet t(proxy.url(), "worker10", dir.path + "/worker10.db");
    REQUIRE(t.sync.sync());
    test::ServerDb server(s.db_path());
    std::string hh;
    {
      auto q = t.db.prepare("SELECT id FROM households ORDER BY id LIMIT 1");
      REQUIRE(q.step());
      hh = std::string(q.text(0));
    }
    auto pull_body = [&] { return sync::encode(t.replica.pull_request(0)); };
    // A note pushed under a plan: the sync fails as a link that died.
    auto push_note = [&](const FaultPlan& plan, const std::string& text) {
      proxy.set_plan(plan);
      t.write("households", hh, {{C("households", "notes"), Value{text}}});
      auto r = t.sync.sync();
      REQUIRE_FALSE(r);
      CHECK(r.error().code == Code::offline);
      return t.written.back();
    };
    // Healed: every note the server holds once, each acknowledged.
    auto heal = [&] {
      proxy.set_plan({.seed = seed});
      auto healed = t.sync.sync();
      REQUIRE_MESSAGE(healed, (healed ? std::string() : healed.error().to_string()));
      CHECK(t.replica.pending_count() == 0);
      for (const auto& id : t.written) {
        CHECK(logged(server, id) == 1);
        CHECK(t.witness.acked.count(id) == 1);
      }
    };

    // Dropped: the push never reaches the server.
    auto dropped = push_note({.seed = seed, .drop = 1}, "drop");
    CHECK(proxy.counts().dropped >= 2);  // the transport's one retry is dropped too
    CHECK(logged(server, dropped) == 0);
    heal();

    // Reset after the request went on: the server acts, the tablet hears
    // nothing, and the batch sent again gets the first answer.
    auto reset = push_note({.seed = seed, .reset = 1}, "reset");
    CHECK(proxy.counts().reset >= 2);
    CHECK(logged_soon(server, reset) == 1);
    heal();

    // Cut short: the push went through, its answer did not.
    auto cut = push_note({.seed = seed, .truncate = 1}, "truncate");
    CHECK(logged_soon(server, cut) == 1);
    heal();
    // Every prefix of an answer is a failed exchange, never a part taken for the whole.
    proxy.set_plan({.seed = seed, .truncate = 1});
    for (int i = 0; i < 12; ++i) {
      auto partial = t.http.exchange("/v1/sync/pull", pull_body());
      CHECK_FALSE_MESSAGE(partial, "a truncated answer taken as whole: ", (partial ? partial->substr(0, 80) : ""));
      if (!partial) CHECK(partial.error().code == Code::offline);
    }
    CHECK(proxy.counts().truncated >= 25);

    // Delayed: only later, and the same.
    proxy.set_plan({.seed = seed, .delay = 1, .delay_ms_max = 150});
    int64_t delayed_before = proxy.counts().delayed;
    auto slow = t.http.exchange("/v1/sync/pull", pull_body());
    REQUIRE(slow);
    CHECK(proxy.counts().delayed >= delayed_before + 2);
    proxy.set_plan({.seed = seed});
    auto fast = t.http.exchange("/v1/sync/pull", pull_body());
    REQUIRE(fast);
    auto slow_json = parse_json(*slow), fast_json = parse_json(*fast);
    REQUIRE(slow_json);
    REQUIRE(fast_json);
    CHECK(*slow_json->find("patches") == *fast_json->find("patches"));
    CHECK(*slow_json->find("cursors") == *fast_json->find("cursors"));
    proxy.set_plan({.seed = seed, .delay = 1, .delay_ms_max = 150});
    t.write("households", hh, {{C("households", "notes"), Value{std::string("delay")}}});
    auto delayed = t.sync.sync();
    REQUIRE_MESSAGE(delayed, (delayed ? std::string() : delayed.error().to_string()));
    CHECK(delayed->pushed == 1);
    heal();
  }

  // The suite "fault-proxy": the proxy and the tablet's transport, whatever
  // the server's database. No server here, and in the two below it answers
  // before any read (no token: 401), so server-faults-pg leaves them out.
  TEST_CASE("an answer cut short anywhere is a failed exchange, never a part taken for the whole" *
            doctest::test_suite("fault-proxy")) {
    // A push answer with a line break after it: cut before the break, what
    // arrived is itself a whole, valid answer. Only the length the head
    // names can tell it was cut.
    std::string body = sync::encode(sync::PushAnswer{{"01a00000-0000-7000-8000-000000000001"}, {}, 0, 42, 0, std::nullopt}) + "\n";
    std::string answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n" + body;
    CuttingServer server(answer);
    auto key = sync::DeviceKey::generate();
    net::HttpTransport http("http://127.0.0.1:" + std::to_string(server.port), key, kTabletTimeoutMs);
    server.cut = answer.size();
    auto whole = http.exchange("/v1/sync/push", "{}");
    REQUIRE(whole);
    CHECK(*whole == body);
    for (size_t cut = 0; cut < answer.size(); ++cut) {
      server.cut = cut;
      auto r = http.exchange("/v1/sync/push", "{}");
      CHECK_FALSE_MESSAGE(r, "cut at ", cut, " of ", answer.size(), " taken as: ", (r ? *r : ""));
      if (!r) CHECK_MESSAGE(r.error().code == Code::offline, "cut at ", cut, ": ", r.error().to_string());
    }
  }

  TEST_CASE("the fault proxy: a server down, one restarting, one that hangs, and a stop with connections open" *
            doctest::test_suite("fault-proxy")) {
    auto key = sync::DeviceKey::generate();
    {
      // Nothing listens upstream: each connection is closed at once.
      FaultProxy nowhere(gw::test::ServerProcess::free_port(), FaultPlan{});
      net::HttpTransport http(nowhere.url(), key, kTabletTimeoutMs);
      auto start = Clock::now();
      auto r = http.exchange("/v1/sync/pull", "{}");
      REQUIRE_FALSE(r);
      CHECK(r.error().code == Code::offline);
      CHECK(Clock::now() - start < std::chrono::seconds(2));
      CHECK(nowhere.counts().refused >= 1);
    }
    {
      // A server that stops and starts again on its port: refused while
      // down, answering again after, through the same proxy.
      gw::test::ServerProcess plain;
      FaultProxy proxy(proxied_port(plain.url()), FaultPlan{});
      net::HttpTransport http(proxy.url(), key, kTabletTimeoutMs);
      auto answered = [&] {  // no token: the server's 401
        auto r = http.exchange("/v1/sync/pull", "{}");
        return r ? Code::ok : r.error().code;
      };
      CHECK(answered() == Code::unauthorized);
      CHECK(plain.stop() == 0);
      CHECK(answered() == Code::offline);
      CHECK(proxy.counts().refused >= 1);
      plain.restart();
      CHECK(answered() == Code::unauthorized);
    }
    // A server that takes the connection and never answers, a request held
    // back (or waiting on it), and an idle connection: the destructor ends
    // them all at once, and the client hears a closed link.
    int hung_port = 0;
    int hung = listen_loopback(&hung_port);
    REQUIRE(hung >= 0);
    auto proxy = std::make_unique<FaultProxy>(hung_port, FaultPlan{.seed = 7, .delay = 1, .delay_ms_max = 60'000});
    net::HttpTransport http(proxy->url(), key, 60'000);
    auto held = std::async(std::launch::async, [&] { return http.exchange("/v1/sync/pull", "{}"); });
    int idle = connect_loopback(proxy->port());
    auto deadline = Clock::now() + std::chrono::seconds(10);
    while (proxy->open_connections() < 2 && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(proxy->open_connections() == 2);
    auto start = Clock::now();
    proxy.reset();
    CHECK(Clock::now() - start < std::chrono::seconds(2));
    REQUIRE(held.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    auto r = held.get();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::offline);
    close(idle);
    close(hung);
  }

  TEST_CASE("the fault proxy: hundreds of connections at once, and a stop with them open" *
            doctest::test_suite("fault-proxy")) {
    auto& s = demo_server();
    // The soak's 200 tablets each keep a connection for syncs and one for
    // the long-poll: 300 open is that order.
    constexpr int kConnections = 300;
    auto proxy = std::make_unique<FaultProxy>(proxied_port(s.url()), FaultPlan{.seed = 3});
    std::vector<int> idle;
    for (int i = 0; i < kConnections; ++i) idle.push_back(connect_loopback(proxy->port()));
    CHECK(std::count(idle.begin(), idle.end(), -1) == 0);
    auto deadline = Clock::now() + std::chrono::seconds(30);
    while (proxy->open_connections() < kConnections && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(proxy->open_connections() == kConnections);
    CHECK(proxy->counts().refused == 0);
    // Beside them an exchange still gets the server's answer (no token: 401).
    auto key = sync::DeviceKey::generate();
    net::HttpTransport http(proxy->url(), key, 10'000);
    auto r = http.exchange("/v1/sync/pull", "{}");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::unauthorized);
    auto start = Clock::now();
    proxy.reset();
    CHECK(Clock::now() - start < std::chrono::seconds(5));
    for (int fd : idle)
      if (fd >= 0) close(fd);
  }

  TEST_CASE("tablets on a faulty link: nothing acknowledged is lost or applied twice, and all converge") {
    auto& s = demo_server();
    uint64_t seed = test_seed();
    INFO("GRIDWORK_SEED=" << seed);
    std::mt19937_64 rng(seed);
    TempDir dir;
    FaultProxy proxy(proxied_port(s.url()), FaultPlan{.seed = seed});
    // Two tablets of one user, the unit's worker and part-timers of one of
    // its grids: six write the same rows, three by three. Two more sign in
    // just before the link turns bad and backfill through it while the
    // others write into their grids: one in pages of 25 (many exchanges,
    // paging resumed after each fault), one in the server's large pages
    // (answers of many chunks, cut and reset as the server writes them).
    auto [grid3, part3] = shared_grid("worker03");
    auto [grid6, part6] = shared_grid("worker06");
    struct Seat {
      std::string user, grid;
      int late = -1;  // >= 0: backfills through the faults with this pull limit (0: the server's)
    };
    std::vector<Seat> seats = {{"worker03", grid3}, {"worker03", grid3},   {part3[0], grid3},
                               {"worker06", grid6}, {part6[0], grid6},     {part6[1], grid6},
                               {part3[1], grid3, 25}, {"worker06", grid6, 0}};
    std::vector<std::unique_ptr<Tablet>> tablets;
    for (size_t i = 0; i < seats.size(); ++i) {
      tablets.push_back(std::make_unique<Tablet>(proxy.url(), seats[i].user, dir.path + "/tablet" + std::to_string(i) + ".db"));
      if (seats[i].late >= 0) {
        tablets.back()->sync.pull_limit = seats[i].late;
        continue;
      }
      auto backfill = tablets.back()->sync.sync();  // on a good link: the faults are for what follows
      REQUIRE_MESSAGE(backfill, seats[i].user, ": ", (backfill ? std::string() : backfill.error().to_string()));
    }

    // Each fault at a rate that fails about half the syncs: enough to hit
    // every step of a sync, few enough that work still gets through.
    proxy.set_plan({.seed = seed, .drop = 0.12, .delay = 0.15, .delay_ms_max = 200, .truncate = 0.12, .reset = 0.12});
    int rounds = 8 + static_cast<int>(rng() % 5);
    std::vector<int> synced(tablets.size(), 0);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < tablets.size(); ++i)
      threads.emplace_back([&, i, own_seed = rng()] {
        std::mt19937_64 r(own_seed);
        Tablet& t = *tablets[i];
        try {
          for (int round = 0; round < rounds && t.trouble.empty(); ++round) {
            field_work(t, seats[i].grid, r, round);
            if (t.sync.sync()) ++synced[i];
            std::this_thread::sleep_for(std::chrono::milliseconds(r() % 40));
          }
        } catch (const std::exception& e) {
          t.trouble = t.user + ": " + e.what();
        }
      });
    for (auto& th : threads) th.join();
    FaultCounts faults = proxy.counts();
    std::string backfilled;  // how far the late tablets got through the faults
    for (size_t i = 0; i < seats.size(); ++i)
      if (seats[i].late >= 0)
        backfilled += "; " + seats[i].user + " backfilled " +
                      std::to_string(tablets[i]->db.query_int("SELECT count(*) FROM households")) + " households";

    // Healed: sync round after round until nobody has anything to push or pull.
    proxy.set_plan({.seed = seed});
    bool quiet = false;
    int passes = 0;
    for (; !quiet && passes < 8; ++passes) {
      quiet = true;
      for (auto& t : tablets) {
        auto r = t->sync.sync();
        REQUIRE_MESSAGE(r, t->user, " after healing: ", (r ? std::string() : r.error().to_string()));
        quiet = quiet && r->pushed == 0 && r->pulled == 0 && r->refused == 0;
      }
    }
    CHECK_MESSAGE(quiet, "still moving after ", passes, " passes on a healed link");

    test::ServerDb server(s.db_path());
    size_t patches = 0, syncs_ok = 0;
    std::set<std::pair<std::string, std::string>> rows;
    std::map<Code, int> failures;
    for (auto& t : tablets) {
      INFO(t->user << " " << t->id);
      CHECK_MESSAGE(t->trouble.empty(), t->trouble);
      patches += t->written.size();
      rows.insert(t->rows.begin(), t->rows.end());
      for (auto [code, n] : t->witness.failed) failures[code] += n;
      // None lost: the outbox is empty and nothing was refused.
      CHECK(t->replica.pending_count() == 0);
      for (const auto& p : t->replica.problems()) FAIL_CHECK("refused " << p.id << ": " << p.code << " " << p.reason);
      for (const auto& id : t->written) CHECK_MESSAGE(t->witness.acked.count(id) == 1, "never acknowledged: ", id);
      // None twice: each acknowledged patch in the log once, and the log holds
      // nothing else of this tablet's.
      for (const auto& id : t->witness.acked) {
        CHECK_MESSAGE(std::find(t->written.begin(), t->written.end(), id) != t->written.end(), "acknowledged, not written: ", id);
        CHECK_MESSAGE(logged(server, id) == 1, "in the log ", logged(server, id), " times: ", id);
      }
      auto origin = server.prepare("SELECT count(*) FROM _log WHERE origin = ?");
      origin.bind(1, t->id);
      REQUIRE(origin.step());
      CHECK(origin.int64(0) == static_cast<int64_t>(t->written.size()));
      CHECK(integrity(t->path) == "ok");
    }
    for (size_t i = 0; i < synced.size(); ++i) syncs_ok += static_cast<size_t>(synced[i]);
    // A fault is a link that died: the tablet hears nothing, never a wrong answer.
    for (auto [code, n] : failures) CHECK_MESSAGE(code == Code::offline, n, " exchanges failed with ", std::string(code_name(code)));
    // A contested write opens its conflict once, however often it was sent.
    CHECK(server.query_int("SELECT count(*) FROM (SELECT 1 FROM conflicts GROUP BY row_id, col, theirs "
                           "HAVING count(*) > 1) AS twice") == 0);
    // PostgreSQL has no integrity_check to ask; its files are its own to keep.
    if (server.dialect() == Dialect::sqlite) CHECK(integrity(s.db_path()) == "ok");

    // Converged: every row written holds the server's values on every tablet
    // that holds it, and every tablet that reads its bucket holds it; the
    // shared grids hold the same rows with the same values everywhere.
    sync::RowStore server_rows(server);
    for (const auto& [table, id] : rows) {
      sync::Row want;
      REQUIRE_MESSAGE(server_rows.load(T(table.c_str()), id, want), "not on the server: ", table, " ", id);
      for (auto& t : tablets) {
        sync::Row got;
        bool held = t->replica.store().load(T(table.c_str()), id, got);
        CHECK_MESSAGE(held == (t->replica.cursors().count(want.bucket) == 1), t->user, " ", table, " ", id);
        if (held) CHECK_MESSAGE(differences(T(table.c_str()), got, want).empty(), t->user, " ", table, " ", id,
                                differences(T(table.c_str()), got, want));
      }
    }
    for (size_t i = 0; i < tablets.size(); ++i) check_bucket(server_rows, *tablets[i], "grid:" + seats[i].grid);

    MESSAGE("GRIDWORK_SEED=" << seed << ": " << tablets.size() << " tablets, " << rounds << " rounds, " << patches
                             << " patches on " << rows.size() << " rows, " << syncs_ok << " of "
                             << rounds * static_cast<int>(tablets.size()) << " syncs through the faults, healed in "
                             << passes << " passes; faults: " << describe(faults) << backfilled);
    CHECK(faults.dropped > 0);
    CHECK(faults.delayed > 0);
    CHECK(faults.truncated > 0);
    CHECK(faults.reset > 0);
    CHECK(patches > 0);
  }
}
