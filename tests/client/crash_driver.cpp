// client-crash-driver: the tablet app (ClientCore on a data directory, as
// `gridwork --data DIR` runs it) signing in, recording and syncing, killed
// by SIGKILL at the moment named on its command line; crash_test.cpp runs
// it, kills it, runs it again on the same directory and checks the result.
//
// The kills need no hook in the product:
//  - the app's server address is a forwarding proxy in this process, which
//    dies before forwarding a push, while the server takes it, or once the
//    server has answered and before the app has the answer;
//  - every SQLite connection the process opens gets a progress handler
//    (sqlite3_auto_extension), which dies inside a write transaction after
//    a given number of VM steps: in the apply of a pulled page, or in the
//    write of a local record.
//
// What it recorded goes to a journal, a line before each command and one
// after it succeeded: "intent|done TAG TABLE ROW COLUMN" (ROW of a new
// record is "-" until done). Every value it writes is its TAG.
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cpprest/http_client.h>
#include <cpprest/http_listener.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "client/core/client_core.hpp"
#include "shared/sqlite.hpp"
#include "tests/support/server_process.hpp"

namespace {

using namespace gw;
using namespace gw::client;
using namespace web::http;

// Nothing the driver does takes this long: a hang ends the process (SIGALRM)
// and fails the test instead of blocking it.
constexpr unsigned kDeadlineS = 150;
// VM steps between two calls of the progress handler: fine enough to land
// anywhere in a transaction, coarse enough to cost nothing measurable.
constexpr int kStepsPerTick = 16;

enum class Kill { none, push_in_flight, push_racing, push_answered, pull_arrived, apply, write };

const std::map<std::string, Kill> kKills = {
    {"none", Kill::none},
    {"push-in-flight", Kill::push_in_flight},  // the push reached the proxy, never the server
    {"push-racing", Kill::push_racing},        // forwarded; dies `steps` ms later, answered or not
    {"push-answered", Kill::push_answered},    // the server committed it; the app never hears
    {"pull-arrived", Kill::pull_arrived},      // the page is the app's; its apply has just begun
    {"apply", Kill::apply},                    // `steps` ticks into the apply of a pulled page
    {"write", Kill::write},                    // `steps` ticks into the writes of local records
};

struct Options {
  std::string server, data, user, password = "gridwork-demo", journal, tag, grid;
  std::vector<std::string> households;  // the driver's own: it edits these
  Kill kill = Kill::none;
  int page = 1;      // which push or pull exchange of this run the kill waits for
  long steps = 1;    // ticks (apply, write) or ms (push-racing)
  int rounds = 1;    // of: record, then sync
  int64_t behind_ms = 0;  // the tablet's clock runs this far behind the server's
};

// ---- the kill switch ---------------------------------------------------------

struct Switch {
  Options opt;
  FILE* journal = nullptr;
  std::atomic<int> pushes{0}, pulls{0};
  // VM ticks are counted inside write transactions within a window: from
  // a pulled page's delivery to the app until its next request (apply), or
  // around the commands that record (write).
  std::atomic<bool> window{false};
  std::atomic<bool> in_apply{false};  // which kind of window is open
  // The kill's count: begun at the page it waits for (apply, pull-arrived)
  // or at the start (write), it goes on through later windows of its kind.
  std::atomic<bool> counting{false};
  std::atomic<long> left{0};
  std::atomic<long> ticks_apply{0}, ticks_write{0};
};
Switch g;

void say(const std::string& line) {
  printf("%s\n", line.c_str());
  fflush(stdout);
}

[[noreturn]] void die(const char* where) {
  say(std::string("dying ") + where);
  raise(SIGKILL);
  _exit(99);  // unreachable: SIGKILL cannot be caught
}

int on_progress(void* arg) {
  if (!g.window.load()) return 0;
  if (sqlite3_txn_state(static_cast<sqlite3*>(arg), nullptr) != SQLITE_TXN_WRITE) return 0;
  bool apply = g.in_apply.load();
  (apply ? g.ticks_apply : g.ticks_write).fetch_add(1);
  Kill k = g.opt.kill;
  bool kind = apply ? k == Kill::apply || k == Kill::pull_arrived : k == Kill::write;
  if (kind && g.counting.load() && g.left.fetch_sub(1) <= 1) die(apply ? "in apply" : "in write");
  return 0;
}

// Run by SQLite on every connection opened in this process, the app's too.
int on_open(sqlite3* db, char**, const sqlite3_api_routines*) {
  sqlite3_progress_handler(db, kStepsPerTick, on_progress, db);
  return SQLITE_OK;
}

void open_window(bool apply) {
  g.in_apply = apply;
  g.window = true;
}
void close_window() { g.window = false; }

// ---- the proxy between the app and the server -----------------------------------

// The headers of one message onto another, less those of the connection
// and the framing, which each side makes its own.
void copy_headers(const http_headers& from, http_headers& to) {
  for (const auto& [name, value] : from) {
    if (name == header_names::host || name == header_names::content_length || name == header_names::connection ||
        name == header_names::transfer_encoding)
      continue;
    to.remove(name);
    to.add(name, value);
  }
}

class Proxy {
 public:
  explicit Proxy(const std::string& upstream)
      : url_("http://127.0.0.1:" + std::to_string(test::ServerProcess::free_port())),
        upstream_(upstream),
        listener_(url_) {
    listener_.support([this](http_request req) { forward(std::move(req)); });
    listener_.open().wait();
  }
  ~Proxy() { listener_.close().wait(); }
  const std::string& url() const { return url_; }

