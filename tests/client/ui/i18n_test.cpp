// The client's words: both languages carry the same keys, no text is empty,
// and every key the code asks for exists — read from the sources themselves,
// so a new tr("...") without a translation fails here, not on a tablet.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "client/core/checklists.hpp"
#include "client/core/i18n.hpp"
#include "shared/schema.hpp"
#include "shared/workflow.hpp"

namespace fs = std::filesystem;
using namespace gw;
using namespace gw::client;

namespace {

const std::string kSource = GRIDWORK_SOURCE_DIR;

std::unordered_map<std::string, std::string> table(const std::string& lang) {
  auto t = read_string_table(kSource + "/assets/i18n/" + lang + ".json");
  REQUIRE_MESSAGE(t.is_ok(), lang);
  return *t;
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Literal keys matched by `re` (group 1) in the .cpp files under dir.
std::set<std::string> literals(const std::string& dir, const std::regex& re, bool recursive) {
  std::set<std::string> keys;
  auto scan = [&](const fs::path& p) {
    if (p.extension() != ".cpp") return;
    const std::string text = read(p);
    for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it) keys.insert((*it)[1]);
  };
  if (recursive)
    for (const auto& e : fs::recursive_directory_iterator(dir)) scan(e.path());
  else
    for (const auto& e : fs::directory_iterator(dir)) scan(e.path());
  return keys;
}

std::set<std::string> substitutions(const std::string& text) {
  std::set<std::string> out;
  static const std::regex re(R"(\{[0-9]+\})");
  for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it) out.insert(it->str());
  return out;
}

}  // namespace

TEST_CASE("i18n: zh_CN and en have the same keys, none empty, same {n} substitutions") {
  const auto zh = table("zh_CN");
  const auto en = table("en");
  CHECK(zh.size() > 200);
  for (const auto& [key, text] : zh) {
    CHECK_MESSAGE(en.count(key) == 1, "en lacks " << key);
    CHECK_MESSAGE(!text.empty(), "empty zh_CN text for " << key);
    if (auto it = en.find(key); it != en.end()) CHECK_MESSAGE(substitutions(text) == substitutions(it->second), key);
  }
  for (const auto& [key, text] : en) {
    CHECK_MESSAGE(zh.count(key) == 1, "zh_CN lacks " << key);
    CHECK_MESSAGE(!text.empty(), "empty en text for " << key);
  }
}

TEST_CASE("i18n: every key the window asks for exists") {
  const auto zh = table("zh_CN");
  const std::regex re(R"re(\b(?:tr|c|format)\("([A-Za-z0-9_.]+)")re");
  const auto keys = literals(kSource + "/client/ui", re, true);
  CHECK(keys.size() > 100);
  for (const auto& k : keys) {
    if (k.back() == '.') continue;  // a prefix: families are checked below
    CHECK_MESSAGE(zh.count(k) == 1, "assets/i18n lacks " << k << " (used in client/ui)");
  }
}

TEST_CASE("i18n: every notice and error the core emits exists") {
  const auto zh = table("zh_CN");
  const std::regex re(R"re("((?:notice|error)\.[a-z0-9_.]+)")re");
  const auto keys = literals(kSource + "/client/core", re, false);
  CHECK(!keys.empty());
  for (const auto& k : keys) CHECK_MESSAGE(zh.count(k) == 1, "assets/i18n lacks " << k << " (emitted by client/core)");
  // Errors are also named after their Code (shared/error.cpp's table).
  for (int c = static_cast<int>(Code::ok); c <= static_cast<int>(Code::internal); ++c) {
    const std::string k = message_key(static_cast<Code>(c));
    CHECK_MESSAGE(zh.count(k) == 1, "assets/i18n lacks " << k);
  }
}

