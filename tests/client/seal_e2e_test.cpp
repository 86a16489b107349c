// Encryption at rest on the tablet (issue 9, DESIGN §8), against the real
// server: the replica file holds no phone or ID number of the demo park in
// clear, read by the sqlite3 shell and byte by byte; the app still shows
// them; offline unlock by password and PIN; auto-lock; a change of password
// re-wraps the data key without sealing any record again; a replica written
// before sealing is sealed in one pass at the next unlock.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "shared/json.hpp"
#include "tests/client/core_fixture.hpp"
#include "tests/support/server_process.hpp"

using namespace gw;
using namespace gw::client;
using namespace gw::test;

namespace {

// A grid worker whose grid holds households and residents (worker01's hold
// enterprises only): names, addresses, phone and ID numbers on the tablet,
// in one of the smaller grids (879 households), so the test stays quick.
constexpr const char* kUser = "pworker022";

std::string replica_of(const TempDir& dir) { return dir.path + "/users/" + std::string(kUser) + "/replica.db"; }

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// What the sqlite3 shell prints of the whole file.
std::string shell_dump(const std::string& db) {
  std::string out;
  FILE* p = popen(("sqlite3 -readonly '" + db + "' .dump 2>&1").c_str(), "r");
  REQUIRE(p);
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  CHECK(pclose(p) == 0);
  return out;
}

// The phone and ID numbers of the demo park (the server's file) in the rows
// the tablet holds.
std::set<std::string> held_numbers(const std::string& server_db, const std::string& tablet_db) {
  const std::pair<const char*, const char*> cols[] = {
      {"households", "phone"},      {"residents", "phone"},   {"residents", "id_number"},
      {"enterprises", "contact_phone"}, {"departments", "phone"}, {"cases", "caller_phone"}};
  SqliteDb server(server_db), tablet(tablet_db);
  std::set<std::string> out;
  for (auto [table, col] : cols) {
    std::set<std::string> ids;
    auto t = tablet.prepare(std::string("SELECT id FROM ") + table);
    while (t.step()) ids.emplace(t.text(0));
    auto s = server.prepare(std::string("SELECT id, ") + col + " FROM " + table + " WHERE length(" + col + ") >= 7");
    while (s.step())
      if (ids.count(std::string(s.text(0)))) out.emplace(s.text(1));
  }
  return out;
}

int64_t found_in(const std::string& haystack, const std::set<std::string>& needles, std::string* first = nullptr) {
  int64_t n = 0;
  for (const auto& x : needles)
    if (haystack.find(x) != std::string::npos) {
      if (first && first->empty()) *first = x;
      ++n;
    }
  return n;
}

// A household of the tablet, by id, and its head's name as the server has it.
std::pair<std::string, std::string> a_household(const std::string& server_db, const std::string& tablet_db) {
  SqliteDb tablet(tablet_db);
  auto s = tablet.prepare("SELECT id FROM households ORDER BY id LIMIT 1");
  REQUIRE(s.step());
  std::string id(s.text(0));
  SqliteDb server(server_db);
  auto h = server.prepare("SELECT head_name FROM households WHERE id = ?");
  h.bind(1, id);
  REQUIRE(h.step());
  return {id, std::string(h.text(0))};
}

// kUser on a fresh tablet, signed in and synced.
std::unique_ptr<ClientCore> fresh_tablet(const ServerProcess& server, const TempDir& tablet) {
  auto app = open_app(tablet.path, server.url());
  REQUIRE(sign_in(*app, kUser).session.signed_in);
  auto s = synced(*app);
  REQUIRE(first_error(*app) == "");
  REQUIRE(s.sync.error == "");
  return app;
}

Account account_of(const TempDir& dir) { return *AccountFile(dir.path + "/users/" + std::string(kUser)).load(); }

}  // namespace