 private:
  void forward(http_request req) {
    std::string path = req.relative_uri().path();
    bool push = path == "/v1/sync/push", pull = path == "/v1/sync/pull";
    auto body = req.extract_vector().get();
    // The app asks again only once it has applied the page it had.
    if (g.in_apply) close_window();
    int n = push ? ++g.pushes : pull ? ++g.pulls : 0;
    Kill k = g.opt.kill;
    bool mine = n == g.opt.page;
    if (push && mine && k == Kill::push_in_flight) die("push in flight");

    http_request out(req.method());
    out.set_request_uri(req.relative_uri().to_string());
    if (req.method() == methods::POST) out.set_body(std::move(body));
    copy_headers(req.headers(), out.headers());  // the token, the signature, the content type
    auto answer = upstream_.request(out);
    if (push && mine && k == Kill::push_racing) {
      std::this_thread::sleep_for(std::chrono::milliseconds(g.opt.steps));
      die("push racing");
    }
    http_response back;
    std::vector<unsigned char> bytes;
    try {
      back = answer.get();
      bytes = back.extract_vector().get();
    } catch (const std::exception& e) {
      req.reply(status_codes::BadGateway, std::string("proxy: ") + e.what()).wait();
      return;
    }
    if (push && mine && k == Kill::push_answered) die("push answered");
    http_response reply(back.status_code());
    reply.set_body(std::move(bytes));
    copy_headers(back.headers(), reply.headers());
    // Before the app can have the page: its apply is inside the window.
    if (pull) {
      if (mine && (k == Kill::pull_arrived || k == Kill::apply)) {
        g.left = k == Kill::pull_arrived ? 1 : g.opt.steps;
        g.counting = true;
      }
      open_window(true);
    }
    req.reply(reply).wait();
  }

