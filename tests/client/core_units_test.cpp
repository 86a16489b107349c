// The client core's parts that need no server: scheduling, settings, the
// offline verifier, checklists and the workflow table it offers.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include <filesystem>
#include <set>

#include "client/core/account.hpp"
#include "client/core/backoff.hpp"
#include "client/core/checklists.hpp"
#include "client/core/settings_file.hpp"
#include "client/core/tuning.hpp"
#include "shared/categories.hpp"
#include "shared/workflow.hpp"

using namespace gw;
using namespace gw::client;

namespace {
std::string temp_dir() {
  char tmpl[] = "/tmp/gridwork-core-XXXXXX";
  return mkdtemp(tmpl);
}
}  // namespace

TEST_CASE("backoff grows after failures, stays bounded, and resets after a success") {
  SyncBackoff b(42);
  int64_t prev = 0;
  for (int i = 0; i < 12; ++i) {
    int64_t d = b.after_failure();
    CHECK(d >= tuning::kSyncRetryFirstMs * 3 / 4);
    CHECK(d <= tuning::kSyncRetryMaxMs * 5 / 4);
    if (i < 4) CHECK(d > prev);  // doubling outruns the jitter early on
    prev = d;
  }
  int64_t calm = b.after_success();
  CHECK(b.failures() == 0);
  CHECK(calm >= tuning::kSyncIntervalMs * 3 / 4);
  CHECK(b.after_failure() <= tuning::kSyncRetryFirstMs * 5 / 4);
}

TEST_CASE("two tablets with different seeds do not retry in step") {
  SyncBackoff a(1), b(2);
  int same = 0;
  for (int i = 0; i < 20; ++i) same += a.after_failure() == b.after_failure();
  CHECK(same < 3);
}

TEST_CASE("settings survive a restart and bad values are corrected") {
  auto dir = temp_dir();
  Settings s = load_settings(dir);
  CHECK(s.lang == "zh_CN");
  CHECK(s.text_scale == doctest::Approx(1.0));
  s.lang = "en";
  s.text_scale = 1.4f;
  s.server_url = "http://127.0.0.1:9";
  REQUIRE(save_settings(dir, s));
  Settings back = load_settings(dir);
  CHECK(back.lang == "en");
  CHECK(back.text_scale == doctest::Approx(1.4));
  CHECK(back.server_url == "http://127.0.0.1:9");
  Settings bad;
  bad.lang = "fr";
  bad.text_scale = 9.0f;
  bad = sanitized(bad);
  CHECK(bad.lang == "zh_CN");
  CHECK(bad.text_scale == doctest::Approx(1.6));
  REQUIRE(write_file_atomic(dir + "/settings.json", "{not json"));
  CHECK(load_settings(dir).lang == "zh_CN");  // a damaged file gives defaults, not a crash
  std::filesystem::remove_all(dir);
}

TEST_CASE("the account file keeps verifiers, never the secrets") {
  auto dir = temp_dir();
  AccountFile file(dir);
  auto fresh = file.load();
  REQUIRE(fresh);
  CHECK(fresh->device_id.size() == 36);
  Account a = *fresh;
  a.username = "worker01";
  a.password_verifier = *make_verifier("gridwork-demo");
  a.pin_verifier = *make_verifier("2468");
  REQUIRE(file.save(a));
  auto back = file.load();
  REQUIRE(back);
  CHECK(back->device_id == a.device_id);
  CHECK(check_verifier(back->password_verifier, "gridwork-demo"));
  CHECK_FALSE(check_verifier(back->password_verifier, "gridwork-dem0"));
  CHECK(check_verifier(back->pin_verifier, "2468"));
  CHECK_FALSE(check_verifier("", "anything"));
  auto text = read_file(dir + "/account.json");
  REQUIRE(text);
  CHECK(text->find("gridwork-demo") == std::string::npos);
  CHECK(text->find("2468") == std::string::npos);
  CHECK((std::filesystem::status(dir + "/account.json").permissions() & std::filesystem::perms::others_read) ==
        std::filesystem::perms::none);
  REQUIRE(write_file_atomic(dir + "/account.json", "garbage"));
  CHECK_FALSE(file.load());  // damaged: a clear error, not a silent new identity
  std::filesystem::remove_all(dir);
}