TEST_CASE("the tablet's file holds no phone or ID number of the demo park in clear; the app still shows them") {
  ServerProcess server({"--demo"});
  TempDir tablet;
  auto app = fresh_tablet(server, tablet);
  const std::string db = replica_of(tablet);
  auto [household, head] = a_household(server.db_path(), db);

  // Outbox and shadow hold personal data too: a visit, and a new phone.
  NewVisit v;
  v.target_kind = "household";
  v.target_id = household;
  v.notes = "入户走访";
  app->record_visit(v);
  app->edit_target("household", household, {{"phone", "13977770001"}});
  settle(*app);
  REQUIRE(first_error(*app).empty());
  CHECK(count(db, "SELECT count(*) FROM _shadow") >= 1);
  CHECK(count(db, "SELECT count(*) FROM _outbox") >= 2);

  std::set<std::string> numbers = held_numbers(server.db_path(), db);
  numbers.insert("13977770001");
  MESSAGE(numbers.size() << " phone and ID numbers of the demo park on the tablet");
  REQUIRE(numbers.size() > 100);
  CHECK(count(db, "SELECT count(*) FROM residents WHERE id_number IS NOT NULL") > 0);

  std::string first;
  const std::string dump = shell_dump(db);
  REQUIRE(dump.find("CREATE TABLE households") != std::string::npos);  // the shell did read the file
  CHECK(found_in(dump, numbers, &first) == 0);
  CHECK(first == "");
  CHECK(dump.find(head) == std::string::npos);
  CHECK(found_in(file_bytes(db), numbers, &first) == 0);
  CHECK(found_in(file_bytes(db + "-wal"), numbers, &first) == 0);
  CHECK(first == "");

  // The app reads them through the key: a search by the head's name, the record's fields.
  app->search_targets(TargetQuery{head, "household", 50});
  auto s = settle(*app);
  CHECK(first_error(*app) == "");
  REQUIRE(s.targets);
  bool listed = false;
  for (const auto& t : s.targets->items) listed = listed || (t.id == household && t.title == head);
  CHECK(listed);
  app->open_conflict_record("households", household);
  s = settle(*app);
  REQUIRE(s.conflict_record);
  std::map<std::string, std::string> fields;
  for (const auto& f : s.conflict_record->fields) fields[f.column] = f.value;
  CHECK(fields["phone"] == "139****0001");  // masked in views, as for every worker (the clear value is sealed)
  CHECK(fields["head_name"] == head);

  // The server gets them opened.
  synced(*app);
  CHECK(count(db, "SELECT count(*) FROM _outbox") == 0);
  CHECK(count(server.db_path(), "SELECT count(*) FROM households WHERE phone = '13977770001'") == 1);
}

TEST_CASE("offline unlock by password and PIN; a wrong secret is refused; a locked app shows no personal data") {
  ServerProcess server({"--demo"});
  TempDir tablet;
  std::atomic<int64_t> ahead{0};
  CoreOptions o;
  o.data_dir = tablet.path;
  o.server_url = server.url();
  o.auto_sync = false;
  o.wall = [&ahead] {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count() + ahead.load();
  };
  auto app = std::make_unique<ClientCore>(o);
  REQUIRE(sign_in(*app, kUser).session.signed_in);
  synced(*app);
  app->set_pin("2468");
  CHECK(settle(*app).session.has_pin);
  Account a = account_of(tablet);
  CHECK(!a.key_by_password.empty());
  CHECK(!a.key_by_pin.empty());
  CHECK(a.password_verifier.empty());
  server.stop();

  app->lock();
  auto s = settle(*app);
  CHECK(s.session.locked);
  CHECK_FALSE(s.session.signed_in);
  CHECK(s.session.username == kUser);
  CHECK_FALSE(s.home);
  app->search_targets(TargetQuery{"", "household", 50});
  CHECK_FALSE(settle(*app).targets);  // nothing is read while locked

  for (const char* wrong : {"gridwork-dem0", "1357", ""}) {
    CAPTURE(wrong);
    CHECK_FALSE(sign_in(*app, kUser, wrong).session.signed_in);
  }
  s = sign_in(*app, kUser, "2468");
  REQUIRE(s.session.signed_in);
  CHECK(s.session.offline_unlock);
  app->search_targets(TargetQuery{"", "household", 50});
  s = settle(*app);
  REQUIRE(s.targets);
  CHECK(!s.targets->items.empty());
  CHECK(!s.targets->items.front().title.empty());

  app->lock();
  s = sign_in(*app, kUser, kPassword);
  REQUIRE(s.session.signed_in);
  CHECK(s.session.offline_unlock);

  // Auto-lock: idle past the setting's minutes, not before.
  Settings set = s.settings;
  set.auto_lock_minutes = 2;
  app->save_settings(set);
  app->touch();
  ahead = 90 * 1000;
  app->lock_if_idle();
  CHECK(settle(*app).session.signed_in);
  ahead = 121 * 1000;
  app->lock_if_idle();
  s = settle(*app);
  CHECK_FALSE(s.session.signed_in);
  CHECK(s.session.locked);
}

