// A small park on a server engine, and devices wired to it over loopback:
// the peers of the sync tests, all in one process.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "shared/codec.hpp"
#include "shared/uuid.hpp"
#include "sync/server/loopback.hpp"
#include "sync/device/replica.hpp"
#include "sync/server/server_engine.hpp"
#include "sync/device/sync_client.hpp"

namespace gw::sync::test {

inline const TableSpec& T(const char* name) { return *find_table(name); }

inline Fields F(const TableSpec& t, std::initializer_list<std::pair<std::string_view, Value>> kv) {
  return fields_of(t, kv);
}

inline const int64_t kStart = 1'780'000'000'000;

struct Device {
  std::unique_ptr<Db> db;
  std::unique_ptr<Hlc> clock;
  std::unique_ptr<Replica> replica;
  std::unique_ptr<LoopbackTransport> link;
  std::unique_ptr<SyncClient> client;
  int64_t skew = 0;
};

// Grids: unit U with level-3 grids A and B; another unit V with C.
// Users: worker (A), pworker (B), supervisor, admin, cadre (department of U).
class Park {
 public:
  Park() : server_db(":memory:"), server_clock([this] { return wall; }), server(server_db, server_clock, 99) {
    Txn txn(server.store());
    put("departments", "D", {{"name", std::string("应急管理局")}});
    grid("U", "", 2, "unit", "D");
    grid("V", "", 2, "unit", "");
    grid("A", "U", 3, "community", "");
    grid("B", "U", 3, "community", "");
    grid("C", "V", 3, "community", "");
    add_user("worker", "worker", "", "A");
    add_user("pworker", "worker", "", "B");
    add_user("supervisor", "supervisor", "", "");
    add_user("admin", "admin", "", "");
    add_user("cadre", "cadre", "D", "");
    for (const char* g : {"A", "B", "C"})
      for (int i = 0; i < 2; ++i)
        put("households", std::string(g) + "h" + std::to_string(i),
            {{"grid_id", id(g)}, {"address", std::string(g) + "栋" + std::to_string(i)},
             {"head_name", std::string("户主") + g}, {"phone", std::string("13800000000")}});
    txn.commit();
  }

  std::string id(const std::string& key) {
    auto& v = ids[key];
    if (v.empty()) v = gen.next(wall);
    return v;
  }

  Device& device(const std::string& user_key, const std::string& name) {
    auto& d = devices[name];
    if (d.db) return d;
    d.db = std::make_unique<SqliteDb>(":memory:");
    Device* raw = &d;
    d.clock = std::make_unique<Hlc>([this, raw] { return wall + raw->skew; });
    d.replica = std::make_unique<Replica>(*d.db, "dev-" + name, *d.clock, 7 + devices.size());
    d.link = std::make_unique<LoopbackTransport>(server, Principal{id(user_key), "dev-" + name});
    d.client = std::make_unique<SyncClient>(*d.replica, *d.link);
    return d;
  }

  void put(const char* table, const std::string& key, std::initializer_list<std::pair<std::string_view, Value>> kv) {
    server.write_as_server(T(table), id(key), F(T(table), kv));
  }

  // A user with `roles` (csv), of department `dept` and responsible for
  // grid `grid_key` (keys; "" for none).
  void add_user(const std::string& key, const char* roles, const char* dept, const char* grid_key) {
    Fields f = F(T("users"), {{"username", key}, {"name", key}, {"roles", std::string(roles)}});
    if (*dept) f.push_back({static_cast<uint16_t>(T("users").index_of("department_id")), id(dept)});
    server.write_as_server(T("users"), id(key), f);
    if (*grid_key)
      put("assignments", key + "@" + grid_key,
          {{"user_id", id(key)}, {"grid_id", id(grid_key)}, {"kind", std::string("responsibility")},
           {"active", int64_t{1}}, {"from_at", kStart - 86'400'000}});
  }

  int64_t wall = kStart;
  SqliteDb server_db;
  Hlc server_clock;
  ServerEngine server;
  UuidV7 gen{5};
  std::map<std::string, std::string> ids;
  std::map<std::string, Device> devices;

 private:
  void grid(const char* key, const char* parent, int level, const char* kind, const char* dept) {
    Fields f = F(T("grids"), {{"level", int64_t{level}}, {"code", std::string("350503000") + key},
                              {"name", std::string("网格") + key}, {"kind", std::string(kind)},
                              {"mode", std::string("normal")}});
    if (*parent) f.push_back({static_cast<uint16_t>(T("grids").index_of("parent_id")), id(parent)});
    if (*dept) f.push_back({static_cast<uint16_t>(T("grids").index_of("department_id")), id(dept)});
    server.write_as_server(T("grids"), id(key), f);
  }
};

inline std::string text(Replica& r, const char* table, const std::string& row, const char* col) {
  Row out;
  if (!r.store().load(T(table), row, out)) return "<absent>";
  return value_to_string(out.values[static_cast<size_t>(T(table).index_of(col))]);
}

}  // namespace gw::sync::test