TEST_CASE("PINs are 4 to 8 digits") {
  CHECK(is_valid_pin("2468"));
  CHECK(is_valid_pin("12345678"));
  CHECK_FALSE(is_valid_pin("123"));
  CHECK_FALSE(is_valid_pin("123456789"));
  CHECK_FALSE(is_valid_pin("12a4"));
}

TEST_CASE("every checklist item suggests a real category, once per list") {
  for (auto kind : {"zone", "unit", "community", "enterprise"}) {
    std::set<std::string_view> keys;
    for (const auto& item : checklist_for(kind)) {
      CHECK_MESSAGE(find_category(item.category), item.key);
      CHECK(keys.insert(item.key).second);
      CHECK(find_check_item(kind, item.key) == &item);
    }
    CHECK(keys.size() >= 6);
  }
}

TEST_CASE("the workflow offers each role its moves and nothing else") {
  auto actions = [](RoleSet r, std::string_view status) {
    std::set<std::string_view> out;
    for (const auto* m : case_moves_for(r, status)) out.insert(m->action);
    return out;
  };
  RoleSet worker{Role::worker}, chief{Role::chief, Role::worker}, super{Role::supervisor};
  CHECK(actions(worker, "reported").empty());
  CHECK(actions(chief, "reported") == std::set<std::string_view>{"accept", "reject"});
  CHECK(actions(super, "accepted") == std::set<std::string_view>{"dispatch"});
  CHECK(actions(worker, "dispatched") == std::set<std::string_view>{"start"});
  CHECK(actions(worker, "handling") == std::set<std::string_view>{"escalate", "resolve"});
  CHECK(actions(super, "resolved") == std::set<std::string_view>{"rework", "verify"});
  CHECK(actions(chief, "verified").empty());
  CHECK(actions(super, "closed") == std::set<std::string_view>{"evaluate"});
  for (const auto& m : case_moves()) {
    CHECK(case_status_rank(m.to) >= 0);
    if (!m.from.empty()) CHECK(case_status_rank(m.from) >= 0);
    CHECK_FALSE(m.roles.empty());
  }
  CHECK(find_case_move("reject", "reported")->needs_note);
  CHECK(find_case_move("close", "reported") == nullptr);
  CHECK_FALSE(case_is_open("closed"));
  CHECK(case_is_open("handling"));
}

// ---- view models over a replica, no server ------------------------------------

#include "client/core/data_key.hpp"
#include "client/core/photo_store.hpp"
#include "client/core/queries.hpp"
#include "shared/codec.hpp"
#include "sync/device/replica.hpp"

namespace {

// Sealed as on a tablet: personal data under a data key, read through gw_open.
struct LocalReplica {
  LocalReplica()
      : dir(temp_dir()), db(dir + "/r.db"), clock([this] { return now; }), replica(db, "dev-1", clock, 7, key.get()) {
    client::attach_data_key(db, key.get());
  }
  ~LocalReplica() { std::filesystem::remove_all(dir); }

  std::string add(const char* table, std::initializer_list<std::pair<std::string_view, Value>> cols) {
    const TableSpec& t = *find_table(table);
    auto id = replica.create(t, fields_of(t, cols));
    REQUIRE_MESSAGE(id, id.error().message);
    return *id;
  }

  std::string dir;
  std::shared_ptr<client::DataKey> key = client::DataKey::generate();
  SqliteDb db;
  int64_t now = 1'764'000'000'000;  // 2025-11-25 00:00 China time
  Hlc clock;
  sync::Replica replica;
  client::PhotoStore photos{db, *key};
};

constexpr int64_t kHour = 3'600'000;

}  // namespace