TEST_CASE("a change of password re-wraps the data key: no record sealed again, the old password unlocks no more") {
  ServerProcess server({"--demo"});
  TempDir tablet;
  auto app = fresh_tablet(server, tablet);
  const std::string db = replica_of(tablet);
  auto sealed_bytes = [&] {
    SqliteDb d(db);
    auto s = d.prepare("SELECT group_concat(id || hex(head_name) || hex(phone), ',') FROM households");
    REQUIRE(s.step());
    return std::string(s.text(0));
  };
  const std::string before = sealed_bytes();
  REQUIRE(before.size() > 1000);
  const std::string wrap_before = account_of(tablet).key_by_password;

  auto error = [&] {
    settle(*app);
    return first_error(*app);
  };
  app->change_password(kPassword, "short");
  CHECK(error().find("error.password_too_short") == 0);
  app->change_password("not-the-password", "new-secret-1");
  CHECK(error().find("error.bad_credentials") == 0);
  app->change_password(kPassword, "new-secret-1");
  CHECK(error().empty());

  CHECK(account_of(tablet).key_by_password != wrap_before);
  CHECK(sealed_bytes() == before);  // the data is as it was sealed

  app->lock();
  CHECK_FALSE(sign_in(*app, kUser, kPassword).session.signed_in);  // not here, not at the server
  auto s = sign_in(*app, kUser, "new-secret-1");
  REQUIRE(s.session.signed_in);
  CHECK(s.session.offline_unlock);
  app->search_targets(TargetQuery{"", "household", 5});
  s = settle(*app);
  REQUIRE(s.targets);
  CHECK(!s.targets->items.front().title.empty());

  // The server took the new password: another tablet signs in with it.
  TempDir other;
  auto app2 = open_app(other.path, server.url());
  s = sign_in(*app2, kUser, "new-secret-1");
  CHECK(s.session.signed_in);
  CHECK_FALSE(s.session.offline_unlock);
  CHECK(sign_in(*app2, "worker02", "new-secret-1").session.error_key == "error.bad_credentials");  // theirs stays
}

TEST_CASE("a replica written before sealing is sealed in one pass at the next unlock") {
  ServerProcess server({"--demo"});
  TempDir tablet;
  auto app = fresh_tablet(server, tablet);
  const std::string db = replica_of(tablet);
  auto [household, head] = a_household(server.db_path(), db);
  app->edit_target("household", household, {{"phone", "13977770002"}});
  settle(*app);
  REQUIRE(first_error(*app).empty());
  app.reset();

  // Back to the state of a build before sealing: every sealed value opened
  // in place, and an account with a password verifier and no data key.
  {
    KeyedDb keyed(db);
    REQUIRE(keyed.key);
    for (const auto& t : all_tables())
      for (const auto& c : t.columns)
        if (c.sealed())
          keyed.db.exec("UPDATE " + std::string(t.name) + " SET " + std::string(c.name) + " = gw_open(" +
                        std::string(c.name) + ", '" + std::string(t.name) + "." + std::string(c.name) + "')");
    keyed.db.exec("UPDATE _outbox SET body = gw_open(body, '_outbox')");
    keyed.db.exec("UPDATE _shadow SET value = gw_open(value, tbl || '.' || "
                  "CASE WHEN tbl = 'households' AND col = 5 THEN 'phone' ELSE '?' END)");
  }
  REQUIRE(count(db, "SELECT count(*) FROM households WHERE typeof(phone) = 'text'") > 0);
  REQUIRE(count(db, "SELECT count(*) FROM _outbox WHERE typeof(body) = 'text'") == 1);
  REQUIRE(count(db, "SELECT count(*) FROM _shadow WHERE typeof(value) = 'text'") == 1);
  {
    Account a = account_of(tablet);
    a.key_by_password.clear();
    a.key_by_pin.clear();
    a.password_verifier = *make_verifier(kPassword);
    REQUIRE(AccountFile(tablet.path + "/users/" + std::string(kUser)).save(a));
  }
  server.stop();

  app = open_app(tablet.path, server.url());
  auto s = sign_in(*app, kUser);
  REQUIRE(s.session.signed_in);
  CHECK(s.session.offline_unlock);
  CHECK(!account_of(tablet).key_by_password.empty());
  CHECK(account_of(tablet).password_verifier.empty());
  for (const auto& t : all_tables())
    for (const auto& c : t.columns)
      if (c.sealed())
        CHECK(count(db, "SELECT count(*) FROM " + std::string(t.name) + " WHERE typeof(" + std::string(c.name) +
                            ") = 'text'") == 0);
  CHECK(count(db, "SELECT count(*) FROM _outbox WHERE typeof(body) = 'text'") == 0);
  CHECK(count(db, "SELECT count(*) FROM _shadow WHERE typeof(value) = 'text'") == 0);
  CHECK(shell_dump(db).find("13977770002") == std::string::npos);

  // Still readable, and the queued edit still goes up.
  app->search_targets(TargetQuery{head, "household", 50});
  s = settle(*app);
  REQUIRE(s.targets);
  CHECK(!s.targets->items.empty());
  server.restart();
  synced(*app);
  CHECK(count(db, "SELECT count(*) FROM _outbox") == 0);
  CHECK(count(server.db_path(), "SELECT count(*) FROM households WHERE phone = '13977770002'") == 1);
}
