// A case's whole life over the real server, on three tablets (issue 6):
// worker01 reports a dispute offline; supervisor01 accepts it and dispatches
// it to the grid team; chief01 takes it and resolves it; the supervisor's
// verification fails once (rework), the chief resolves again, the
// supervisor verifies, closes and records the call-back. Every device ends
// with the same case and log, and the KPI report moves by exactly this case.
#include <doctest/doctest.h>

#include <cpprest/http_client.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "sync/core/device_key.hpp"
#include "net/http_transport.hpp"
#include "shared/calendar.hpp"
#include "shared/json.hpp"
#include "shared/schema.hpp"
#include "tests/client/core_fixture.hpp"
#include "tests/support/server_process.hpp"

using namespace gw;
using namespace gw::client;
using namespace gw::test;
using gw::net::HttpTransport;
using gw::sync::DeviceKey;

namespace {

// The China date of a time, YYYY-MM-DD.
std::string china_date(int64_t ms) {
  CivilDate d = civil_from_days((ms + kChinaOffsetMs) / 86'400'000);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

// GET /v1/reports/kpi as `user`, parsed.
Json server_kpi(const std::string& url, const char* user, const std::string& query) {
  auto key = DeviceKey::generate();
  HttpTransport http(url, key);
  auto login = http.login(user, kPassword, "kpi-reader-" + std::string(user), "test");
  REQUIRE(login);
  web::http::client::http_client c(url);
  web::http::http_request req(web::http::methods::GET);
  req.set_request_uri("/v1/reports/kpi?" + query);
  req.headers().add("Authorization", "Bearer " + login->token);
  auto resp = c.request(req).get();
  REQUIRE(resp.status_code() == 200);
  auto j = parse_json(resp.extract_utf8string(true).get());
  REQUIRE(j);
  return *j;
}

// A figure of the total, or of one group's row (0 when the group has none).
int64_t field(const Json& j, const char* row_key, const char* name) {
  const Json* v = row_key ? nullptr : j.find("total")->find(name);
  if (row_key)
    for (const auto& r : j.find("rows")->as_array())
      if (r.find("key")->as_string() == row_key) v = r.find(name);
  return v && v->is_int() ? v->as_int() : 0;
}

std::string replica_path(const TempDir& dir, const char* user) {
  return dir.path + "/users/" + user + "/replica.db";
}

// Every column of a row, as text, from any store holding the schema's tables.
std::vector<std::string> row_of(const std::string& db_path, const char* table, const std::string& id) {
  SqliteDb db(db_path);
  const TableSpec& t = *find_table(table);
  std::string cols;
  for (const auto& c : t.columns) cols += (cols.empty() ? "" : ", ") + ("quote(" + std::string(c.name) + ")");
  auto s = db.prepare("SELECT " + cols + " FROM " + std::string(table) + " WHERE id = ?");
  s.bind(1, id);
  std::vector<std::string> out;
  if (s.step())
    for (int i = 0; i < s.columns(); ++i) out.emplace_back(s.text(i));
  return out;
}

void act(ClientCore& app, const std::string& id, const char* action, CaseActionInput in = {}) {
  app.case_action(id, action, in);
  settle(app);
  REQUIRE_MESSAGE(first_error(app).empty(), action);
}

}  // namespace

TEST_CASE("a dispute from report to evaluation across three tablets, with one rework, and the KPI follows") {
  ServerProcess server({"--demo"});
  TempDir wt, st, ct;
  auto worker = open_app(wt.path, server.url());
  auto sup = open_app(st.path, server.url());
  auto chief = open_app(ct.path, server.url());
  for (auto [app, user] : {std::pair{worker.get(), "worker01"}, {sup.get(), "supervisor01"}, {chief.get(), "chief01"}}) {
    REQUIRE(sign_in(*app, user).session.signed_in);
    synced(*app);
  }
  auto home = settle(*worker).home;
  REQUIRE(home);
  REQUIRE_FALSE(home->my_grids.empty());
  std::string grid = home->my_grids.front().id;

  // Offline: the worker reports a wage dispute.
  REQUIRE(server.stop() == 0);
  NewCase c;
  c.grid_id = grid;
  c.category = "0301";
  c.severity = "high";
  c.title = "某厂拖欠三名工人工资";
  c.description = "工人反映两个月工资未发";
  worker->create_case(c);
  auto s = settle(*worker);
  REQUIRE(first_error(*worker).empty());
  REQUIRE(s.case_detail);
  std::string id = s.case_detail->item.id;
  int64_t due = s.case_detail->item.due_at;
  server.restart();
  CHECK(synced(*worker).sync.pending == 0);

  std::string day = china_date(due);
  std::string period = "from=" + day + "&to=" + day;
  Json before = server_kpi(server.url(), "supervisor01", period + "&group=worker");

  // The centre: it waits in the dispatch queue, first for acceptance.
  synced(*sup);
  sup->list_dispatch("reported");
  s = settle(*sup);
  REQUIRE(s.dispatch);
  auto queued = std::find_if(s.dispatch->items.begin(), s.dispatch->items.end(),
                             [&](const DispatchItem& d) { return d.item.id == id; });
  REQUIRE(queued != s.dispatch->items.end());
  CHECK(queued->next_action == "accept");
  act(*sup, id, "accept");
  act(*sup, id, "dispatch", {"", "", "grid", 0, {}});
  synced(*sup);

  // The zone chief takes it and resolves it.
  synced(*chief);
  act(*chief, id, "start");
  act(*chief, id, "resolve", {"", "已约谈企业，承诺月底前补发", "", 0, {}});
  synced(*chief);

  // Verification fails once: back for rework.
  synced(*sup);
  act(*sup, id, "rework", {"工人反映尚未收到补发工资", "", "", 0, {}});
  synced(*sup);
  synced(*chief);
  act(*chief, id, "resolve", {"", "工资已全部补发到账", "", 0, {}});
  synced(*chief);

  synced(*sup);
  act(*sup, id, "verify");
  act(*sup, id, "close");
  act(*sup, id, "evaluate", {"", "", "", 4, {}});
  s = synced(*sup);
  CHECK(s.sync.pending == 0);
  synced(*worker);
  synced(*chief);

  // Every device holds the case and its log as the server does.
  auto on_server = row_of(server.db_path(), "cases", id);
  REQUIRE_FALSE(on_server.empty());
  for (auto [dir, user] : {std::pair{&wt, "worker01"}, {&st, "supervisor01"}, {&ct, "chief01"}}) {
    CAPTURE(user);
    auto mine = row_of(replica_path(*dir, user), "cases", id);
    const TableSpec& t = *find_table("cases");
    REQUIRE(mine.size() == on_server.size());
    for (size_t k = 0; k < mine.size(); ++k) CHECK_MESSAGE(mine[k] == on_server[k], t.columns[k].name);
  }
  SqliteDb db(replica_path(wt, "worker01"));
  auto log = db.prepare("SELECT action FROM case_log WHERE case_id = ? ORDER BY at, id");
  log.bind(1, id);
  std::vector<std::string> actions;
  while (log.step()) actions.emplace_back(log.text(0));
  CHECK(actions == std::vector<std::string>{"report", "accept", "dispatch", "start", "resolve", "rework", "resolve",
                                            "verify", "close", "evaluate"});
  worker->open_case(id);
  auto detail = settle(*worker);
  REQUIRE(detail.case_detail);
  CHECK(detail.case_detail->item.status == "evaluated");
  CHECK(detail.case_detail->rework == 1);
  CHECK(detail.case_detail->score == 4);

  // The KPI of the day the case was due moved by this case alone, and the
  // supervisor's tablet computes the same figures offline.
  Json after = server_kpi(server.url(), "supervisor01", period + "&group=worker");
  CHECK(field(after, nullptr, "due") == field(before, nullptr, "due"));
  CHECK(field(after, nullptr, "closed") == field(before, nullptr, "closed") + 1);
  CHECK(field(after, nullptr, "closed_on_time") == field(before, nullptr, "closed_on_time") + 1);
  CHECK(field(after, nullptr, "rework") == field(before, nullptr, "rework") + 1);
  CHECK(field(after, nullptr, "evaluated") == field(before, nullptr, "evaluated") + 1);
  std::string chief_id = settle(*chief).session.user_id;
  CHECK(field(after, chief_id.c_str(), "closed") == field(before, chief_id.c_str(), "closed") + 1);

  REQUIRE(server.stop() == 0);
  sup->load_kpi(day, day, "worker");
  s = settle(*sup);
  REQUIRE(s.kpi);
  CHECK(s.kpi->error.empty());
  CHECK(s.kpi->total.due == field(after, nullptr, "due"));
  CHECK(s.kpi->total.closed == field(after, nullptr, "closed"));
  CHECK(s.kpi->total.rework == field(after, nullptr, "rework"));
  CHECK(s.kpi->total.closed_on_time == field(after, nullptr, "closed_on_time"));
  sup->export_kpi_csv();
  s = settle(*sup);
  REQUIRE_FALSE(s.kpi->exported_to.empty());
  CHECK(std::filesystem::file_size(s.kpi->exported_to) > 100);
}