TEST_CASE("home: takeover grids first, then red, yellow, green; closed cases and others' grids left out") {
  LocalReplica r;
  auto zone = r.add("grids", {{"level", int64_t{1}}, {"code", std::string("Z")}, {"name", std::string("崇泰片")},
                              {"kind", std::string("zone")}});
  auto unit = r.add("grids", {{"parent_id", zone}, {"level", int64_t{2}}, {"code", std::string("Z-01")},
                              {"name", std::string("一号网格")}, {"kind", std::string("unit")}});
  auto taken = r.add("grids", {{"parent_id", zone}, {"level", int64_t{2}}, {"code", std::string("Z-02")},
                               {"name", std::string("二号网格")}, {"kind", std::string("unit")},
                               {"mode", std::string("takeover")}});
  auto other = r.add("grids", {{"parent_id", zone}, {"level", int64_t{2}}, {"code", std::string("Z-03")},
                               {"name", std::string("三号网格")}, {"kind", std::string("unit")}});
  auto leaf = r.add("grids", {{"parent_id", unit}, {"level", int64_t{3}}, {"code", std::string("Z-01-1")},
                              {"name", std::string("一号社区")}, {"kind", std::string("community")}});
  const std::string me = "0190a0a0-0000-7000-8000-000000000001";
  for (const auto& g : {unit, taken})
    r.add("assignments", {{"user_id", me}, {"grid_id", g}, {"kind", std::string("responsibility")},
                          {"active", int64_t{1}}});
  auto add_case = [&](const std::string& grid, const char* title, const char* status, int64_t reported_ago_h,
                      int64_t due_in_h) {
    return r.add("cases", {{"grid_id", grid}, {"source", std::string("patrol")}, {"category", std::string("0302")},
                           {"severity", std::string("normal")}, {"title", std::string(title)},
                           {"status", std::string(status)}, {"reported_at", r.now - reported_ago_h * kHour},
                           {"due_at", r.now + due_in_h * kHour}});
  };
  add_case(leaf, "green", "handling", 1, 100);
  add_case(unit, "yellow", "dispatched", 90, 10);
  add_case(leaf, "red", "reported", 100, -1);
  add_case(taken, "takeover", "reported", 1, 100);
  add_case(unit, "closed", "closed", 100, -1);
  add_case(other, "not mine", "reported", 100, -1);

  Queries q(r.db);
  HomeView h = q.home(Me{me, RoleSet{Role::worker}}, r.now);
  std::vector<std::string> titles;
  for (const auto& c : h.due_cases) titles.push_back(c.title);
  CHECK(titles == std::vector<std::string>{"takeover", "red", "yellow", "green"});
  REQUIRE(h.due_cases.size() == 4);
  CHECK(h.due_cases[0].takeover);
  CHECK(h.due_cases[1].light == Light::red);
  CHECK(h.due_cases[1].overdue);
  CHECK(h.due_cases[2].light == Light::yellow);
  CHECK(h.due_cases[3].light == Light::green);
  CHECK(h.due_cases[3].grid_name == "一号社区");
  CHECK(h.due_cases[3].pending);  // recorded here, not yet synced
  REQUIRE(h.my_grids.size() == 2);
  REQUIRE(h.takeover_grids.size() == 1);
  CHECK(h.takeover_grids[0].name == "二号网格");

  // The centre sees every open case, also of grids it holds none of.
  HomeView office = q.home(Me{me, RoleSet{Role::supervisor}}, r.now);
  CHECK(office.due_cases.size() == 5);

  // Filters: overdue only, a grid with what lies below it, disputes, status.
  CaseFilter overdue;
  overdue.overdue_only = true;
  CHECK(q.cases(Me{me, RoleSet{Role::worker}}, overdue, r.now).items.size() == 2);  // red, not mine
  CaseFilter in_unit;
  in_unit.grid_id = unit;
  CHECK(q.cases(Me{}, in_unit, r.now).items.size() == 4);  // green, yellow, red, closed
  CaseFilter open;
  open.status = "open";
  CHECK(q.cases(Me{}, open, r.now).items.size() == 5);
}

TEST_CASE("a case's due time follows its category's limit on the working calendar, shorter under takeover") {
  // 0302 (neighbour dispute): 5 working days, 2 under takeover. Reported on
  // Monday 2025-11-24 10:00 China time.
  const int64_t monday_10 = 1'763'949'600'000;
  int64_t normal = case_due_at("0302", monday_10, false);
  int64_t takeover = case_due_at("0302", monday_10, true);
  CHECK(takeover < normal);
  CHECK(normal - monday_10 >= 5 * 24 * kHour);  // the weekend does not count
  CHECK(case_due_at("9999", monday_10, false) == 0);
  CHECK(china_day_start(monday_10) == monday_10 - 10 * kHour);
}

#include "client/core/field_actions.hpp"

