#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "shared/calendar.hpp"
#include "shared/checks.hpp"
#include "shared/codec.hpp"
#include "shared/demo/names.hpp"
#include "shared/demo/park.hpp"
#include "shared/demo/sqlite_sink.hpp"
#include "shared/geo.hpp"
#include "shared/json.hpp"
#include "shared/sqlite.hpp"
#include "shared/uuid.hpp"
#include "shared/workflow.hpp"

using namespace gw;
using namespace gw::demo;

namespace {

// 2026-11-27 00:00 China time.
const int64_t kNow = days_from_civil({2026, 11, 27}) * 86'400'000 - kChinaOffsetMs;

ParkOptions options(uint64_t seed = ParkOptions{}.seed) {
  ParkOptions o;
  o.seed = seed;
  o.now_ms = kNow;
  return o;
}

// FNV-1a over a serialisation of every put: table, id, then each field with
// its column, type and value.
class HashSink : public RecordSink {
 public:
  void put(const TableSpec& table, const std::string& id, const Fields& fields) override {
    ++records;
    add(table.name);
    add(id);
    for (const auto& f : fields) {
      char tag[2] = {static_cast<char>(f.col), static_cast<char>(f.value.index())};
      add(std::string_view(tag, 2));
      if (const auto* text = std::get_if<std::string>(&f.value)) add(*text);
      else add(value_to_string(f.value));
    }
  }
  uint64_t hash() const { return h_; }
  size_t records = 0;

 private:
  void add(std::string_view s) {
    for (char c : s) h_ = (h_ ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
    h_ = (h_ ^ 0xff) * 0x100000001b3ull;  // separator
  }
  uint64_t h_ = 0xcbf29ce484222325ull;
};

struct Record {
  const TableSpec* table;
  std::string id;
  Fields fields;

  const Value* get(std::string_view column) const {
    int i = table->index_of(column);
    for (const auto& f : fields)
      if (f.col == i) return &f.value;
    return nullptr;
  }
  std::string text(std::string_view column) const {
    const Value* v = get(column);
    return v ? std::get<std::string>(*v) : std::string();
  }
  int64_t integer(std::string_view column) const {
    const Value* v = get(column);
    return v ? std::get<int64_t>(*v) : -1;
  }
};

class CollectSink : public RecordSink {
 public:
  void put(const TableSpec& table, const std::string& id, const Fields& fields) override {
    hash.put(table, id, fields);
    records.push_back({&table, id, fields});
  }
  std::vector<Record> records;
  HashSink hash;
};

struct Park {
  ParkCounts counts;
  CollectSink sink;
  std::map<std::string, std::vector<const Record*>> by_table;
  std::unordered_map<std::string, const Record*> by_id;

  const std::vector<const Record*>& rows(const std::string& table) { return by_table[table]; }
};

// Generated once: the suite runs under sanitizers.
Park& park() {
  static Park* p = [] {
    auto* park = new Park;
    park->counts = generate_park(options(), park->sink);
    for (const auto& r : park->sink.records) {
      park->by_table[std::string(r.table->name)].push_back(&r);
      park->by_id[r.id] = &r;
    }
    return park;
  }();
  return *p;
}

// Shoelace area of a ring, in square degrees.
double area(const geo::Ring& r) {
  double twice = 0;
  for (size_t i = 0, j = r.size() - 1; i < r.size(); j = i++) twice += (r[j].lon - r[i].lon) * (r[j].lat + r[i].lat);
  return std::abs(twice) / 2;
}

// Calls f with each code point of UTF-8 text (already checked valid by the
// schema).
template <typename F>
void for_each_code_point(std::string_view s, F f) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
    for (int k = 1; k < n && i + static_cast<size_t>(k) < s.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + static_cast<size_t>(k)]) & 0x3F);
    f(cp);
    i += static_cast<size_t>(n);
  }
}

}  // namespace

