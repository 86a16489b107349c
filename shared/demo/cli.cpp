#include "shared/demo/cli.hpp"

#include <chrono>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "shared/calendar.hpp"
#include "shared/codec.hpp"
#include "shared/demo/park.hpp"
#include "shared/demo/sqlite_sink.hpp"
#include "shared/json.hpp"
#include "shared/sqlite.hpp"

namespace gw::demo {
namespace {

constexpr std::string_view kUsage =
    "usage: gridwork-demo --out FILE [--parks N] [--seed N] [--now MS] [--days N]\n"
    "       gridwork-demo --jsonl [--parks N] [--seed N] [--now MS] [--days N]\n"
    "       gridwork-demo --summary FILE\n"
    "\n"
    "Generates the demo park (DESIGN §1): 3 zones, 12 unit grids, 47 level-3 grids,\n"
    "332 enterprises, 42,684 residents, 209 accounts, and a history of patrols,\n"
    "visits and cases. Same seed and same --now give the same records, byte for byte.\n"
    "With --parks N, a city: park 1 is that park unchanged, parks 2..N are drawn\n"
    "from seeds of their own, with their own ids, grid codes, names and accounts\n"
    "(p02-worker01, p02-supervisor01, ...; password gridwork-demo): about 70,000\n"
    "rows and 209 accounts a park, 2.8 million rows and 8,360 accounts for 40.\n"
    "\n"
    "  --out FILE      write into a new SQLite file (refuses an existing one)\n"
    "  --jsonl         write every record to stdout as {\"table\",\"id\",\"set\"}\n"
    "  --summary FILE  print the row count of every table in FILE\n"
    "  --parks N       parks in the city, 1 to 99 (default 1: the demo park)\n"
    "  --seed N        random seed (default 20261127)\n"
    "  --now MS        Unix ms the history ends at (default: the start of today,\n"
    "                  China time, so reruns on one day give the same bytes)\n"
    "  --days N        days of history before --now (default 90)\n"
    "  --help          this text\n";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "gridwork-demo: %s\n\n%.*s", message.c_str(), static_cast<int>(kUsage.size()), kUsage.data());
  return 2;
}

template <typename T>
bool parse_number(std::string_view s, T& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size();
}

int64_t start_of_today_ms() {
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  constexpr int64_t kDay = 24LL * 3600 * 1000;
  return (now + kChinaOffsetMs) / kDay * kDay - kChinaOffsetMs;
}

// Prints records as JSON lines: the shape of a sync patch's `set`.
class JsonlSink : public RecordSink {
 public:
  void put(const TableSpec& table, const std::string& id, const Fields& fields) override {
    Json line = Json::object();
    line.set("table", table.name);
    line.set("id", id);
    line.set("set", encode_fields(table, fields));
    buffer_.clear();
    line.dump_to(buffer_);
    buffer_ += '\n';
    std::fwrite(buffer_.data(), 1, buffer_.size(), stdout);
  }

 private:
  std::string buffer_;
};

void print_counts(const ParkCounts& c, long long elapsed_ms) {
  std::printf(
      "grids: %d zones, %d unit grids, %d level-3 grids\n"
      "communities: %d; enterprises: %d (%d large)\n"
      "households: %d; residents: %d\n"
      "departments: %d; users: %d (%d full-time, %d part-time workers, %d chiefs, %d cadres)\n"
      "assignments: %d\n"
      "patrols: %d (tracks: %d, check-ins: %d); visits: %d; cases: %d; case log: %d\n"
      "generated in %lld ms\n",
      c.zones, c.unit_grids, c.level3_grids, c.communities, c.enterprises, c.large_enterprises, c.households,
      c.residents, c.departments, c.users, c.full_time_workers, c.part_time_workers, c.chiefs, c.cadres,
      c.assignments, c.patrols, c.tracks, c.checkins, c.visits, c.cases, c.case_log, elapsed_ms);
}

int write_file(const std::string& path, const ParkOptions& options, int parks) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec) || ec) {
    std::fprintf(stderr, "gridwork-demo: %s already exists; give a new file name\n", path.c_str());
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  try {
    SqliteDb db(path);
    SqliteSink sink(db);
    ParkCounts counts = generate_city(options, parks, sink);
    sink.finish();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    std::printf("wrote %s\n", path.c_str());
    print_counts(counts, static_cast<long long>(ms));
    return 0;
  } catch (const DbError& e) {
    std::fprintf(stderr, "gridwork-demo: %s: %s\n", path.c_str(), e.what());
  }
  // Leave nothing half-written behind.
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
  return 1;
}

int write_jsonl(const ParkOptions& options, int parks) {
  JsonlSink sink;
  generate_city(options, parks, sink);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

int summarise(const std::string& path) {
  try {
    // Read-only: a summary must not touch the file, not even its journal mode.
    SqliteDb db(path, SqliteDb::Mode::read_only);
    for (const auto& t : all_tables()) {
      int64_t rows = db.query_int("SELECT COUNT(*) FROM " + std::string(t.name));
      std::printf("%-12.*s %10lld\n", static_cast<int>(t.name.size()), t.name.data(), static_cast<long long>(rows));
    }
  } catch (const DbError& e) {
    std::fprintf(stderr, "gridwork-demo: %s: %s\n", path.c_str(), e.what());
    return 1;
  }
  return 0;
}

}  // namespace

int run_cli(int argc, char** argv) {
  ParkOptions options;
  std::string out, summary;
  bool jsonl = false, now_given = false;
  int parks = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&](std::string_view& v) {
      if (i + 1 >= argc) return false;
      v = argv[++i];
      return true;
    };
    std::string_view v;
    if (arg == "--help" || arg == "-h") {
      std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
      return 0;
    } else if (arg == "--out") {
      if (!value(v) || v.empty()) return usage_error("--out needs a file name");
      out = v;
    } else if (arg == "--summary") {
      if (!value(v) || v.empty()) return usage_error("--summary needs a file name");
      summary = v;
    } else if (arg == "--jsonl") {
      jsonl = true;
    } else if (arg == "--seed") {
      if (!value(v) || !parse_number(v, options.seed)) return usage_error("--seed needs a non-negative integer");
    } else if (arg == "--now") {
      if (!value(v) || !parse_number(v, options.now_ms) || options.now_ms <= 0)
        return usage_error("--now needs Unix milliseconds");
      now_given = true;
    } else if (arg == "--parks") {
      if (!value(v) || !parse_number(v, parks) || parks < 1 || parks > kMaxParks)
        return usage_error("--parks needs a number of parks, 1 to " + std::to_string(kMaxParks));
    } else if (arg == "--days") {
      if (!value(v) || !parse_number(v, options.history_days) || options.history_days < 0 || options.history_days > 3660)
        return usage_error("--days needs a number of days, 0 to 3660");
    } else {
      return usage_error("unknown argument '" + std::string(arg) + "'");
    }
  }
  int modes = !out.empty() + !summary.empty() + jsonl;
  if (modes != 1) return usage_error("give exactly one of --out, --jsonl, --summary");
  if (!summary.empty()) return summarise(summary);
  if (!now_given) options.now_ms = start_of_today_ms();
  try {
    return jsonl ? write_jsonl(options, parks) : write_file(out, options, parks);
  } catch (const std::invalid_argument& e) {
    return usage_error(e.what());
  }
}

}  // namespace gw::demo