TEST_CASE("case steps on the tablet: each writes the case and its log; a step without what it needs writes nothing") {
  LocalReplica r;
  const std::string dept = "0190a0a0-0000-7000-8000-0000000000d1";
  auto unit = r.add("grids", {{"level", int64_t{2}}, {"code", std::string("U")}, {"name", std::string("一号网格")},
                              {"kind", std::string("unit")}, {"department_id", dept}});
  auto leaf = r.add("grids", {{"parent_id", unit}, {"level", int64_t{3}}, {"code", std::string("U-1")},
                              {"name", std::string("一号社区")}, {"kind", std::string("community")}});
  Queries q(r.db);
  FieldActions act(r.replica, q, r.photos);
  const Me chief{"0190a0a0-0000-7000-8000-0000000000c1", RoleSet{Role::chief, Role::worker}};
  const Me worker{"0190a0a0-0000-7000-8000-0000000000a1", RoleSet{Role::worker}};
  NewCase c;
  c.grid_id = leaf;
  c.category = "0301";
  c.title = "欠薪";
  auto id = act.create_case(worker, c);
  REQUIRE(id);
  auto status = [&] { return q.case_detail(chief, *id, r.now)->item.status; };
  auto log_size = [&] { return q.case_detail(chief, *id, r.now)->log.size(); };
  int64_t outbox = r.replica.pending_count();

  CHECK(act.case_action(worker, *id, "accept", {}).code() == Code::forbidden);
  CHECK(act.case_action(chief, *id, "reject", {}).code() == Code::missing);
  CHECK(act.case_action(chief, *id, "close", {}).code() == Code::state);
  CHECK(r.replica.pending_count() == outbox);  // refused steps wrote nothing
  CHECK(log_size() == 1);

  REQUIRE(act.case_action(chief, *id, "accept", {}));
  CHECK(act.case_action(chief, *id, "dispatch", {"", "", "nowhere", 0, {}}).code() == Code::missing);
  REQUIRE(act.case_action(chief, *id, "dispatch", {"", "", "grid", 0, {}}));
  REQUIRE(act.case_action(worker, *id, "start", {}));
  REQUIRE(act.case_action(worker, *id, "escalate", {"需要劳动监察介入", "", "", 0, {}}));
  CHECK(status() == "dispatched");
  auto d = q.case_detail(chief, *id, r.now);
  REQUIRE(d);
  CHECK(d->route == "department");
  auto dept_of = r.db.prepare("SELECT department_id, assignee_id FROM cases WHERE id = ?");
  dept_of.bind(1, *id);
  REQUIRE(dept_of.step());
  CHECK(dept_of.text(0) == dept);  // the level-3 grid's unit grid's department
  CHECK(dept_of.text(1) == worker.user_id);
  REQUIRE(act.case_action(worker, *id, "start", {}));
  REQUIRE(act.case_action(worker, *id, "resolve", {"", "已协调企业补发工资", "", 0, {}}));
  REQUIRE(act.case_action(chief, *id, "rework", {"工人未全部收到", "", "", 0, {}}));
  CHECK(status() == "handling");
  d = q.case_detail(chief, *id, r.now);
  CHECK(d->rework == 1);
  std::vector<std::string> actions;
  for (const auto& l : d->log) actions.push_back(l.action);
  CHECK(actions == std::vector<std::string>{"report", "accept", "dispatch", "start", "escalate", "start", "resolve",
                                            "rework"});
  CHECK(d->log.back().note == "工人未全部收到");
  // Each step carries its own reason: a later step without one clears it.
  auto note_of = [&] {
    auto n = r.db.prepare("SELECT last_action, status_note FROM cases WHERE id = ?");
    n.bind(1, *id);
    REQUIRE(n.step());
    return std::string(n.text(0)) + ":" + std::string(n.text(1));
  };
  CHECK(note_of() == "rework:工人未全部收到");
  REQUIRE(act.case_action(worker, *id, "resolve", {"", "工资已补发", "", 0, {}}));
  CHECK(note_of() == "resolve:");
}

#include "tests/support/workflow_rules.hpp"

// Every (role, status, action) on the tablet: an allowed step moves the case
// where the hand-written rules say; a refused one says why and writes nothing.
// A picture as the photo store takes it: any bytes will do, named by their hash.
client::Photo fake_photo(const std::string& seed) {
  client::Photo p;
  p.jpeg = "picture " + seed + std::string(1000, 'p');
  p.hash = client::photo_hash(p.jpeg);
  p.thumb_jpeg = "thumb " + seed;
  p.thumb_hash = client::photo_hash(p.thumb_jpeg);
  return p;
}