  std::string url_;
  web::http::client::http_client upstream_;
  web::http::experimental::listener::http_listener listener_;
};

// ---- the app ----------------------------------------------------------------------

void journal(const char* what, const std::string& tag, const char* table, const std::string& row, const char* col) {
  fprintf(g.journal, "%s %s %s %s %s\n", what, tag.c_str(), table, row.empty() ? "-" : row.c_str(), col);
  fflush(g.journal);  // in the kernel before the next step: SIGKILL loses nothing written
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

struct App {
  std::unique_ptr<ClientCore> core;

  // One command: the journal around it, the notice it leaves.
  template <class F>
  void record(const std::string& tag, const char* table, const std::string& row, const char* col, F&& command) {
    journal("intent", tag, table, row, col);
    open_window(false);
    command();
    core->wait_idle();
    close_window();
    std::string made = row;
    for (const auto& n : core->take_notices()) {
      if (n.error) {
        say("command failed " + tag + " " + n.key + " " + n.detail);
        std::exit(4);
      }
      if (!n.ref.empty()) made = n.ref;
    }
    journal("done", tag, table, made, col);
  }

  void round(int r) {
    const auto& hs = g.opt.households;
    std::string t = g.opt.tag + "r" + std::to_string(r);
    const std::string& h1 = hs[static_cast<size_t>(r) % hs.size()];
    const std::string& h2 = hs[static_cast<size_t>(r + 1) % hs.size()];
    record(t + "n", "households", h1, "notes", [&] { core->edit_target("household", h1, {{"notes", t + "n"}}); });
    // A personal column: sealed on the tablet, in clear on the server.
    record(t + "a", "households", h2, "address", [&] { core->edit_target("household", h2, {{"address", t + "a"}}); });
    record(t + "v", "visits", "", "notes", [&] {
      NewVisit v;
      v.target_kind = "household";
      v.target_id = h1;
      v.notes = t + "v";
      core->record_visit(v);
    });
    record(t + "c", "cases", "", "title", [&] {  // the case and its report row, one transaction
      NewCase c;
      c.grid_id = g.opt.grid;
      c.category = "0302";
      c.title = t + "c";
      core->create_case(c);
    });
  }

  // The error of the sync, empty when it went through.
  std::string sync() {
    say("sync-start");
    core->sync_now();
    core->wait_idle();
    close_window();
    auto s = core->snapshot();
    say("sync-done pending=" + std::to_string(s.sync.pending) + (s.sync.error.empty() ? "" : " error=" + s.sync.error));
    return s.sync.error;
  }

  // Whether the tablet holds the households to edit (ids are not sealed).
  static bool has_rows() {
    std::string path = g.opt.data + "/users/" + g.opt.user + "/replica.db";
    if (!std::filesystem::exists(path)) return false;
    SqliteDb db(path);
    auto q = db.prepare("SELECT count(*) FROM households WHERE id = ?");
    q.bind(1, g.opt.households.front());
    return q.step() && q.int64(0) > 0;
  }
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= s.size()) {
    size_t end = s.find(sep, at);
    if (end == std::string::npos) end = s.size();
    if (end > at) out.push_back(s.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--server") o.server = v;
    else if (k == "--data") o.data = v;
    else if (k == "--user") o.user = v;
    else if (k == "--password") o.password = v;
    else if (k == "--journal") o.journal = v;
    else if (k == "--tag") o.tag = v;
    else if (k == "--grid") o.grid = v;
    else if (k == "--households") o.households = split(v, ',');
    else if (k == "--page") o.page = std::atoi(v.c_str());
    else if (k == "--steps") o.steps = std::atol(v.c_str());
    else if (k == "--rounds") o.rounds = std::atoi(v.c_str());
    else if (k == "--behind-ms") o.behind_ms = std::atoll(v.c_str());
    else if (k == "--kill" && kKills.count(v)) o.kill = kKills.at(v);
    else return false;
  }
  return !o.server.empty() && !o.data.empty() && !o.user.empty() && !o.journal.empty() && !o.tag.empty() &&
         !o.grid.empty() && !o.households.empty();
}

// How many ticks the windows saw: what the test's kill points are drawn from.
std::string stats() {
  return "ticks-apply=" + std::to_string(g.ticks_apply.load()) + " pulls=" + std::to_string(g.pulls.load()) +
         " ticks-write=" + std::to_string(g.ticks_write.load());
}

int run() {
  Proxy proxy(g.opt.server);
  CoreOptions co;
  co.data_dir = g.opt.data;
  co.server_url = proxy.url();
  co.auto_sync = false;  // syncs when this driver says, so kills land where asked
  co.auto_lock = false;
  int64_t behind = g.opt.behind_ms;
  co.wall = [behind] { return now_ms() - behind; };
  App app{std::make_unique<ClientCore>(co)};

  app.core->sign_in(g.opt.user, g.opt.password);
  app.core->wait_idle();
  auto s = app.core->snapshot();
  if (!s.session.signed_in) {
    say("sign-in failed " + s.session.error_key + " " + s.session.error_detail);
    return 2;
  }
  say(std::string("signed-in ") + (s.session.offline_unlock ? "offline" : "online"));
  // A new tablet fetches its grids before it has anything to record on;
  // one that has them records first, offline-first, then syncs.
  if (!app.has_rows() && !app.sync().empty()) return 5;
  if (!app.has_rows()) {
    say("the households to edit are not on the tablet");
    return 5;
  }
  for (int r = 0; r < g.opt.rounds; ++r) {
    app.round(r);
    app.sync();
  }
  if (g.opt.kill != Kill::none) {
    say("kill point not reached: " + stats());
    return 3;
  }
  // Until nothing is left to send: a clean end is an empty outbox.
  for (int i = 0; i < 10; ++i) {
    std::string error = app.sync();
    if (error.empty() && app.core->snapshot().sync.pending == 0) {
      say("clean " + stats());
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  say("outbox not empty after 10 syncs");
  return 6;
}

}  // namespace

int main(int argc, char** argv) {
  alarm(kDeadlineS);
  if (!parse(argc, argv, g.opt)) {
    fprintf(stderr,
            "usage: client-crash-driver --server URL --data DIR --user NAME --journal FILE --tag TAG --grid ID\n"
            "         --households ID,ID,... [--kill none|push-in-flight|push-racing|push-answered|pull-arrived|"
            "apply|write]\n"
            "         [--page N] [--steps N] [--rounds N] [--behind-ms MS] [--password P]\n");
    return 64;
  }
  g.journal = fopen(g.opt.journal.c_str(), "a");
  if (!g.journal) {
    perror(g.opt.journal.c_str());
    return 65;
  }
  sqlite3_auto_extension(reinterpret_cast<void (*)()>(on_open));
  if (g.opt.kill == Kill::write) {
    g.left = g.opt.steps;
    g.counting = true;
  }
  int rc = run();
  fclose(g.journal);
  return rc;
}