TEST_SUITE("demo park") {
  TEST_CASE("sizes are the park's published figures (DESIGN §1)") {
    Park& p = park();
    const ParkCounts& c = p.counts;
    CHECK(c.zones == 3);
    CHECK(c.unit_grids == 12);
    CHECK(c.level3_grids == 47);
    CHECK(c.communities == 17);
    CHECK(c.enterprises == 332);
    CHECK(c.large_enterprises == 122);
    CHECK(c.residents == 42'684);
    CHECK(c.departments == 12);
    CHECK(c.users == 1 + 1 + 3 + 12 + 168 + 24);
    CHECK(c.full_time_workers == 12);
    CHECK(c.part_time_workers == 168);
    CHECK(c.chiefs == 3);
    CHECK(c.cadres == 24);
    CHECK(c.households > 13'000);
    CHECK(c.households < 17'000);

    // The counts say what was written.
    CHECK(p.rows("grids").size() == 62);
    CHECK(p.rows("enterprises").size() == 332);
    CHECK(p.rows("residents").size() == 42'684);
    CHECK(p.rows("households").size() == static_cast<size_t>(c.households));
    CHECK(p.rows("departments").size() == 12);
    CHECK(p.rows("users").size() == 209);
    CHECK(p.rows("assignments").size() == static_cast<size_t>(c.assignments));
    CHECK(p.rows("patrols").size() == static_cast<size_t>(c.patrols));
    CHECK(p.rows("visits").size() == static_cast<size_t>(c.visits));
    CHECK(p.rows("cases").size() == static_cast<size_t>(c.cases));
    CHECK(p.rows("case_log").size() == static_cast<size_t>(c.case_log));
    CHECK(c.patrols >= 300);
    CHECK(c.patrols <= 2'500);
    CHECK(c.visits >= 2'000);
    CHECK(c.cases >= 200);

    int large = 0;
    std::set<std::string> firm_names;
    for (const auto* r : p.rows("enterprises")) {
      large += r->integer("large") == 1;
      CHECK(firm_names.insert(r->text("name")).second);
      CHECK(r->text("name").find("公司") != std::string::npos);
    }
    CHECK(large == 122);

    std::map<std::string, int> by_kind;
    for (const auto* g : p.rows("grids")) ++by_kind[g->text("kind") + std::to_string(g->integer("level"))];
    CHECK(by_kind["zone1"] == 3);
    CHECK(by_kind["unit2"] == 12);
    CHECK(by_kind["community3"] + by_kind["enterprise3"] == 47);
    CHECK(by_kind["community3"] == 10);  // 4 large communities alone, 13 smaller in 6 grids
  }

  TEST_CASE("the same seed and now give the same bytes; another seed does not") {
    HashSink again;
    generate_park(options(), again);
    CHECK(again.records == park().sink.records.size());
    CHECK(again.hash() == park().sink.hash.hash());

    // Another seed differs from the first records on; no need to finish it.
    struct Stop {};
    class First : public RecordSink {
     public:
      void put(const TableSpec& t, const std::string& id, const Fields& f) override {
        if (hash.records == 500) throw Stop{};
        hash.put(t, id, f);
      }
      HashSink hash;
    } other, same;
    CHECK_THROWS_AS(generate_park(options(ParkOptions{}.seed + 1), other), Stop);
    CHECK_THROWS_AS(generate_park(options(), same), Stop);
    CHECK(other.hash.hash() != same.hash.hash());
  }

  TEST_CASE("every record passes the schema's own checks, fields in spec order") {
    // One assertion per failure kind, not per field: 65,000 records.
    std::string first_error;
    int errors = 0;
    auto fail = [&](const Record& r, const std::string& what) {
      if (errors++ == 0) first_error = std::string(r.table->name) + " " + r.id + ": " + what;
    };
    for (const auto& r : park().sink.records) {
      if (auto st = check_required(*r.table, r.fields); !st) fail(r, st.error().message);
      int last = -1;
      for (const auto& f : r.fields) {
        if (static_cast<int>(f.col) <= last) fail(r, "fields out of spec order");
        last = f.col;
        if (is_null(f.value)) fail(r, "a null field");
        if (auto st = check_value(*r.table, r.table->columns[f.col], f.value); !st) fail(r, st.error().message);
      }
    }
    CHECK_MESSAGE(errors == 0, first_error);
  }

  TEST_CASE("ids are unique UUIDv7s") {
    std::set<std::string> seen;
    size_t bad = 0;
    for (const auto& r : park().sink.records) bad += !is_uuid_text(r.id) || !seen.insert(r.id).second;
    CHECK(bad == 0);
    CHECK(seen.size() == park().sink.records.size());
  }

  TEST_CASE("grids form the hierarchy, with unique codes and linked departments") {
    Park& p = park();
    std::set<std::string> codes;
    std::map<std::string, std::string> department_grid;
    for (const auto* d : p.rows("departments")) department_grid[d->id] = d->text("grid_id");
    std::set<std::string> linked_units;
    for (const auto* g : p.rows("grids")) {
      INFO(g->text("name"));
      CHECK(codes.insert(g->text("code")).second);
      CHECK(g->text("code").size() <= 24);
      CHECK(g->text("code").rfind("350503", 0) == 0);
      CHECK(g->text("mode") == "normal");
      CHECK(g->integer("epoch") == 0);
      int64_t level = g->integer("level");
      if (level == 1) {
        CHECK(g->get("parent_id") == nullptr);
        continue;
      }
      REQUIRE(p.by_id.count(g->text("parent_id")));
      const Record* parent = p.by_id[g->text("parent_id")];
      CHECK(parent->integer("level") == level - 1);
      size_t prefix = level == 3 ? 12 : 10;  // area, street, zone (and unit)
      CHECK(g->text("code").substr(0, prefix) == parent->text("code").substr(0, prefix));
      if (level == 2) {
        std::string dept = g->text("department_id");
        REQUIRE(department_grid.count(dept));
        CHECK(department_grid[dept] == g->id);
        linked_units.insert(g->id);
      }
    }
    CHECK(linked_units.size() == 12);
    std::vector<std::string> zone_names;
    for (const auto* g : p.rows("grids"))
      if (g->integer("level") == 1) zone_names.push_back(g->text("name"));
    CHECK(zone_names == std::vector<std::string>{"崇泰片", "崇宏片", "崇文片"});
  }

  TEST_CASE("polygons tile the park: children exactly partition their parent") {
    Park& p = park();
    std::map<std::string, geo::Polygon> shape;
    std::map<std::string, std::vector<std::string>> children;
    std::vector<std::string> zones, level3;
    for (const auto* g : p.rows("grids")) {
      auto polygon = geo::parse_polygon(g->text("polygon"));  // simple, in range, not too many points
      REQUIRE_MESSAGE(polygon, g->text("code"));
      CHECK(polygon->outer().size() > 4);  // bent, not a rectangle
      shape[g->id] = std::move(*polygon);
      if (g->get("parent_id")) children[g->text("parent_id")].push_back(g->id);
      if (g->integer("level") == 1) zones.push_back(g->id);
      if (g->integer("level") == 3) level3.push_back(g->id);
    }
    // Areas add up: the children cover their parent without overlap.
    double park_area = 0;
    geo::Box park_box{{180, 90}, {-180, -90}};
    for (const auto& z : zones) {
      park_area += area(shape[z].outer());
      geo::Box b = geo::bounds(shape[z].outer());
      park_box = {{std::min(park_box.min.lon, b.min.lon), std::min(park_box.min.lat, b.min.lat)},
                  {std::max(park_box.max.lon, b.max.lon), std::max(park_box.max.lat, b.max.lat)}};
    }
    for (const auto& [parent, kids] : children) {
      double sum = 0;
      for (const auto& k : kids) sum += area(shape[k].outer());
      CHECK(sum == doctest::Approx(area(shape[parent].outer())).epsilon(1e-9));
    }
    // Every point of the park lies in exactly one level-3 grid, and in its
    // parent: sampled on a lattice that avoids the borders' own points.
    int outside = 0, twice = 0, orphan = 0;
    std::map<std::string, std::string> parent_of;
    for (const auto* g : p.rows("grids"))
      if (g->get("parent_id")) parent_of[g->id] = g->text("parent_id");
    for (int i = 0; i < 120; ++i)
      for (int j = 0; j < 100; ++j) {
        geo::LonLat q{park_box.min.lon + (park_box.max.lon - park_box.min.lon) * (i + 0.5137) / 120,
                      park_box.min.lat + (park_box.max.lat - park_box.min.lat) * (j + 0.4713) / 100};
        bool in_park = false;
        for (const auto& z : zones) in_park = in_park || geo::contains(shape[z], q);
        if (!in_park) continue;
        int hits = 0;
        for (const auto& l : level3)
          if (geo::contains(shape[l], q)) {
            ++hits;
            orphan += !geo::contains(shape[parent_of[l]], q);
          }
        outside += hits == 0;
        twice += hits > 1;
      }
    CHECK(outside == 0);
    CHECK(twice == 0);
    CHECK(orphan == 0);
    // Around Qingmeng, Quanzhou (about 118.55° E, 24.87° N).
    CHECK(park_box.min.lon >= 118.50);
    CHECK(park_box.max.lon <= 118.60);
    CHECK(park_box.min.lat >= 24.83);
    CHECK(park_box.max.lat <= 24.91);
  }

  TEST_CASE("points, fixes and tracks lie in their grids") {
    Park& p = park();
    std::map<std::string, geo::Polygon> shape;
    for (const auto* g : p.rows("grids")) shape[g->id] = *geo::parse_polygon(g->text("polygon"));
    auto in_grid = [&](const Record* r, std::string_view column) {
      auto fix = geo::parse_fix(r->text(column));
      REQUIRE(fix);
      return geo::contains(shape[r->text("grid_id")], fix->at_point);
    };
    int enterprises = 0, visits = 0, cases = 0;
    for (const auto* e : p.rows("enterprises")) enterprises += in_grid(e, "point");
    CHECK(enterprises == 332);
    for (const auto* v : p.rows("visits")) visits += in_grid(v, "fix");
    CHECK(visits == static_cast<int>(p.rows("visits").size()));
    int with_fix = 0;
    for (const auto* c : p.rows("cases")) {
      if (!c->get("fix")) {
        CHECK(c->text("source") == "hotline");  // a caller's words carry no fix
        continue;
      }
      ++with_fix;
      cases += in_grid(c, "fix");
    }
    CHECK(cases == with_fix);
    CHECK(with_fix > 0);

    std::map<std::string, const Record*> patrol;
    for (const auto* r : p.rows("patrols")) patrol[r->id] = r;
    CHECK(p.rows("tracks").size() == patrol.size());
    for (const auto* t : p.rows("tracks")) {
      auto points = geo::decode_track(t->text("points"));
      REQUIRE(points);
      REQUIRE(points->size() >= 2);
      const Record* pr = patrol[t->text("patrol_id")];
      REQUIRE(pr);
      CHECK(t->text("grid_id") == pr->text("grid_id"));
      CHECK(t->text("worker_id") == pr->text("worker_id"));
      CHECK(points->front().at_ms >= pr->integer("started_at"));
      CHECK(points->back().at_ms <= pr->integer("ended_at"));
      CHECK(pr->integer("distance_m") == std::llround(geo::length_m(*points)));
      // The walk stays in its grid, so nearly all its time is inside.
      CHECK(pr->integer("inside_ms") * 10 >= (points->back().at_ms - points->front().at_ms) * 9);
    }
    CHECK(p.rows("checkins").size() == patrol.size());
  }

  TEST_CASE("accounts and responsibility assignments follow DESIGN §10") {
    Park& p = park();
    std::map<std::string, const Record*> user;
    for (const auto* u : p.rows("users")) user[u->text("username")] = u;
    REQUIRE(user.count("admin01"));
    REQUIRE(user.count("supervisor01"));
    CHECK(user["admin01"]->text("roles") == "admin");
    CHECK(user["supervisor01"]->text("roles") == "supervisor");
    for (int i = 1; i <= 3; ++i) CHECK(user.count("chief0" + std::to_string(i)));
    for (int i = 1; i <= 12; ++i) CHECK(user.count((i < 10 ? "worker0" : "worker") + std::to_string(i)));
    CHECK(user.count("pworker001"));
    CHECK(user.count("pworker168"));
    CHECK_FALSE(user.count("pworker169"));
    CHECK(user.count("cadre24"));

    std::vector<const Record*> units, level3;
    for (const auto* g : p.rows("grids")) {
      if (g->integer("level") == 2) units.push_back(g);
      if (g->integer("level") == 3) level3.push_back(g);
    }
    std::map<std::string, std::set<std::string>> grids_of;  // username -> grid ids
    for (const auto* a : p.rows("assignments")) {
      CHECK(a->text("kind") == "responsibility");
      CHECK(a->integer("active") == 1);
      const std::string& name = p.by_id.at(a->text("user_id"))->text("username");
      CHECK(grids_of[name].insert(a->text("grid_id")).second);
    }
    // worker0N: unit grid N and every level-3 grid below it.
    for (size_t n = 0; n < units.size(); ++n) {
      std::string name = (n < 9 ? "worker0" : "worker") + std::to_string(n + 1);
      std::set<std::string> want{units[n]->id};
      for (const auto* l : level3)
        if (l->text("parent_id") == units[n]->id) want.insert(l->id);
      CHECK(grids_of[name] == want);
    }
    // cadreNN serves department ceil(N/2), linked to unit grid ceil(N/2).
    const Record* cadre01 = user["cadre01"];
    const Record* cadre02 = user["cadre02"];
    CHECK(cadre01->text("department_id") == cadre02->text("department_id"));
    CHECK(p.by_id.at(cadre01->text("department_id"))->text("grid_id") == units[0]->id);
    CHECK(grids_of.count("cadre01") == 0);
    // Every level-3 grid has three or four part-timers; the chiefs hold
    // their zones whole.
    std::map<std::string, int> part_timers;
    for (const auto& [name, grids] : grids_of)
      if (name.rfind("pworker", 0) == 0) {
        CHECK(grids.size() == 1);
        ++part_timers[*grids.begin()];
      }
    CHECK(part_timers.size() == 47);
    for (const auto& [grid, n] : part_timers) CHECK((n == 3 || n == 4));
    CHECK(grids_of["chief01"].size() + grids_of["chief02"].size() + grids_of["chief03"].size() == 62);
  }

  TEST_CASE("households: members match residents, one head each, valid ID numbers") {
    Park& p = park();
    std::map<std::string, std::vector<const Record*>> members;
    std::set<std::string> id_numbers;
    // Counted, not asserted one by one: 42,684 residents.
    int bad_id = 0, duplicate_id = 0, wrong_year = 0, wrong_gender = 0;
    for (const auto* r : p.rows("residents")) {
      members[r->text("household_id")].push_back(r);
      std::string id = r->text("id_number");
      if (!is_id_number_text(id)) {
        ++bad_id;
        continue;
      }
      duplicate_id += !id_numbers.insert(id).second;
      wrong_year += std::stoi(id.substr(6, 4)) != r->integer("birth_year");
      bool male = (id[16] - '0') % 2 == 1;
      wrong_gender += r->text("gender") != (male ? "male" : "female");
    }
    CHECK(bad_id == 0);
    CHECK(duplicate_id == 0);
    CHECK(wrong_year == 0);
    CHECK(wrong_gender == 0);
    CHECK(members.size() == p.rows("households").size());
    int wrong_size = 0, wrong_heads = 0, wrong_head = 0, wrong_grid = 0, no_phone = 0;
    for (const auto* h : p.rows("households")) {
      const auto& people = members[h->id];
      int64_t n = h->integer("members");
      wrong_size += static_cast<int64_t>(people.size()) != n || n < 1 || n > 6;
      int heads = 0;
      for (const auto* r : people) {
        wrong_grid += r->text("grid_id") != h->text("grid_id");
        if (r->text("relation") == "户主") {
          ++heads;
          wrong_head += r->text("name") != h->text("head_name") || r->text("phone") != h->text("phone");
        }
      }
      wrong_heads += heads != 1;
      no_phone += h->text("phone").size() != 11;
    }
    CHECK(wrong_size == 0);
    CHECK(wrong_heads == 0);
    CHECK(wrong_head == 0);
    CHECK(wrong_grid == 0);
    CHECK(no_phone == 0);
  }

  TEST_CASE("cases: every status appears; each log is the case's path in time order") {
    Park& p = park();
    std::map<std::string, std::vector<const Record*>> log;
    for (const auto* e : p.rows("case_log")) log[e->text("case_id")].push_back(e);
    std::set<std::string> statuses;
    for (const auto* c : p.rows("cases")) {
      INFO(c->text("title"));
      std::string status = c->text("status");
      statuses.insert(status);
      const auto& steps = log[c->id];
      REQUIRE(!steps.empty());
      CHECK(steps.front()->text("action") == "report");
      CHECK(steps.front()->integer("at") == c->integer("reported_at"));
      CHECK(steps.back()->text("to_status") == status);
      for (size_t k = 1; k < steps.size(); ++k) {
        CHECK(steps[k]->text("from_status") == steps[k - 1]->text("to_status"));
        CHECK(steps[k]->integer("at") > steps[k - 1]->integer("at"));
        CHECK(steps[k]->text("grid_id") == c->text("grid_id"));
      }
      CHECK(steps.back()->integer("at") <= kNow);
      int reworks = 0;
      for (const auto* s : steps) reworks += s->text("action") == "rework";
      CHECK(reworks == c->integer("rework"));
      CHECK(c->integer("due_at") > c->integer("reported_at"));
      if (status == "evaluated") {
        CHECK(c->integer("score") >= 1);
        CHECK(c->integer("score") <= 5);
      } else {
        CHECK(c->get("score") == nullptr);
      }
      bool confidential = c->integer("confidential") == 1;
      if (confidential) {
        CHECK(c->text("source") == "hotline");
        CHECK(c->get("reporter_id") == nullptr);
      } else {
        CHECK(c->get("reporter_id") != nullptr);
      }
      if (c->text("source") == "hotline") CHECK(c->get("caller_phone") != nullptr);
      const CategorySpec* cat = find_category(c->text("category"));
      REQUIRE(cat);
      if (cat->dispute) CHECK(c->get("parties") != nullptr);
      if (c->get("route")) {
        CHECK(c->text("route") == (cat->route == RouteHint::department ? "department" : "grid"));
        CHECK((c->get("department_id") != nullptr) == (c->text("route") == "department"));
      }
    }
    for (auto s : kCaseStatusNames) CHECK_MESSAGE(statuses.count(std::string(s)), s);
  }

  TEST_CASE("every Chinese character is in the client font's common range") {
    // The ranges of GetGlyphRangesChineseSimplifiedCommon besides the
    // ideographs: Latin-1, punctuation, CJK symbols and kana, full-width forms.
    std::vector<char> renders(0x10000, 0);
    for (char32_t c = 0; c < 0x10000; ++c)
      renders[c] = c < 0x100 || (c >= 0x2000 && c <= 0x206F) || (c >= 0x3000 && c <= 0x30FF) ||
                   (c >= 0x31F0 && c <= 0x31FF) || (c >= 0xFF00 && c <= 0xFFEF);
    size_t ideographs = 0;
    for_each_code_point(common_hanzi(), [&](char32_t c) {
      ideographs += c >= 0x4E00 && c <= 0x9FFF;
      renders[c] = true;
    });
    CHECK(ideographs == 2500);
    std::set<char32_t> missing;
    for (const auto& r : park().sink.records)
      for (const auto& f : r.fields) {
        const auto* s = std::get_if<std::string>(&f.value);
        if (!s) continue;
        for_each_code_point(*s, [&](char32_t c) {
          if (c >= renders.size() || !renders[c]) missing.insert(c);
        });
      }
    std::string text;
    for (char32_t c : missing) text += std::to_string(static_cast<uint32_t>(c)) + " ";
    CHECK_MESSAGE(missing.empty(), text);
  }

  TEST_CASE("the park written through SqliteSink has every resident") {
    auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    std::string path = "/tmp/gridwork-demo-test-" + std::to_string(getpid()) + "-" + std::to_string(stamp) + ".db";
    const ParkCounts& counts = park().counts;
    {
      SqliteDb db(path);
      SqliteSink sink(db);
      // The records of the park generated above, put again in their order.
      for (const auto& r : park().sink.records) sink.put(*r.table, r.id, r.fields);
      sink.finish();
      CHECK(db.query_int("SELECT COUNT(*) FROM residents") == 42'684);
      CHECK(db.query_int("SELECT COUNT(*) FROM grids") == 62);
      CHECK(db.query_int("SELECT COUNT(*) FROM users") == 209);
      CHECK(db.query_int("SELECT COUNT(*) FROM cases") == counts.cases);
      CHECK(db.query_int("SELECT COUNT(DISTINCT household_id) FROM residents") == counts.households);
      CHECK(db.query_int("SELECT COUNT(*) FROM enterprises WHERE large = 1") == 122);
    }
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }
}

namespace {

// The city's records split by park (each park starts with its grids), hashed
// and counted per park, with what must be unique across the city.
class CitySink : public RecordSink {
 public:
  struct ParkSeen {
    HashSink hash;
    std::map<std::string, size_t> rows;  // by table
    std::vector<std::string> usernames;
    std::vector<geo::Box> zones;
  };
  void put(const TableSpec& table, const std::string& id, const Fields& fields) override {
    if (table.name == "grids" && last_ != "grids") parks.emplace_back();
    last_ = table.name;
    ParkSeen& p = parks.back();
    p.hash.put(table, id, fields);
    ++p.rows[std::string(table.name)];
    duplicate_ids += !ids.insert(id).second;
    Record r{&table, id, fields};
    if (table.name == "users") p.usernames.push_back(r.text("username"));
    if (table.name == "grids") {
      duplicate_codes += !codes.insert(r.text("code")).second;
      duplicate_grid_names += !grid_names.insert(r.text("name")).second;
      if (r.integer("level") == 1) p.zones.push_back(geo::bounds(geo::parse_polygon(r.text("polygon"))->outer()));
    }
  }
  std::vector<ParkSeen> parks;
  std::set<std::string> ids, codes, grid_names;
  int duplicate_ids = 0, duplicate_codes = 0, duplicate_grid_names = 0;

 private:
  std::string_view last_;
};

CitySink& city() {
  static CitySink* c = [] {
    auto* sink = new CitySink;
    ParkCounts counts = generate_city(options(), 3, *sink);
    CHECK(counts.users == 3 * 209);
    CHECK(counts.residents == 3 * 42'684);
    return sink;
  }();
  return *c;
}

bool overlaps(const geo::Box& a, const geo::Box& b) {
  return a.min.lon < b.max.lon && b.min.lon < a.max.lon && a.min.lat < b.max.lat && b.min.lat < a.max.lat;
}

}  // namespace

TEST_SUITE("demo city") {
  TEST_CASE("park 1 of a city is the demo park, byte for byte") {
    REQUIRE(city().parks.size() == 3);
    CHECK(city().parks[0].hash.records == park().sink.records.size());
    CHECK(city().parks[0].hash.hash() == park().sink.hash.hash());
    const auto& names = city().parks[0].usernames;
    for (const char* fixed : {"admin01", "supervisor01", "chief01", "chief03", "worker01", "worker12", "pworker168",
                              "cadre24"})
      CHECK(std::find(names.begin(), names.end(), fixed) != names.end());
  }

  TEST_CASE("a city is deterministic: park N alone gives the city's park N") {
    HashSink alone;
    ParkOptions o = options();
    o.park = 3;
    generate_park(o, alone);
    CHECK(alone.records == city().parks[2].hash.records);
    CHECK(alone.hash() == city().parks[2].hash.hash());
    CHECK(city().parks[1].hash.hash() != city().parks[0].hash.hash());
    CHECK(city().parks[2].hash.hash() != city().parks[1].hash.hash());
  }

  TEST_CASE("ids, accounts, grid codes and names are unique across parks; accounts carry the park") {
    CHECK(city().duplicate_ids == 0);
    CHECK(city().duplicate_codes == 0);
    CHECK(city().duplicate_grid_names == 0);
    std::set<std::string> accounts;
    for (size_t p = 0; p < city().parks.size(); ++p) {
      std::string prefix = p == 0 ? "" : "p0" + std::to_string(p + 1) + "-";
      for (const auto& u : city().parks[p].usernames) {
        CHECK(accounts.insert(u).second);
        if (p > 0) CHECK(u.starts_with(prefix));
      }
    }
    CHECK(accounts.count("p02-worker01") == 1);
    CHECK(accounts.count("p03-supervisor01") == 1);
    CHECK(park_account(1, "chief01") == "chief01");
    CHECK(park_account(12, "chief01") == "p12-chief01");
  }

  TEST_CASE("counts scale with the parks; parks lie apart on the map") {
    const auto& first = city().parks[0].rows;
    for (const auto& p : city().parks) {
      // The park's shape is fixed (DESIGN §1): the same in every park.
      for (const char* t : {"grids", "departments", "users", "assignments", "enterprises", "residents"})
        CHECK_MESSAGE(p.rows.at(t) == first.at(t), t);
      // Its households and history are drawn: near park 1's.
      for (const char* t : {"households", "patrols", "visits", "cases", "case_log"}) {
        CHECK_MESSAGE(p.rows.at(t) * 10 > first.at(t) * 8, t);
        CHECK_MESSAGE(p.rows.at(t) * 10 < first.at(t) * 12, t);
      }
    }
    for (size_t a = 0; a < city().parks.size(); ++a)
      for (size_t b = a + 1; b < city().parks.size(); ++b)
        for (const auto& za : city().parks[a].zones)
          for (const auto& zb : city().parks[b].zones) CHECK_FALSE(overlaps(za, zb));
  }

  TEST_CASE("park numbers out of range are refused") {
    HashSink none;
    CHECK_THROWS_AS(generate_city(options(), 0, none), std::invalid_argument);
    CHECK_THROWS_AS(generate_city(options(), kMaxParks + 1, none), std::invalid_argument);
    ParkOptions o = options();
    o.park = kMaxParks + 1;
    CHECK_THROWS_AS(generate_park(o, none), std::invalid_argument);
    CHECK(none.records == 0);
  }
}