TEST_CASE("the tablet's pictures: its own kept until the server has every byte; copies go with their rows, "
          "then the least recently shown past the cache's size") {
  LocalReplica r;
  client::PhotoStore& store = r.photos;
  const std::string grid = "0190a0a0-0000-7000-8000-0000000000f1";
  auto mine = fake_photo("mine");
  store.keep_taken(mine, grid, r.now);
  CHECK(store.uploads().empty());  // no row names it (its row refused): nothing to send
  CHECK(store.waiting() == 0);
  auto attach = [&](const client::Photo& p) {
    return r.add("attachments", {{"record_table", std::string("cases")}, {"record_id", grid}, {"grid_id", grid},
                                 {"hash", p.hash}, {"bytes", static_cast<int64_t>(p.jpeg.size())},
                                 {"width", int64_t{1280}}, {"height", int64_t{960}}, {"thumb_hash", p.thumb_hash},
                                 {"thumb_bytes", static_cast<int64_t>(p.thumb_jpeg.size())}, {"author_id", grid},
                                 {"taken_at", r.now}});
  };
  std::string mine_row = attach(mine);
  auto up = store.uploads();
  REQUIRE(up.size() == 2);
  CHECK(up[0].thumb);  // thumbnails go first
  CHECK(up[0].hash == mine.thumb_hash);
  CHECK(store.waiting() == 2);
  CHECK(store.read(mine.hash) == mine.jpeg);
  CHECK(r.db.query_int("SELECT count(*) FROM _photos WHERE instr(sealed, 'picture mine') > 0") == 0);  // sealed

  // The server has the whole thumbnail and half the picture.
  store.confirmed(mine.thumb_hash, static_cast<int64_t>(mine.thumb_jpeg.size()));
  store.confirmed(mine.hash, 500);
  CHECK(store.waiting() == 1);
  CHECK(store.uploads().front().sent == 500);
  // Its row gone (the grid evicted, say), the cache allowed nothing: the
  // thumbnail, a copy now, goes; the picture still going up stays.
  r.db.prepare("DELETE FROM attachments WHERE id = ?").bind(1, mine_row).run();
  store.sweep(0);
  CHECK_FALSE(store.has(mine.thumb_hash));
  CHECK(store.has(mine.hash));

  // Copies pulled for rows the tablet holds.
  auto a = fake_photo("a"), b = fake_photo("b");
  CHECK_FALSE(store.keep_pulled(a.hash, false, grid, b.jpeg, r.now));  // bytes that are not the name
  for (auto* p : {&a, &b}) {
    REQUIRE(store.keep_pulled(p->hash, false, grid, p->jpeg, r.now));
    attach(*p);
  }
  store.sweep(1 << 20);
  CHECK(store.has(a.hash));
  CHECK(store.has(b.hash));
  // Past the cache's size the least recently shown goes first.
  store.touch(a.hash, r.now + 1000);
  store.sweep(static_cast<int64_t>(a.jpeg.size()));
  CHECK(store.has(a.hash));
  CHECK_FALSE(store.has(b.hash));
  // Its grid evicted, a copy goes with the rows; the tablet's own stays.
  r.db.prepare("DELETE FROM attachments WHERE grid_id = ?").bind(1, grid).run();
  store.sweep(1 << 20);
  CHECK_FALSE(store.has(a.hash));
  CHECK(store.has(mine.hash));
  store.confirmed(mine.hash, static_cast<int64_t>(mine.jpeg.size()));
  CHECK(store.waiting() == 0);
  store.sweep(1 << 20);
  CHECK_FALSE(store.has(mine.hash));  // on the server whole, named by no row here: a copy like any other
}

