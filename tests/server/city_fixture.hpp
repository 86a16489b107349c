// What the tests of several servers, PostgreSQL and migration share: a
// scratch directory, and one column of chosen rows as a database holds it,
// to compare tablets with the server's database row by row.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "shared/db.hpp"
#include "shared/schema.hpp"

namespace gw::test {

struct ScratchDir {
  ScratchDir() {
    char tmpl[] = "/tmp/gridwork-city-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string path;
};

inline const TableSpec& table(const char* t) { return *find_table(t); }
inline uint16_t column(const char* t, const char* c) { return static_cast<uint16_t>(find_table(t)->index_of(c)); }

// households.notes of each id ("<missing>" where the row is not held).
inline std::map<std::string, std::string> notes_of(Db& db, const std::vector<std::string>& ids) {
  std::map<std::string, std::string> out;
  auto q = db.prepare("SELECT coalesce(notes, '') FROM households WHERE id = ?");
  for (const auto& id : ids) {
    q.bind(1, id);
    out[id] = q.step() ? std::string(q.text(0)) : "<missing>";
    q.reset();
  }
  return out;
}

}  // namespace gw::test