TEST_CASE("i18n: the families of keys built from data exist") {
  const auto zh = table("zh_CN");
  auto has = [&](const std::string& k) { CHECK_MESSAGE(zh.count(k) == 1, "assets/i18n lacks " << k); };
  for (auto s : kCaseStatusNames) has("status." + std::string(s));
  for (auto a : kCaseActionNames) has("action." + std::string(a));
  for (auto s : {"low", "normal", "high", "urgent"}) has(std::string("severity.") + s);
  for (auto p : {"routine", "care", "dispute", "safety", "policy", "service"}) has(std::string("purpose.") + p);
  for (auto s : {"patrol", "visit", "hotline", "assigned"}) has(std::string("source.") + s);
  for (auto k : {"zone", "unit", "community", "enterprise", "household"}) {
    has(std::string("kind.") + k);
    for (const CheckItem& item : checklist_for(k)) has("check." + std::string(item.key));
  }
  for (auto k : {"responsibility", "takeover", "task", "department_cases"}) has(std::string("assignment.") + k);
  for (auto r : {"grid", "department"}) has(std::string("route.") + r);
  // The dispatch queue's stages are the statuses waiting for a triage step.
  for (auto s : {"reported", "accepted", "resolved", "verified", "closed"}) has(std::string("dispatch.stage.") + s);
  for (auto m : {"normal", "takeover"}) has(std::string("mode.") + m);
  for (auto p : {"rejected", "quarantined"}) has(std::string("problem.") + p);
  // The home screen's notices by their event (the server's words are only a fallback).
  for (auto e : {"takeover_started", "takeover_ended", "assigned", "unassigned"}) has(std::string("notices.") + e);
  for (auto l : kLanguages) has("lang." + std::string(l));
  for (const TableSpec& t : all_tables()) has("table." + std::string(t.name));
  // The conflict review: its kinds, choices and states, and a name for every
  // field two writers may dispute (review and state columns).
  for (auto k : {"review", "state", "quarantine"}) has(std::string("conflicts.kind.") + k);
  for (auto c : {"ours", "theirs", "base", "custom", "accept", "refuse"}) has(std::string("conflicts.choice.") + c);
  for (auto s : {"accepted", "quarantined", "rejected"}) has(std::string("conflicts.history_status.") + s);
  for (auto s : {"resolved", "refused"}) has(std::string("conflicts.status.") + s);
  for (const TableSpec& t : all_tables())
    for (const ColumnSpec& c : t.columns)
      if (c.merge == Merge::review || c.merge == Merge::state)
        has("column." + std::string(t.name) + "." + std::string(c.name));
}

TEST_CASE("Strings: fallback to zh_CN, missing keys show themselves, format") {
  const std::string dir = (fs::temp_directory_path() / "gw-i18n-test").string();
  fs::create_directories(dir + "/i18n");
  std::ofstream(dir + "/i18n/zh_CN.json") << R"({"a":"甲","b":"乙 {0} / {1}","only_zh":"只有中文"})";
  std::ofstream(dir + "/i18n/en.json") << R"({"a":"A","b":"B {1} of {0}"})";
  auto zh = Strings::load(dir, "zh_CN");
  REQUIRE(zh.is_ok());
  CHECK(zh->tr("a") == "甲");
  CHECK(zh->format("b", {"1", "2"}) == "乙 1 / 2");
  auto en = Strings::load(dir, "en");
  REQUIRE(en.is_ok());
  CHECK(en->lang() == "en");
  CHECK(en->tr("a") == "A");
  CHECK(en->tr("only_zh") == "只有中文");
  CHECK(en->tr("no.such.key") == "no.such.key");
  CHECK(std::string(en->c("no.such.key")) == "no.such.key");
  CHECK(en->format("b", {"x", "y"}) == "B y of x");
  CHECK(en->all_text().find("只有中文") != std::string::npos);
  CHECK(!Strings::load(dir, "fr").is_ok());
  std::ofstream(dir + "/i18n/en.json") << R"({"a":1})";
  CHECK(!Strings::load(dir, "en").is_ok());
  fs::remove_all(dir);
}

TEST_CASE("find_assets_dir: environment first, then the source tree") {
  CHECK(fs::exists(find_assets_dir("") + "/i18n/zh_CN.json"));
  CHECK(fs::exists(find_assets_dir(kSource + "/build/bin/gridwork") + "/i18n/en.json"));
}