// The store thread reads, then writes, while the sync thread commits on its
// own connection: a read left open across the write would hold a snapshot
// the commit made stale, and SQLite refuses the write at once ("database is
// locked", no busy wait). Every action must let its reads go first.
TEST_CASE("a field action never meets a locked database while another connection commits") {
  LocalReplica r;
  auto unit = r.add("grids", {{"level", int64_t{2}}, {"code", std::string("U")}, {"name", std::string("一号网格")},
                              {"kind", std::string("unit")}});
  auto hh = r.add("households", {{"grid_id", unit}, {"address", std::string("一栋")}, {"head_name", std::string("张三")}});
  auto notice = r.add("notices", {{"user_id", std::string("0190a0a0-0000-7000-8000-0000000000a1")},
                                  {"kind", std::string("case")}, {"title", std::string("assigned")}});
  Queries q(r.db);
  FieldActions act(r.replica, q, r.photos);
  const Me worker{"0190a0a0-0000-7000-8000-0000000000a1", RoleSet{Role::chief, Role::worker}};
  std::atomic<bool> stop{false};
  std::thread other([&] {
    SqliteDb sync(r.dir + "/r.db");
    sync.exec("CREATE TABLE IF NOT EXISTS _other (n INTEGER)");
    for (int64_t n = 0; !stop; ++n) sync.prepare("INSERT INTO _other (n) VALUES (?)").bind(1, n).run();
  });
  int failed = 0;
  std::string why;
  for (int i = 0; i < 300; ++i) {
    try {
      client::NewVisit v;
      v.target_kind = "household";
      v.target_id = hh;
      auto made = act.record_visit(worker, v);
      if (!made) ++failed, why = made.error().message;
      client::NewCase n;
      n.grid_id = unit;
      n.category = "0101";
      n.title = "楼道堆物";
      auto c = act.create_case(worker, n);
      if (!c) ++failed, why = c.error().message;
      if (c)
        if (auto st = act.case_action(worker, *c, "accept", {}); !st) ++failed, why = st.error().message;
      if (auto st = act.mark_notice_read(worker, notice); !st) ++failed, why = st.error().message;
    } catch (const DbError& e) {
      ++failed, why = e.what();
    }
  }
  stop = true;
  other.join();
  CHECK_MESSAGE(failed == 0, why);
}

TEST_CASE("case steps by role, status and action, against the rules written by hand") {
  LocalReplica r;
  auto unit = r.add("grids", {{"level", int64_t{2}}, {"code", std::string("U")}, {"name", std::string("一号网格")},
                              {"kind", std::string("unit")},
                              {"department_id", std::string("0190a0a0-0000-7000-8000-0000000000d1")}});
  Queries q(r.db);
  FieldActions act(r.replica, q, r.photos);
  const CaseActionInput full{"理由", "已处理", "department", 4, {}};
  int allowed = 0, refused = 0;
  for (Role role : kAllRoles) {
    const Me me{"0190a0a0-0000-7000-8000-0000000000e" + std::to_string(static_cast<int>(role)), RoleSet{role}};
    for (auto status : kCaseStatusNames)
      for (auto action : kCaseActionNames) {
        CAPTURE(role_name(role));
        CAPTURE(status);
        CAPTURE(action);
        auto id = r.add("cases", {{"grid_id", unit}, {"source", std::string("patrol")},
                                  {"category", std::string("0302")}, {"severity", std::string("normal")},
                                  {"title", std::string("噪音")}, {"status", std::string(status)},
                                  {"reported_at", r.now}});
        int64_t outbox = r.replica.pending_count();
        Status st = act.case_action(me, id, std::string(action), full);
        if (test::may_take(RoleSet{role}, action, status)) {
          ++allowed;
          REQUIRE_MESSAGE(st.is_ok(), st.error().message);
          auto d = q.case_detail(me, id, r.now);
          CHECK(d->item.status == test::rule_for(action, status)->to);
          CHECK(d->log.back().action == action);
          CHECK(r.replica.pending_count() == outbox + 2);  // the case and its log row
        } else {
          ++refused;
          REQUIRE_FALSE(st.is_ok());
          CHECK((st.code() == Code::state || st.code() == Code::forbidden));
          CHECK_FALSE(st.error().message.empty());
          CHECK(r.replica.pending_count() == outbox);
        }
      }
    NewCase c;
    c.grid_id = unit;
    c.category = "0302";
    c.title = "噪音";
    auto made = act.create_case(me, c);
    CHECK(made.is_ok() == test::may_take(RoleSet{role}, "report", ""));
  }
  CHECK(allowed == 25);  // kRules' role letters, less the four of report
  CHECK(refused == 5 * 9 * 14 - 25);
}

TEST_CASE("home names a department's standing task for its routed cases, not its reference") {
  LocalReplica r;
  const std::string me = "0190a0a0-0000-7000-8000-0000000000e7";
  auto grid = r.add("grids", {{"level", int64_t{3}}, {"code", std::string("E-1")}, {"name", std::string("特步")},
                              {"kind", std::string("enterprise")}});
  r.add("assignments", {{"user_id", me}, {"grid_id", grid}, {"kind", std::string("task")},
                        {"task_ref", std::string("cases:0190a0a0-0000-7000-8000-0000000000d1")},
                        {"active", int64_t{1}}, {"from_at", r.now - kHour}});
  r.add("assignments", {{"user_id", me}, {"grid_id", grid}, {"kind", std::string("task")},
                        {"task_ref", std::string("消防检查")}, {"active", int64_t{1}}, {"from_at", r.now - kHour}});
  Queries q(r.db);
  auto home = q.home(Me{me, RoleSet{Role::cadre}}, r.now);
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& a : home.assignments) seen.emplace(a.kind, a.task);
  CHECK(seen == std::set<std::pair<std::string, std::string>>{{"department_cases", ""}, {"task", "消防检查"}});
}

