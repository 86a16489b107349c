// The cost of encryption at rest on the tablet (DESIGN §8): a device backfills
// its store from a server engine over loopback, once in clear and once with
// its personal data sealed under a data key, in turns; then a search of every
// household by name through gw_open. Prints `bench seal.METRIC VALUE UNIT`.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "client/core/data_key.hpp"
#include "sync/server/demo_load.hpp"
#include "sync/server/loopback.hpp"
#include "sync/device/sync_client.hpp"

using namespace gw;
using namespace gw::sync;
using Steady = std::chrono::steady_clock;

namespace {

int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

double seconds_since(Steady::time_point t0) { return std::chrono::duration<double>(Steady::now() - t0).count(); }

// One backfill into a fresh file; returns its seconds and rows.
std::pair<double, int64_t> backfill(ServerEngine& server, const std::string& user_id, const std::string& path,
                                    const client::DataKey* key) {
  std::filesystem::remove(path);
  SqliteDb db(path);
  client::attach_data_key(db, key);
  Hlc clock(wall_ms);
  Replica replica(db, "bench-seal", clock, 31, key);
  LoopbackTransport link(server, Principal{user_id, "bench-seal"});
  SyncClient client(replica, link);
  auto t0 = Steady::now();
  auto r = client.sync();
  double s = seconds_since(t0);
  if (!r) throw std::runtime_error("backfill: " + r.error().to_string());
  return {s, r->pulled};
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) {
      quick = true;
    } else {
      std::printf("usage: bench-seal [--quick]\n"
                  "  backfills a device store from the demo park (supervisor01: the whole park; --quick:\n"
                  "  worker01, one unit grid) in clear and sealed, in turns, and times a search of every\n"
                  "  household by name through gw_open; prints `bench seal.METRIC VALUE UNIT` lines\n");
      return std::strcmp(argv[i], "--help") == 0 ? 0 : 2;
    }
  }
  try {
    auto dir = std::filesystem::temp_directory_path() / ("bench-seal-" + std::to_string(wall_ms()));
    std::filesystem::create_directories(dir);
    SqliteDb server_db((dir / "server.db").string());
    Hlc server_clock(wall_ms);
    ServerEngine server(server_db, server_clock, 3);
    load_demo_park(server, demo::ParkOptions{});
    auto user = server.directory().user_by_name(quick ? "worker01" : "supervisor01");
    if (!user) throw std::runtime_error("no such user in the demo park");
    auto key = client::DataKey::generate();
    double clear_s = 0, sealed_s = 0;
    int64_t rows = 0;
    const int rounds = quick ? 1 : 3;
    for (int i = 0; i < rounds; ++i) {
      auto c = backfill(server, user->id, (dir / "clear.db").string(), nullptr);
      auto s = backfill(server, user->id, (dir / "sealed.db").string(), key.get());
      clear_s += c.first, sealed_s += s.first, rows = s.second;
    }
    clear_s /= rounds, sealed_s /= rounds;
    std::printf("bench seal.rows %lld rows\n", static_cast<long long>(rows));
    std::printf("bench seal.backfill_clear_s %.3f s\n", clear_s);
    std::printf("bench seal.backfill_sealed_s %.3f s\n", sealed_s);
    std::printf("bench seal.sealed_vs_clear %.2f x\n", sealed_s / clear_s);

    SqliteDb db((dir / "sealed.db").string());
    client::attach_data_key(db, key.get());
    auto t0 = Steady::now();
    int64_t n = db.query_int(
        "SELECT count(*) FROM households WHERE (gw_open(head_name, 'households.head_name') || ' ' || "
        "gw_open(address, 'households.address')) LIKE '%林%'");
    double search_s = seconds_since(t0);
    int64_t all = db.query_int("SELECT count(*) FROM households");
    std::printf("bench seal.search_households %lld rows\n", static_cast<long long>(all));
    std::printf("bench seal.search_ms %.1f ms (%lld found)\n", search_s * 1000, static_cast<long long>(n));
    std::filesystem::remove_all(dir);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-seal: %s\n", e.what());
    return 1;
  }
}
