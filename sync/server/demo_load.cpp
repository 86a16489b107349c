#include "sync/server/demo_load.hpp"

#include <functional>
#include <memory>
#include <optional>

#include "shared/codec.hpp"
#include "shared/tuning.hpp"

namespace gw::sync {

namespace {
class ServerSink : public demo::RecordSink {
 public:
  explicit ServerSink(ServerEngine& s) : server_(s) {}
  void put(const TableSpec& t, const std::string& id, const Fields& fields) override {
    if (!txn_) txn_ = server_.begin_write();
    server_.write_as_server(t, id, fields);
    if (++rows_ % tuning::kBulkTxnRows == 0) finish();
  }
  void finish() {
    if (txn_) txn_->commit();
    txn_.reset();
  }

 private:
  ServerEngine& server_;
  std::unique_ptr<Txn> txn_;
  size_t rows_ = 0;
};
}  // namespace

demo::ParkCounts load_demo_park(ServerEngine& server, const demo::ParkOptions& options) {
  ServerSink sink(server);
  auto counts = demo::generate_park(options, sink);
  sink.finish();
  return counts;
}

demo::ParkCounts load_demo_city(ServerEngine& server, const demo::ParkOptions& options, int parks) {
  ServerSink sink(server);
  auto counts = demo::generate_city(options, parks, sink);
  sink.finish();
  return counts;
}

namespace {

// Two users correct the same records from their tablets, neither seeing the
// other's change: `edit(i, column, side)` gives side 0's and side 1's value
// of record i, or nullopt to leave the column alone.
using Edit = std::function<std::optional<Value>(size_t i, const Row& row, std::string_view column, int side)>;

int concurrent_edits(ServerEngine& server, UuidV7& uuids, const TableSpec& t, const std::vector<std::string>& rows,
                     const std::vector<std::string_view>& columns, const UserInfo* users[2], const Edit& edit) {
  std::vector<Patch> sides[2];
  std::string names[2] = {"demo-tablet-" + users[0]->username, "demo-tablet-" + users[1]->username};
  for (size_t i = 0; i < rows.size(); ++i) {
    Row row;
    if (!server.store().load(t, rows[i], row)) continue;
    for (int side = 0; side < 2; ++side) {
      Patch x;
      x.table = &t;
      x.row = rows[i];
      x.origin = names[side];
      for (auto c : columns) {
        auto v = edit(i, row, c, side);
        if (!v) continue;
        auto col = static_cast<uint16_t>(t.index_of(c));
        x.set.push_back({col, std::move(*v)});
        x.base.emplace_back(col, row.clocks[col].hlc);  // both start from what the server holds now
      }
      if (!x.set.empty()) sides[side].push_back(std::move(x));
    }
  }
  int opened = 0;
  for (int side = 0; side < 2; ++side) {
    PushRequest req;
    req.batch = uuids.next(server.clock().wall_ms());
    for (auto& x : sides[side]) {
      x.id = uuids.next(server.clock().wall_ms());
      x.hlc = server.clock().now();
      req.patches.push_back(encode_patch(x));
    }
    auto body = parse_json(encode(req));
    if (!body) continue;
    if (auto answer = server.push(Principal{users[side]->id, names[side]}, std::move(*body))) opened += answer->conflicts;
  }
  return opened;
}

std::vector<std::string> rows_held_by(ServerEngine& server, const TableSpec& t, const std::string& username, int n) {
  auto u = server.directory().user_by_name(username);
  if (!u) return {};
  auto s = server.store().db().prepare(
      "SELECT r.id FROM " + std::string(t.name) + " r JOIN assignments a ON a.grid_id = r.grid_id WHERE a.user_id = ? "
      "AND a.active = 1 ORDER BY r.id LIMIT ?");
  s.bind(1, u->id).bind(2, int64_t{n});
  std::vector<std::string> out;
  while (s.step()) out.emplace_back(s.text(0));
  return out;
}

std::string text_at(const TableSpec& t, const Row& row, std::string_view c) {
  return text_or_empty(row.values[static_cast<size_t>(t.index_of(c))]);
}

int64_t int_at(const TableSpec& t, const Row& row, std::string_view c, int64_t otherwise) {
  auto* v = std::get_if<int64_t>(&row.values[static_cast<size_t>(t.index_of(c))]);
  return v ? *v : otherwise;
}

}  // namespace

int seed_demo_conflicts(ServerEngine& server) {
  UuidV7 uuids(0x6465'6d6f'636f'6e66ull);  // "democonf"
  int opened = 0;
  // Enterprises of pworker002's grid, which worker01 also holds (through its unit grid).
  auto w1 = server.directory().user_by_name("worker01"), p2 = server.directory().user_by_name("pworker002");
  if (w1 && p2) {
    const TableSpec& t = *find_table("enterprises");
    const UserInfo* users[2] = {&*w1, &*p2};
    opened += concurrent_edits(
        server, uuids, t, rows_held_by(server, t, "pworker002", 2), {"contact_phone", "employees", "address"}, users,
        [&](size_t i, const Row& row, std::string_view c, int side) -> std::optional<Value> {
          if (c == "contact_phone") return std::string(side ? "13805910456" : "13905910123");
          if (i == 0) return std::nullopt;
          if (c == "employees") return int_at(t, row, c, 50) + (side ? -3 : 5);
          return text_at(t, row, c) + (side ? "（西门）" : "（东门）");
        });
  }
  // Households of pworker010's community grid, which worker03 holds.
  auto w3 = server.directory().user_by_name("worker03"), p10 = server.directory().user_by_name("pworker010");
  if (w3 && p10) {
    const TableSpec& t = *find_table("households");
    const UserInfo* users[2] = {&*w3, &*p10};
    opened += concurrent_edits(
        server, uuids, t, rows_held_by(server, t, "pworker010", 2), {"head_name", "members"}, users,
        [&](size_t i, const Row& row, std::string_view c, int side) -> std::optional<Value> {
          std::string name = text_at(t, row, "head_name");
          if (c == "head_name") return name.substr(0, std::min<size_t>(3, name.size())) + (side ? "建华" : "建国");
          if (i == 0) return std::nullopt;
          return std::max<int64_t>(1, int_at(t, row, c, 2) + (side ? -1 : 1));
        });
  }
  return opened;
}

}  // namespace gw::sync