// ---- the grid map and the grid desk on a local replica ------------------------------

#include "client/core/grid_office.hpp"

namespace {

std::string square(double west, double south, double size) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                R"({"type":"Polygon","coordinates":[[[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f]]]})", west,
                south, west + size, south, west + size, south + size, west, south + size, west, south);
  return buf;
}

// A zone with two unit grids (one linked to a department with two cadres)
// and a community below the first.
struct SmallPark {
  LocalReplica r;
  std::string zone, unit, unit2, leaf, dept, worker = "0190a0a0-0000-7000-8000-0000000000aa";
  SmallPark() {
    dept = r.add("departments", {{"name", std::string("应急管理局")}});
    for (auto [username, name] : {std::pair{"cadre_a", "干部甲"}, {"cadre_b", "干部乙"}})
      r.add("users", {{"username", std::string(username)}, {"name", std::string(name)}, {"roles", std::string("cadre")},
                      {"department_id", dept}});
    zone = r.add("grids", {{"level", int64_t{1}}, {"code", std::string("Z")}, {"name", std::string("崇泰片")},
                           {"kind", std::string("zone")}, {"polygon", square(118.0, 24.0, 2.0)}});
    unit = r.add("grids", {{"parent_id", zone}, {"level", int64_t{2}}, {"code", std::string("Z-01")},
                           {"name", std::string("一号网格")}, {"kind", std::string("unit")},
                           {"department_id", dept}, {"polygon", square(118.0, 24.0, 1.0)}});
    unit2 = r.add("grids", {{"parent_id", zone}, {"level", int64_t{2}}, {"code", std::string("Z-02")},
                            {"name", std::string("二号网格")}, {"kind", std::string("unit")},
                            {"polygon", square(119.0, 24.0, 1.0)}});
    leaf = r.add("grids", {{"parent_id", unit}, {"level", int64_t{3}}, {"code", std::string("Z-01-1")},
                           {"name", std::string("一号社区")}, {"kind", std::string("community")}});
    // Not a polygon, as a store written before schema 6 may hold (the
    // schema refuses it now): set behind the replica's back.
    r.db.exec("UPDATE grids SET polygon = '{\"type\":\"Point\",\"coordinates\":[1]}' WHERE id = '" + leaf + "'");
    r.add("users", {{"username", std::string("w")}, {"name", std::string("网格员")}, {"roles", std::string("worker")}});
  }
  std::string open_case(const std::string& grid, int64_t due_in_h) {
    return r.add("cases", {{"grid_id", grid}, {"source", std::string("patrol")}, {"category", std::string("0302")},
                           {"severity", std::string("normal")}, {"title", std::string("事件")},
                           {"status", std::string("reported")}, {"reported_at", r.now - 100 * kHour},
                           {"due_at", r.now + due_in_h * kHour}});
  }
};

const MapGrid* on_map(const GridMapView& v, const std::string& id) {
  for (const auto& g : v.grids)
    if (g.id == id) return &g;
  return nullptr;
}

}  // namespace

TEST_CASE("the grid map: rings and bounds from the polygons, open cases summed up to the unit grid, takeover flag") {
  SmallPark p;
  p.open_case(p.leaf, -1);  // overdue
  p.open_case(p.unit, 50);
  p.open_case(p.unit2, 50);
  Queries q(p.r.db);
  GridMapView v = q.grid_map(Me{p.worker, RoleSet{Role::worker}}, p.r.now);
  REQUIRE(v.grids.size() == 4);
  CHECK(v.grids[0].level == 1);  // zones drawn first, level 3 last
  CHECK(v.grids[3].level == 3);
  CHECK(v.west == doctest::Approx(118.0));
  CHECK(v.east == doctest::Approx(120.0));
  CHECK(v.north == doctest::Approx(26.0));
  const MapGrid* unit = on_map(v, p.unit);
  REQUIRE(unit);
  CHECK(unit->ring.size() == 5);
  CHECK(unit->open_cases == 2);  // its own and the community's
  CHECK(unit->overdue_cases == 1);
  CHECK_FALSE(unit->takeover);
  CHECK(on_map(v, p.leaf)->ring.empty());  // not a polygon: drawn as nothing, breaks nothing
  CHECK(on_map(v, p.unit2)->open_cases == 1);
}

TEST_CASE("the grid desk: a takeover needs the centre, a unit grid, its department and a reason; one at a time") {
  SmallPark p;
  p.open_case(p.leaf, 10);
  Queries q(p.r.db);
  GridOffice office(p.r.replica, q);
  const std::string sup = "0190a0a0-0000-7000-8000-0000000000bb";
  Me centre{sup, RoleSet{Role::supervisor}}, worker{p.worker, RoleSet{Role::worker}};
  auto code = [](const auto& r) { return r ? Code::ok : r.error().code; };
  CHECK(code(office.start_takeover(worker, p.unit, "台风")) == Code::forbidden);
  CHECK(code(office.start_takeover(centre, p.leaf, "台风")) == Code::invalid);   // not a unit grid
  CHECK(code(office.start_takeover(centre, p.unit2, "台风")) == Code::missing);  // no linked department
  CHECK(code(office.start_takeover(centre, p.unit, " \n")) == Code::missing);   // no reason
  CHECK(p.r.db.query_int("SELECT count(*) FROM takeovers") == 0);

  auto id = office.start_takeover(centre, p.unit, "  台风红色预警 ");
  REQUIRE(id);
  CHECK(code(office.start_takeover(centre, p.unit, "再来一次")) == Code::state);
  TakeoverConsole c = office.console();
  REQUIRE(c.active.size() == 1);
  CHECK(c.active[0].reason == "台风红色预警");
  CHECK(c.active[0].department_name == "应急管理局");
  CHECK(c.active[0].pending);
  REQUIRE(c.units.size() == 2);
  CHECK(c.units[0].grid.id == p.unit);
  CHECK(c.units[0].takeover_id == *id);
  CHECK(c.units[0].cadres == std::vector<std::string>{"干部甲", "干部乙"});
  CHECK(c.units[0].open_cases == 1);

  CHECK(code(office.end_takeover(worker, *id)) == Code::forbidden);
  REQUIRE(office.end_takeover(centre, *id));
  CHECK(code(office.end_takeover(centre, *id)) == Code::state);
  c = office.console();
  CHECK(c.active.empty());
  REQUIRE(c.ended.size() == 1);
  CHECK(c.ended[0].ended_at == p.r.now);
}

TEST_CASE("the grid desk: moving a responsibility takes the grids below along and shows one line per unit grid") {
  SmallPark p;
  auto give = [&](const std::string& grid) {
    return p.r.add("assignments", {{"user_id", p.worker}, {"grid_id", grid}, {"kind", std::string("responsibility")},
                                   {"active", int64_t{1}}, {"from_at", p.r.now - kHour}});
  };
  std::string top = give(p.unit);
  give(p.leaf);
  Queries q(p.r.db);
  GridOffice office(p.r.replica, q);
  Me centre{"0190a0a0-0000-7000-8000-0000000000bb", RoleSet{Role::supervisor}};
  TakeoverConsole c = office.console();
  REQUIRE(c.responsibilities.size() == 1);  // the community is covered by the unit grid
  CHECK(c.responsibilities[0].assignment_id == top);
  CHECK(c.responsibilities[0].user_name == "");  // the worker's users row is another id: no name, no crash
  CHECK_FALSE(office.move_responsibility(centre, top, p.unit));           // where it is already
  CHECK_FALSE(office.move_responsibility(centre, top, "no-such-grid"));  // nowhere
  CHECK(p.r.db.query_int("SELECT count(*) FROM assignments WHERE active = 1") == 2);
  p.r.now += kHour;
  auto moved = office.move_responsibility(centre, top, p.unit2);
  REQUIRE(moved);
  CHECK(p.r.db.query_int("SELECT count(*) FROM assignments WHERE active = 1") == 1);
  CHECK(p.r.db.query_int("SELECT count(*) FROM assignments WHERE active = 0 AND to_at = " + std::to_string(p.r.now)) == 2);
  c = office.console();
  REQUIRE(c.responsibilities.size() == 1);
  CHECK(c.responsibilities[0].grid_id == p.unit2);
  CHECK(c.responsibilities[0].from_at == p.r.now);
}
