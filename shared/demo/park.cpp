#include "shared/demo/park.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "shared/calendar.hpp"
#include "shared/categories.hpp"
#include "shared/checks.hpp"
#include "shared/codec.hpp"
#include "shared/demo/names.hpp"
#include "shared/demo/park_map.hpp"
#include "shared/geo.hpp"
#include "shared/json.hpp"
#include "shared/uuid.hpp"
#include "shared/workflow.hpp"

namespace gw::demo {
namespace {

constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;

// ---- randomness ------------------------------------------------------------
// Our own generator and our own bounded draws: std::uniform_int_distribution
// and friends differ between standard libraries, and the park must come out
// byte for byte the same everywhere. Only +, -, *, / on integers, no libm.

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Each part of the park draws from its own stream, so adding a draw to one
// part does not reshuffle all the others.
uint64_t stream_seed(uint64_t seed, uint64_t salt) {
  uint64_t s = seed ^ (salt * 0xD1B54A32D192ED03ull);
  uint64_t v = splitmix64(s);
  return v ? v : 1;  // UuidV7 takes 0 to mean "seed from the OS"
}

class Rng {  // xoshiro256**
 public:
  explicit Rng(uint64_t seed) {
    for (auto& w : s_) w = splitmix64(seed);
  }

  uint64_t next() {
    uint64_t result = rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n): rejection of the biased low end.
  uint64_t below(uint64_t n) {
    if (n == 0) throw std::logic_error("demo park: empty range");
    uint64_t threshold = (0 - n) % n;
    for (;;) {
      uint64_t r = next();
      if (r >= threshold) return r % n;
    }
  }
  int64_t between(int64_t lo, int64_t hi) {  // inclusive
    if (hi < lo) throw std::logic_error("demo park: bad range");
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
  }
  int between_i(int lo, int hi) { return static_cast<int>(between(lo, hi)); }
  // True with probability per_mille / 1000.
  bool chance(int per_mille) { return below(1000) < static_cast<uint64_t>(per_mille); }
  size_t index(size_t n) { return static_cast<size_t>(below(n)); }
  template <typename T>
  const T& pick(std::span<const T> v) {
    return v[index(v.size())];
  }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[index(v.size())];
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<uint64_t, 4> s_{};
};

// A draw from fixed integer weights.
class Weights {
 public:
  template <typename Range, typename F>
  Weights(const Range& items, F weight) {
    for (const auto& item : items) {
      total_ += weight(item);
      cumulative_.push_back(total_);
    }
    if (total_ <= 0) throw std::logic_error("demo park: no weight");
  }
  size_t pick(Rng& rng) const {
    auto x = static_cast<int64_t>(rng.below(static_cast<uint64_t>(total_)));
    return static_cast<size_t>(std::upper_bound(cumulative_.begin(), cumulative_.end(), x) -
                               cumulative_.begin());
  }

 private:
  std::vector<int64_t> cumulative_;
  int64_t total_ = 0;
};

// k of n indices, in order (Knuth's selection sampling).
std::vector<int> choose_sorted(Rng& rng, int n, int k) {
  if (k > n) throw std::logic_error("demo park: cannot choose " + std::to_string(k) + " of " + std::to_string(n));
  std::vector<int> out;
  out.reserve(static_cast<size_t>(k));
  for (int i = 0; i < n && static_cast<int>(out.size()) < k; ++i)
    if (rng.below(static_cast<uint64_t>(n - i)) < static_cast<uint64_t>(k - static_cast<int>(out.size())))
      out.push_back(i);
  return out;
}

template <typename T>
void shuffle(Rng& rng, std::vector<T>& v) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.index(i)]);
}

// ---- records ---------------------------------------------------------------

const TableSpec& table(std::string_view name) {
  const TableSpec* t = find_table(name);
  if (!t) throw std::logic_error("demo park: no table " + std::string(name));
  return *t;
}

// One row being built; columns by name, emitted in spec order.
class Row {
 public:
  explicit Row(const TableSpec& t) : t_(t), values_(t.columns.size()) {}

  Row& text(std::string_view col, std::string v) { return set(col, Value{std::move(v)}); }
  Row& integer(std::string_view col, int64_t v) { return set(col, Value{v}); }
  Row& boolean(std::string_view col, bool v) { return set(col, Value{int64_t{v ? 1 : 0}}); }
  Row& json(std::string_view col, const Json& v) { return set(col, Value{v.dump()}); }
  // Leaves the column null when the text is empty.
  Row& text_opt(std::string_view col, std::string v) { return v.empty() ? *this : text(col, std::move(v)); }

  const TableSpec& spec() const { return t_; }

  // Moves the values out: a row is put once.
  Fields take() {
    Fields out;
    out.reserve(values_.size());
    for (size_t i = 0; i < values_.size(); ++i)
      if (!is_null(values_[i])) out.push_back({static_cast<uint16_t>(i), std::move(values_[i])});
    return out;
  }

 private:
  Row& set(std::string_view col, Value v) {
    int i = t_.index_of(col);
    if (i < 0) throw std::logic_error("demo park: " + std::string(t_.name) + " has no column " + std::string(col));
    values_[static_cast<size_t>(i)] = std::move(v);
    return *this;
  }

  const TableSpec& t_;
  std::vector<Value> values_;
};

// Every record goes through the schema's own checks before the sink: a value
// the spec refuses is a bug in this generator, never something to store.
class Out {
 public:
  explicit Out(RecordSink& sink) : sink_(sink) {}

  void put(Row& row, const std::string& id) {
    const TableSpec& t = row.spec();
    Fields fields = row.take();
    for (const auto& f : fields) {
      if (auto st = check_value(t, t.columns[f.col], f.value); !st)
        throw std::logic_error("demo park: " + st.error().message);
    }
    if (auto st = check_required(t, fields); !st) throw std::logic_error("demo park: " + st.error().message);
    sink_.put(t, id, fields);
  }

 private:
  RecordSink& sink_;
};

// Time-ordered ids, one generator per table: a table's ids then follow the
// times of its own records.
class Ids {
 public:
  explicit Ids(uint64_t seed) : gen_(seed) {}
  std::string next(int64_t ms) { return gen_.next(ms); }

 private:
  UuidV7 gen_;
};

// ---- geometry --------------------------------------------------------------
// Planned in integer micro-degrees, so children partition their parent
// exactly; drawn bent (park_map.hpp), as roads and walls run.

// The park: about 8 km by 6.7 km around Qingmeng (118.55° E, 24.87° N).
constexpr Rect kPark{118'510'000, 24'840'000, 118'590'000, 24'900'000};

// A city's park N lies on a map of 8 parks a row, east then north of park 1.
Rect park_rect(int park) {
  constexpr int64_t kStepLon = 90'000, kStepLat = 70'000;  // the park's size and a margin
  int64_t col = (park - 1) % 8, row = (park - 1) / 8;
  return {kPark.west + col * kStepLon, kPark.south + row * kStepLat, kPark.east + col * kStepLon,
          kPark.north + row * kStepLat};
}

// A cut somewhere in the middle of [lo, hi], so grids differ in size.
int64_t cut(Rng& rng, int64_t lo, int64_t hi, int num, int den) {
  int64_t span = hi - lo;
  int64_t at = lo + span * num / den;
  int64_t jitter = span / den / 5;
  return at + rng.between(-jitter, jitter);
}

// n strips along the longer side (a degree of longitude is ~0.9 of a degree
// of latitude here).
std::vector<Rect> strips(Rng& rng, const Rect& r, int n) {
  std::vector<Rect> out;
  bool along_lon = (r.east - r.west) * 9 >= (r.north - r.south) * 10;
  int64_t prev = along_lon ? r.west : r.south;
  for (int i = 1; i <= n; ++i) {
    int64_t next = i == n ? (along_lon ? r.east : r.north)
                          : cut(rng, along_lon ? r.west : r.south, along_lon ? r.east : r.north, i, n);
    out.push_back(along_lon ? Rect{prev, r.south, next, r.north} : Rect{r.west, prev, r.east, next});
    prev = next;
  }
  return out;
}

std::vector<Rect> split(Rng& rng, const Rect& r, int n) {
  if (n != 4) return strips(rng, r, n);
  int64_t mx = cut(rng, r.west, r.east, 1, 2);
  int64_t my = cut(rng, r.south, r.north, 1, 2);
  return {Rect{r.west, my, mx, r.north}, Rect{mx, my, r.east, r.north}, Rect{r.west, r.south, mx, my},
          Rect{mx, r.south, r.east, my}};
}

// ---- people ----------------------------------------------------------------

std::string fill(std::string_view tmpl, std::string_view place, int n) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl.compare(i, 3, "{p}") == 0) {
      out += place;
      i += 2;
    } else if (tmpl.compare(i, 3, "{n}") == 0) {
      out += std::to_string(n);
      i += 2;
    } else {
      out += tmpl[i];
    }
  }
  return out;
}

std::string digits(Rng& rng, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += static_cast<char>('0' + rng.below(10));
  return s;
}

constexpr std::string_view kMobilePrefixes[] = {"130", "131", "132", "133", "134", "135", "136", "137",
                                                "138", "139", "150", "151", "152", "153", "155", "156",
                                                "157", "158", "159", "180", "181", "182", "183", "185",
                                                "186", "187", "188", "189"};

std::string mobile(Rng& rng) {
  return std::string(rng.pick(std::span<const std::string_view>(kMobilePrefixes))) + digits(rng, 8);
}

std::string landline(Rng& rng) { return "0595-2" + digits(rng, 7); }  // Quanzhou

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

std::string pad(int v, int width) {
  std::string s = std::to_string(v);
  return std::string(static_cast<size_t>(std::max(0, width - static_cast<int>(s.size()))), '0') + s;
}

class Namer {
 public:
  Namer() : surnames_(surnames(), [](const Weighted& w) { return w.weight; }) {}

  std::string surname(Rng& rng) const { return std::string(surnames()[surnames_.pick(rng)].text); }

  std::string given(Rng& rng, bool male, int birth_year) const {
    auto pool = birth_year >= 2005 && rng.chance(600) ? young_name_chars()
                : male                                ? male_name_chars()
                                                      : female_name_chars();
    std::string g(rng.pick(pool));
    if (rng.chance(750)) {
      std::string second(rng.pick(pool));
      if (second != g || rng.chance(300)) g += second;  // 丽丽, 明明: less often
    }
    return g;
  }

  std::string full(Rng& rng, bool male, int birth_year) const {
    return surname(rng) + given(rng, male, birth_year);
  }

 private:
  Weights surnames_;
};

// GB 11643 resident ID numbers, unique across the park.
class IdNumbers {
 public:
  std::string make(Rng& rng, std::string_view area, int year, bool male) {
    int month = rng.between_i(1, 12);
    int day = rng.between_i(1, days_in_month(year, month));
    for (;;) {
      int seq = rng.between_i(0, 499) * 2 + (male ? 1 : 0);  // odd: male
      std::string first17 = std::string(area) + pad(year, 4) + pad(month, 2) + pad(day, 2) + pad(seq, 3);
      std::string id = first17 + id_number_check_char(first17);
      if (used_.insert(id).second) return id;
    }
  }

 private:
  std::unordered_set<std::string> used_;
};

// GB 32100 unified social credit code: 18 characters, two check characters.
std::string credit_code(Rng& rng) {
  static constexpr std::string_view kChars = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  std::string org = digits(rng, 8);  // GB 11714 organisation code body
  static constexpr int kOrgWeights[] = {3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 8; ++i) sum += (org[static_cast<size_t>(i)] - '0') * kOrgWeights[i];
  int c9 = 11 - sum % 11;
  org += c9 == 10 ? 'X' : c9 == 11 ? '0' : static_cast<char>('0' + c9);
  std::string code = "91350500" + org;  // 91: enterprise; 350500: Quanzhou
  static constexpr int kWeights[] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
  int total = 0;
  for (size_t i = 0; i < 17; ++i) total += static_cast<int>(kChars.find(code[i])) * kWeights[i];
  int check = 31 - total % 31;
  code += kChars[static_cast<size_t>(check == 31 ? 0 : check)];
  return code;
}

// 泉州华盛鞋业有限公司: place, a two-character trade name, the trade.
std::string firm_name(Rng& rng, const Industry& industry) {
  static constexpr std::string_view kPrefixes[] = {"泉州", "泉州", "泉州市", "福建", "福建省"};
  std::string name(rng.pick(std::span<const std::string_view>(kPrefixes)));
  const auto chars = trade_name_chars();
  size_t first = rng.index(chars.size());
  size_t second = (first + 1 + rng.index(chars.size() - 1)) % chars.size();  // never the first again
  name += std::string(chars[first]) + std::string(chars[second]) + std::string(industry.name_word);
  return name + (rng.chance(150) ? "股份有限公司" : "有限公司");
}

// ---- the park's shape ------------------------------------------------------

// Level-3 grids of each unit grid: C a large community on its own, c a group
// of smaller communities, E a large enterprise on its own, e a group of
// enterprises. 11 units of 4 and one of 3: 47 grids; 4 C, 6 c, 15 E, 22 e.
constexpr std::string_view kLayout[] = {"Eeee", "EEee", "Ccee", "EEee", "EEee", "Ccce",
                                        "EEEe", "Eee",  "Ccee", "Ccce", "EEEe", "Eeee"};
// Smaller communities per c grid, in grid order (13 in all).
constexpr int kGroupSizes[] = {3, 2, 2, 2, 2, 2};
constexpr int kEnterprisePlots = 332;
constexpr int kLargeEnterprises = 122;
constexpr int kPartTimers = 168;
constexpr int kResidents = 42'684;
constexpr int kCadresPerDepartment = 2;

constexpr std::string_view kArea = "350503";  // 丰泽区
constexpr int kStreet = 105;  // park 1's street code; park N's is 105 + N - 1
constexpr std::string_view kNumerals[] = {"一", "二", "三", "四", "五", "六"};

// Where a category's cases happen: c residential, e enterprise, a anywhere;
// and which department (1-based) takes the department-routed ones.
struct CategoryPlace {
  std::string_view code;
  char where;
  int department;
};
constexpr CategoryPlace kCategoryPlaces[] = {
    {"0101", 'a', 9},  {"0102", 'c', 9},  {"0103", 'c', 9}, {"0104", 'c', 9}, {"0105", 'a', 12},
    {"0201", 'a', 7},  {"0202", 'e', 2},  {"0203", 'a', 7}, {"0204", 'e', 3}, {"0301", 'e', 5},
    {"0302", 'c', 11}, {"0303", 'c', 4},  {"0304", 'c', 11}, {"0305", 'c', 4}, {"0306", 'c', 3},
    {"0401", 'a', 7},  {"0402", 'e', 8},  {"0403", 'a', 2}, {"0404", 'e', 10}, {"0501", 'c', 8},
    {"0502", 'a', 8},  {"0601", 'c', 11}, {"0602", 'c', 11}, {"0603", 'c', 5}, {"0701", 'e', 5},
    {"0702", 'e', 5},  {"0703", 'e', 1},
};

const CategoryPlace& category_place(std::string_view code) {
  for (const auto& c : kCategoryPlaces)
    if (c.code == code) return c;
  throw std::logic_error("demo park: no place for category " + std::string(code));
}

// What callers to the hotline and assigned tasks are about.
constexpr Weighted kHotlineCategories[] = {
    {"0302", 6}, {"0303", 5}, {"0306", 3}, {"0301", 4}, {"0101", 2}, {"0102", 3}, {"0104", 3},
    {"0105", 2}, {"0203", 2}, {"0501", 2}, {"0502", 1}, {"0305", 1}, {"0304", 2}, {"0401", 1},
    {"0402", 1}, {"0404", 1}, {"0601", 1}, {"0602", 2},
};
constexpr Weighted kAssignedCategories[] = {
    {"0101", 3}, {"0102", 2}, {"0103", 3}, {"0105", 2}, {"0201", 3}, {"0202", 2}, {"0204", 2},
    {"0403", 1}, {"0404", 1}, {"0602", 1}, {"0603", 1}, {"0701", 2}, {"0702", 2}, {"0703", 2},
};

// ---- the generator ---------------------------------------------------------

struct Grid {
  std::string id, code, name;
  std::string_view kind;
  int level = 0;
  int parent = -1;  // index in grids
  int zone = 0;     // 0-based zone number
  int unit = -1;    // 0-based unit grid number (levels 2 and 3)
  Rect rect;
  geo::Polygon polygon;  // the rect as drawn (ParkMap)
  std::vector<int> children;
  // Level 3 only:
  std::vector<int> communities;  // indices in communities()
  std::vector<int> enterprises;  // indices in enterprises_
  std::vector<int> households;   // indices in households_
  std::vector<int> part_timers;  // indices in users_
  std::string road;              // enterprise grids: the road the plots are on
  bool grouped = false;          // several communities or enterprises
};

struct User {
  std::string id, username, name, roles, title;
  int department = -1;
  int grid = -1;  // workers: the unit grid (full-time) or level-3 grid (part-time)
};

struct Enterprise {
  std::string id, name, address;
  int grid = 0;
};

struct Household {
  std::string id, address, building;
  int grid = 0;
};

struct Patrol {
  std::string id;
  int grid = 0, worker = 0;
  int64_t started_at = 0, ended_at = 0;
  std::vector<int> failed;  // indices in checklist_items()
  std::string place;
  int seq = 0;
};

struct Visit {
  std::string id, target_id, place;
  int grid = 0, visitor = 0, text = 0;
  bool household = true;
  int64_t at = 0;
  int seq = 0;
};

struct Case {
  std::string id;
  int grid = 0;
  std::string_view source, category;
  std::string place;
  int reporter = -1;  // -1: a confidential hotline call
  int patrol = -1, visit = -1;
  int64_t reported_at = 0;
  std::string_view status;
  int rework = 0;
  int seq = 0;
};

struct Member {
  std::string name, relation, id_number, phone, tags;
  bool male = true;
  int birth_year = 2000;
};

struct Step {
  std::string_view action, to;
  int actor = 0;
  std::string note;
  int64_t min_ms = 0, max_ms = 0;  // how long after the step before
};

struct HouseholdWriter {
  Rng rng;
  Ids household_ids, resident_ids;
  int64_t t = 0;  // registration time, for the ids
};

struct LogEntry {
  int case_index = 0;
  std::string_view action, from, to;
  int actor = 0;
  std::string note;
  int64_t at = 0;
  int seq = 0;
};

class Generator {
 public:
  Generator(const ParkOptions& options, RecordSink& sink);
  ParkCounts run();

 private:
  // Reference data.
  void plan_grids();
  void plan_users();
  void emit_grids();
  void emit_departments();
  void emit_users();
  void emit_assignments();
  void make_enterprises();
  void make_households();
  void make_household(HouseholdWriter& w, int grid, const CommunitySpec& c, int slot, int size);
  std::vector<Member> make_family(Rng& rng, int size, std::string_view origin);
  // History.
  void make_patrols();
  void make_visits();
  void make_cases();
  void choose_statuses(Rng& rng);
  void emit_case(Rng& rng, size_t case_index);
  int random_grid(Rng& rng, char where);
  std::vector<int64_t> step_times(Rng& rng, int64_t reported_at, const std::vector<Step>& steps) const;

  int64_t local_time(int64_t day, int minute) const { return day * kDay + minute * kMinute - kChinaOffsetMs; }
  int user_for_grid(Rng& rng, int grid);
  std::string place_in(Rng& rng, int grid);
  std::string person_name(Rng& rng);
  // A place in a grid, drawn from where_; a fix there.
  geo::LonLat somewhere(int grid);
  std::string fix_in(int grid, int64_t at, geo::FixSource src, double min_acc, double max_acc);
  void emit_track(const Patrol& p, const std::vector<geo::TrackPoint>& points);

  std::string account(std::string_view name) const { return park_account(options_.park, name); }
  // "" in park 1, so its names stay the demo park's; "05园区·" in park 5.
  std::string label() const { return options_.park == 1 ? std::string() : pad(options_.park, 2) + "园区·"; }
  std::string street() const { return pad(kStreet + options_.park - 1, 3); }

  const ParkOptions options_;
  Out out_;
  ParkCounts counts_;
  Namer namer_;
  IdNumbers id_numbers_;
  Weights birthplaces_{birthplace_codes(), [](const Weighted& w) { return w.weight; }};
  int64_t now_ = 0;
  int64_t today_ = 0;     // day number of now, China time
  int64_t setup_ms_ = 0;  // when the reference data was entered
  int now_year_ = 0;

  std::vector<Grid> grids_;
  std::vector<int> zones_, units_, level3_;
  std::optional<ParkMap> map_;
  // Where things are (fixes, points, tracks): a stream of its own, so the
  // streams of the records themselves draw as they did before issue 23.
  Rng where_;
  Ids track_ids_, checkin_ids_;
  std::vector<std::string> department_ids_;
  std::vector<User> users_;
  int admin_ = 0, supervisor_ = 0;
  std::vector<int> chiefs_, workers_, part_timers_, cadres_;
  std::vector<Enterprise> enterprises_;
  std::vector<Household> households_;
  std::vector<Patrol> patrols_;
  std::vector<Visit> visits_;
  std::vector<LogEntry> log_;
  std::vector<Case> cases_;
};

uint64_t salt(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  return h;
}

// Park 1 draws from the seed itself; park N from a seed of its own, so
// every stream and id of the city's parks differs.
ParkOptions for_park(ParkOptions o) {
  if (o.park < 1 || o.park > kMaxParks)
    throw std::invalid_argument("demo park: park must be 1.." + std::to_string(kMaxParks));
  if (o.park > 1) o.seed = stream_seed(o.seed, salt("park") + static_cast<uint64_t>(o.park));
  return o;
}

int64_t reference_now() {
  // 2026-11-27 00:00 China time: the day the park's figures were taken.
  return days_from_civil({2026, 11, 27}) * kDay - kChinaOffsetMs;
}

Generator::Generator(const ParkOptions& options, RecordSink& sink)
    : options_(for_park(options)),
      out_(sink),
      where_(stream_seed(options_.seed, salt("where"))),
      track_ids_(stream_seed(options_.seed, salt("track ids"))),
      checkin_ids_(stream_seed(options_.seed, salt("checkin ids"))) {
  if (options_.history_days < 0 || options_.history_days > 3660)
    throw std::invalid_argument("demo park: history_days must be 0..3660");
  now_ = options_.now_ms > 0 ? options_.now_ms : reference_now();
  today_ = (now_ + kChinaOffsetMs) / kDay;
  // The office entered grids, people and firms half a year before the history.
  setup_ms_ = local_time(today_ - options_.history_days - 180, 9 * 60);
  if (setup_ms_ < 0) throw std::invalid_argument("demo park: now_ms is too early for the history");
  now_year_ = civil_from_days(today_).year;
}

ParkCounts Generator::run() {
  plan_grids();
  plan_users();
  emit_grids();
  emit_departments();
  emit_users();
  emit_assignments();
  make_enterprises();
  make_households();
  if (options_.history_days > 0) {
    make_patrols();
    make_visits();
    make_cases();
  }
  return counts_;
}

// ---- grids -----------------------------------------------------------------

void Generator::plan_grids() {
  Rng rng(stream_seed(options_.seed, salt("grids")));
  Ids ids(stream_seed(options_.seed, salt("grid ids")));
  int64_t t = setup_ms_;
  auto add = [&](int level, int parent, std::string_view kind, const Rect& r) {
    Grid g;
    g.id = ids.next(t += kSecond);
    g.level = level;
    g.parent = parent;
    g.kind = kind;
    g.rect = r;
    if (parent >= 0) {
      g.zone = grids_[static_cast<size_t>(parent)].zone;
      g.unit = level == 2 ? static_cast<int>(units_.size()) : grids_[static_cast<size_t>(parent)].unit;
    }
    grids_.push_back(std::move(g));
    int i = static_cast<int>(grids_.size()) - 1;
    if (parent >= 0) grids_[static_cast<size_t>(parent)].children.push_back(i);
    return i;
  };

  // Zones side by side west to east, their units 2x2, level-3 grids inside.
  auto zone_rects = strips(rng, park_rect(options_.park), 3);
  std::vector<std::string_view> roads(road_names().begin(), road_names().end());
  shuffle(rng, roads);
  size_t next_road = 0, next_landmark = 0, next_community = 4;
  auto take_road = [&] {
    if (next_road == roads.size()) throw std::logic_error("demo park: not enough road names");
    return std::string(roads[next_road++]);
  };
  size_t next_large = 0, next_group = 0;
  const auto zones = zone_names();
  for (int z = 0; z < 3; ++z) {
    int zi = add(1, -1, "zone", zone_rects[static_cast<size_t>(z)]);
    grids_[static_cast<size_t>(zi)].zone = z;
    grids_[static_cast<size_t>(zi)].name = std::string(zones[static_cast<size_t>(z)]);
    grids_[static_cast<size_t>(zi)].code = std::string(kArea) + street() + std::to_string((z + 1) * 100) + "00";
    zones_.push_back(zi);
    auto unit_rects = split(rng, grids_[static_cast<size_t>(zi)].rect, 4);
    for (int u = 0; u < 4; ++u) {
      int ui = add(2, zi, "unit", unit_rects[static_cast<size_t>(u)]);
      units_.push_back(ui);
      std::string community_code = std::to_string((z + 1) * 100 + u + 1);
      grids_[static_cast<size_t>(ui)].name = std::string(zones[static_cast<size_t>(z)]) + std::string(kNumerals[u]) + "号网格";
      grids_[static_cast<size_t>(ui)].code = std::string(kArea) + street() + community_code + "00";
      std::string_view layout = kLayout[units_.size() - 1];
      auto rects = split(rng, grids_[static_cast<size_t>(ui)].rect, static_cast<int>(layout.size()));
      for (size_t k = 0; k < layout.size(); ++k) {
        char type = layout[k];
        int li = add(3, ui, type == 'C' || type == 'c' ? "community" : "enterprise", rects[k]);
        Grid& g = grids_[static_cast<size_t>(li)];
        g.grouped = type == 'c' || type == 'e';
        g.code = std::string(kArea) + street() + community_code + pad(static_cast<int>(k) + 1, 2);
        if (type == 'C') {
          g.communities.push_back(static_cast<int>(next_large));
          g.name = std::string(communities()[next_large++].name);
        } else if (type == 'c') {
          for (int n = 0; n < kGroupSizes[next_group]; ++n) {
            if (!g.name.empty()) g.name += "、";
            g.name += communities()[next_community].name;
            g.communities.push_back(static_cast<int>(next_community++));
          }
          ++next_group;
        } else if (type == 'E') {
          g.name = std::string(landmark_enterprises()[next_landmark++].short_name);
          g.road = take_road();
        } else {
          g.road = take_road();
          g.name = g.road + "企业网格";
        }
        level3_.push_back(li);
      }
    }
  }
  for (auto& g : grids_) g.name = label() + g.name;
  std::vector<Rect> rects;
  for (const auto& g : grids_) rects.push_back(g.rect);
  map_.emplace(rects);
  for (auto& g : grids_) g.polygon = map_->polygon(g.rect);
  if (level3_.size() != 47 || next_large != 4 || next_community != communities().size() ||
      next_landmark != landmark_enterprises().size() || next_group != std::size(kGroupSizes))
    throw std::logic_error("demo park: the layout does not match the park's figures");
  counts_.zones = static_cast<int>(zones_.size());
  counts_.unit_grids = static_cast<int>(units_.size());
  counts_.level3_grids = static_cast<int>(level3_.size());
  counts_.communities = static_cast<int>(communities().size());
}

void Generator::emit_grids() {
  const TableSpec& t = table("grids");
  for (const auto& g : grids_) {
    Row row(t);
    if (g.parent >= 0) row.text("parent_id", grids_[static_cast<size_t>(g.parent)].id);
    row.integer("level", g.level).text("code", g.code).text("name", g.name).text("kind", std::string(g.kind));
    row.text("polygon", geo::polygon_json(g.polygon));
    if (g.level == 2) row.text("department_id", department_ids_[static_cast<size_t>(g.unit)]);
    row.text("mode", "normal").integer("epoch", 0);
    out_.put(row, g.id);
  }
}

// ---- departments and people ------------------------------------------------

std::string Generator::person_name(Rng& rng) {
  bool male = rng.chance(600);
  return namer_.full(rng, male, now_year_ - rng.between_i(25, 55));
}

void Generator::plan_users() {
  Rng rng(stream_seed(options_.seed, salt("users")));
  Ids dept_ids(stream_seed(options_.seed, salt("department ids")));
  Ids user_ids(stream_seed(options_.seed, salt("user ids")));
  int64_t t = setup_ms_ + kHour;
  for (size_t i = 0; i < departments().size(); ++i) department_ids_.push_back(dept_ids.next(t += kSecond));
  if (department_ids_.size() != units_.size()) throw std::logic_error("demo park: one department per unit grid");

  t = setup_ms_ + 2 * kHour;
  auto add = [&](std::string username, std::string roles, std::string title, int department) {
    User u;
    u.id = user_ids.next(t += kMinute);
    u.username = account(username);
    u.name = person_name(rng);
    u.roles = std::move(roles);
    u.title = std::move(title);
    u.department = department;
    users_.push_back(std::move(u));
    return static_cast<int>(users_.size()) - 1;
  };
  admin_ = add("admin01", "admin", "管理员", -1);
  supervisor_ = add("supervisor01", "supervisor", "督导员", -1);
  // Zone chiefs also work the grids themselves (片长 + 网格员 mediation).
  for (int z = 1; z <= 3; ++z) chiefs_.push_back(add("chief0" + std::to_string(z), "chief,worker", "片长", -1));
  for (int w = 1; w <= 12; ++w) {
    workers_.push_back(add("worker" + pad(w, 2), "worker", "专职网格员", -1));
    users_.back().grid = units_[static_cast<size_t>(w - 1)];
  }
  for (int p = 1; p <= kPartTimers; ++p) {
    int u = add("pworker" + pad(p, 3), "worker", "兼职网格员", -1);
    part_timers_.push_back(u);
    // Round robin in grid order: every level-3 grid gets three or four.
    int grid = level3_[static_cast<size_t>(p - 1) % level3_.size()];
    users_[static_cast<size_t>(u)].grid = grid;
    grids_[static_cast<size_t>(grid)].part_timers.push_back(u);
  }
  int cadres = static_cast<int>(departments().size()) * kCadresPerDepartment;
  for (int c = 1; c <= cadres; ++c)
    cadres_.push_back(add("cadre" + pad(c, 2), "cadre", "挂钩干部", (c - 1) / kCadresPerDepartment));
}

void Generator::emit_departments() {
  Rng rng(stream_seed(options_.seed, salt("departments")));
  const TableSpec& t = table("departments");
  for (size_t i = 0; i < departments().size(); ++i) {
    Row row(t);
    row.text("name", label() + std::string(departments()[i].name));
    row.text("leader_name", person_name(rng)).text("phone", landline(rng));
    row.text("grid_id", grids_[static_cast<size_t>(units_[i])].id);
    out_.put(row, department_ids_[i]);
  }
  counts_.departments = static_cast<int>(departments().size());
}

void Generator::emit_users() {
  const TableSpec& t = table("users");
  for (const auto& u : users_) {
    Row row(t);
    row.text("username", u.username).text("name", u.name).text("roles", u.roles);
    if (u.department >= 0) row.text("department_id", department_ids_[static_cast<size_t>(u.department)]);
    row.text("title", u.title);
    out_.put(row, u.id);
  }
  counts_.users = static_cast<int>(users_.size());
  counts_.full_time_workers = static_cast<int>(workers_.size());
  counts_.part_time_workers = static_cast<int>(part_timers_.size());
  counts_.chiefs = static_cast<int>(chiefs_.size());
  counts_.cadres = static_cast<int>(cadres_.size());
}

void Generator::emit_assignments() {
  const TableSpec& t = table("assignments");
  Ids ids(stream_seed(options_.seed, salt("assignment ids")));
  int64_t from = setup_ms_ + kDay;
  int64_t t_id = from;
  auto assign = [&](int user, int grid) {
    Row row(t);
    row.text("user_id", users_[static_cast<size_t>(user)].id).text("grid_id", grids_[static_cast<size_t>(grid)].id);
    row.text("kind", "responsibility").boolean("active", true).integer("from_at", from);
    out_.put(row, ids.next(t_id += kSecond));
    ++counts_.assignments;
  };
  // Cadres have no grid in peacetime: a takeover assigns them (DESIGN §6).
  for (size_t z = 0; z < zones_.size(); ++z) {
    assign(chiefs_[z], zones_[z]);
    for (int u : grids_[static_cast<size_t>(zones_[z])].children) {
      assign(chiefs_[z], u);
      for (int l : grids_[static_cast<size_t>(u)].children) assign(chiefs_[z], l);
    }
  }
  for (size_t u = 0; u < units_.size(); ++u) {
    assign(workers_[u], units_[u]);
    for (int l : grids_[static_cast<size_t>(units_[u])].children) assign(workers_[u], l);
  }
  for (int l : level3_)
    for (int p : grids_[static_cast<size_t>(l)].part_timers) assign(p, l);
}

// ---- enterprises -----------------------------------------------------------

void Generator::make_enterprises() {
  Rng rng(stream_seed(options_.seed, salt("enterprises")));
  Ids ids(stream_seed(options_.seed, salt("enterprise ids")));
  const TableSpec& t = table("enterprises");
  Weights industry_weights(industries(), [](const Industry& i) { return i.weight; });

  std::vector<int> alone, grouped;
  for (int l : level3_) {
    const Grid& g = grids_[static_cast<size_t>(l)];
    if (g.kind != "enterprise") continue;
    (g.grouped ? grouped : alone).push_back(l);
  }
  int small_plots = kEnterprisePlots - static_cast<int>(alone.size());
  int per_grid = small_plots / static_cast<int>(grouped.size());
  std::vector<int> extra = choose_sorted(rng, static_cast<int>(grouped.size()), small_plots % static_cast<int>(grouped.size()));
  std::vector<int> large = choose_sorted(rng, small_plots, kLargeEnterprises - static_cast<int>(alone.size()));

  std::unordered_set<std::string> names;
  int64_t t_id = setup_ms_ + 3 * kHour;
  auto emit = [&](int grid, std::string name, std::string_view industry, int employees, bool is_large, int number) {
    Enterprise e;
    e.id = ids.next(t_id += kMinute);
    e.grid = grid;
    e.name = std::move(name);
    e.address = "泉州经济技术开发区" + grids_[static_cast<size_t>(grid)].road + std::to_string(number) + "号";
    Row row(t);
    row.text("grid_id", grids_[static_cast<size_t>(grid)].id).text("name", e.name).text("credit_code", credit_code(rng));
    row.text("address", e.address).text("industry", std::string(industry)).integer("employees", employees);
    row.boolean("large", is_large).text("contact_name", person_name(rng)).text("contact_phone", mobile(rng));
    if (is_large) row.text("notes", "规模以上工业企业");
    row.text("point", fix_in(grid, t_id, geo::FixSource::survey, 2, 5));
    out_.put(row, e.id);
    grids_[static_cast<size_t>(grid)].enterprises.push_back(static_cast<int>(enterprises_.size()));
    enterprises_.push_back(std::move(e));
    ++counts_.enterprises;
    if (is_large) ++counts_.large_enterprises;
  };

  for (size_t i = 0; i < alone.size(); ++i) {
    const auto& lm = landmark_enterprises()[i];
    names.insert(std::string(lm.name));
    emit(alone[i], std::string(lm.name), lm.industry, lm.employees, true, rng.between_i(1, 30) * 2 - 1);
  }
  int plot = 0;
  size_t next_extra = 0;
  for (size_t gi = 0; gi < grouped.size(); ++gi) {
    int n = per_grid;
    if (next_extra < extra.size() && extra[next_extra] == static_cast<int>(gi)) ++n, ++next_extra;
    int number = 0;
    for (int k = 0; k < n; ++k, ++plot) {
      bool is_large = std::binary_search(large.begin(), large.end(), plot);
      const Industry& ind = industries()[industry_weights.pick(rng)];
      std::string name = firm_name(rng, ind);
      while (!names.insert(name).second) name = firm_name(rng, ind);
      number += rng.between_i(1, 4) * 2;  // one side of the road
      int employees = is_large ? rng.between_i(300, 1600) : rng.between_i(12, 280);
      emit(grouped[gi], name, ind.name, employees, is_large, number - 1);
    }
  }
  if (counts_.enterprises != kEnterprisePlots || counts_.large_enterprises != kLargeEnterprises)
    throw std::logic_error("demo park: enterprise counts do not match the park's figures");
}

// ---- households and residents ----------------------------------------------

// Household sizes 1-6; mean ~2.9, as in Fujian's census.
constexpr int kSizeWeights[] = {15, 27, 27, 17, 9, 5};

void Generator::make_households() {
  HouseholdWriter w{Rng(stream_seed(options_.seed, salt("households"))),
                    Ids(stream_seed(options_.seed, salt("household ids"))),
                    Ids(stream_seed(options_.seed, salt("resident ids"))), setup_ms_ + kDay};
  Rng& rng = w.rng;
  Weights sizes(std::span<const int>(kSizeWeights), [](int weight) { return weight; });
  for (int l : level3_) {
    const Grid& g = grids_[static_cast<size_t>(l)];
    for (int ci : g.communities) {
      const CommunitySpec& c = communities()[static_cast<size_t>(ci)];
      // Draw sizes until the community's registered residents are reached
      // exactly; the last household takes what is left.
      std::vector<int> household_sizes;
      int left = c.residents;
      while (left > 0) {
        int n = std::min(static_cast<int>(sizes.pick(rng)) + 1, left);
        household_sizes.push_back(n);
        left -= n;
      }
      int stairs = std::max(c.units, 1);
      int capacity = c.buildings * stairs * c.floors * c.rooms_per_floor;
      // Occupied flats spread over the community; the rest stand empty.
      std::vector<int> slots = choose_sorted(rng, capacity, static_cast<int>(household_sizes.size()));
      for (size_t k = 0; k < slots.size(); ++k) make_household(w, l, c, slots[k], household_sizes[k]);
    }
  }
  if (counts_.residents != kResidents) throw std::logic_error("demo park: residents do not match the park's figures");
}

void Generator::make_household(HouseholdWriter& w, int grid, const CommunitySpec& c, int slot, int size) {
  Rng& rng = w.rng;
  int stairs = std::max(c.units, 1);
  int per_stair = c.floors * c.rooms_per_floor;
  int building = slot / (stairs * per_stair) + 1;
  int stair = slot % (stairs * per_stair) / per_stair + 1;
  int floor = slot % per_stair / c.rooms_per_floor + 1;
  int room_number = floor * 100 + slot % c.rooms_per_floor + 1;

  std::string_view origin = birthplace_codes()[birthplaces_.pick(rng)].text;
  std::vector<Member> family = make_family(rng, size, origin);
  const Member& head = family.front();

  Household h;
  h.id = w.household_ids.next(w.t += kMinute);
  h.grid = grid;
  h.building = std::to_string(building) + "栋";
  std::string room = c.units > 0 ? std::to_string(stair) + "单元" + std::to_string(room_number) : std::to_string(room_number);
  h.address = std::string(c.name) + h.building + room + "室";

  std::vector<std::string_view> tags;
  if (size == 1 && now_year_ - head.birth_year >= 65) tags.push_back("独居老人");
  if (!origin.starts_with("3505")) tags.push_back("新市民");
  if (rng.chance(150)) tags.push_back("出租户");
  if (rng.chance(20)) tags.push_back("低保户");
  else if (rng.chance(20)) tags.push_back("困难家庭");
  std::string tag_text;
  for (auto t : tags) tag_text += (tag_text.empty() ? "" : ",") + std::string(t);

  const Grid& g = grids_[static_cast<size_t>(grid)];
  Row row(table("households"));
  row.text("grid_id", g.id).text("address", h.address).text("building", h.building).text("room", room);
  row.text("head_name", head.name).text("phone", head.phone).integer("members", size).text_opt("tags", tag_text);
  out_.put(row, h.id);
  ++counts_.households;

  for (const Member& m : family) {
    Row r(table("residents"));
    r.text("household_id", h.id).text("grid_id", g.id).text("name", m.name);
    r.text("gender", m.male ? "male" : "female").integer("birth_year", m.birth_year).text("id_number", m.id_number);
    r.text_opt("phone", m.phone).text("relation", m.relation).text_opt("tags", m.tags);
    out_.put(r, w.resident_ids.next(w.t));
    ++counts_.residents;
  }
  grids_[static_cast<size_t>(grid)].households.push_back(static_cast<int>(households_.size()));
  households_.push_back(std::move(h));
}

// A plausible family of `size`: the head first, then spouse, children,
// parents. Children take their father's surname; everyone shares the
// household's registered birthplace but an in-marrying spouse.
std::vector<Member> Generator::make_family(Rng& rng, int size, std::string_view origin) {
  std::vector<Member> family;
  auto add = [&](const std::string& surname, bool male, int age, std::string_view relation, std::string_view area) {
    Member m;
    m.male = male;
    m.birth_year = now_year_ - age;
    m.name = surname + namer_.given(rng, male, m.birth_year);
    m.relation = std::string(relation);
    m.id_number = id_numbers_.make(rng, area, m.birth_year, male);
    bool is_head = family.empty();
    if (is_head || (age >= 18 && rng.chance(age >= 75 ? 500 : 950))) m.phone = mobile(rng);
    std::vector<std::string_view> tags;
    if (age >= 80) tags.push_back("高龄老人");
    if (age >= 18 && rng.chance(60)) tags.push_back("党员");
    if (male && age >= 25 && age <= 70 && rng.chance(30)) tags.push_back("退役军人");
    if (rng.chance(15)) tags.push_back("残疾人");
    if (age >= 18 && age <= 65 && rng.chance(30)) tags.push_back("志愿者");
    for (auto t : tags) m.tags += (m.tags.empty() ? "" : ",") + std::string(t);
    family.push_back(std::move(m));
  };
  auto other_area = [&]() { return rng.chance(700) ? origin : birthplace_codes()[birthplaces_.pick(rng)].text; };

  std::string surname = namer_.surname(rng);
  int head_age = 0;
  bool spouse = size >= 3 || (size == 2 && rng.chance(550));
  int children = 0, parents = 0;
  if (size == 1) {
    auto r = rng.below(100);
    head_age = r < 45 ? rng.between_i(20, 35) : r < 75 ? rng.between_i(36, 64) : rng.between_i(65, 88);
  } else if (size == 2) {
    if (spouse) head_age = rng.between_i(22, 80);
    else if (rng.chance(650)) head_age = rng.between_i(38, 62), children = 1;
    else head_age = rng.between_i(22, 40), parents = 1;
  } else {
    head_age = rng.between_i(22 + size * 2, 50 + size);
    int rest = size - 2;
    parents = size == 6 ? 2 : size == 5 ? (rng.chance(800) ? 1 : 0) : size == 4 ? (rng.chance(300) ? 1 : 0) : 0;
    children = rest - parents;
  }
  bool head_male = spouse ? rng.chance(800) : rng.chance(550);
  add(surname, head_male, head_age, "户主", origin);
  std::string children_surname = surname;
  if (spouse) {
    int age = std::max(20, head_age + rng.between_i(-4, 4) + (head_male ? -2 : 2));
    std::string spouse_surname = namer_.surname(rng);
    add(spouse_surname, !head_male, age, "配偶", other_area());
    if (!head_male) children_surname = spouse_surname;
  }
  for (int k = 0; k < children; ++k) {
    int age = rng.between_i(std::max(0, head_age - 45), std::min(head_age - 20, 30));
    add(children_surname, rng.chance(520), age, "子女", origin);
  }
  for (int k = 0; k < parents; ++k) {
    bool father = parents == 2 ? k == 0 : rng.chance(450);
    int age = std::min(95, head_age + rng.between_i(22, 32));
    add(father ? surname : namer_.surname(rng), father, age, "父母", origin);
  }
  if (static_cast<int>(family.size()) != size) throw std::logic_error("demo park: family size");
  return family;
}

// ---- history: patrols ------------------------------------------------------

int Generator::user_for_grid(Rng& rng, int grid) {
  const Grid& g = grids_[static_cast<size_t>(grid)];
  if (g.part_timers.empty() || rng.chance(300)) return workers_[static_cast<size_t>(g.unit)];
  return rng.pick(g.part_timers);
}

std::string Generator::place_in(Rng& rng, int grid) {
  const Grid& g = grids_[static_cast<size_t>(grid)];
  if (!g.communities.empty()) {
    const CommunitySpec& c = communities()[static_cast<size_t>(rng.pick(g.communities))];
    return std::string(c.name) + std::to_string(rng.between_i(1, c.buildings)) + "栋";
  }
  if (!g.enterprises.empty()) return enterprises_[static_cast<size_t>(rng.pick(g.enterprises))].name;
  return g.name;
}

int Generator::random_grid(Rng& rng, char where) {
  for (;;) {
    int l = rng.pick(level3_);
    std::string_view kind = grids_[static_cast<size_t>(l)].kind;
    if (where == 'a' || (where == 'c') == (kind == "community")) return l;
  }
}

// A patrol's waypoints: a random walk across the grid, kept off its border.
std::vector<geo::LonLat> route(Rng& rng, const Rect& r) {
  int64_t lon = rng.between(r.west, r.east), lat = rng.between(r.south, r.north);
  int64_t step_lon = (r.east - r.west) / 8, step_lat = (r.north - r.south) / 8;
  std::vector<geo::LonLat> out;
  int n = rng.between_i(6, 14);
  for (int i = 0; i < n; ++i) {
    auto [x, y] = ParkMap::planned(r, static_cast<double>(lon - r.west) / static_cast<double>(r.east - r.west),
                                   static_cast<double>(lat - r.south) / static_cast<double>(r.north - r.south));
    out.push_back(ParkMap::bend(x, y));
    lon = std::clamp(lon + rng.between(-step_lon, step_lon), r.west, r.east);
    lat = std::clamp(lat + rng.between(-step_lat, step_lat), r.south, r.north);
  }
  return out;
}

geo::LonLat Generator::somewhere(int grid) {
  auto unit = [&] { return static_cast<double>(where_.below(1'000'000)) / 1e6; };
  double u = unit(), v = unit();
  return map_->place(grids_[static_cast<size_t>(grid)].rect, u, v);
}

std::string Generator::fix_in(int grid, int64_t at, geo::FixSource src, double min_acc, double max_acc) {
  geo::LonLat p = somewhere(grid);
  double acc = min_acc + static_cast<double>(where_.below(1000)) / 1000 * (max_acc - min_acc);
  return geo::fix_json({p, acc, at, src});
}

// The patrol's track as a tablet would have kept it, in one segment (the
// tablet writes one every tuning::kTrackFlushMs; history needs no more),
// and the check-in at its start.
void Generator::emit_track(const Patrol& p, const std::vector<geo::TrackPoint>& points) {
  const Grid& g = grids_[static_cast<size_t>(p.grid)];
  const std::string& worker = users_[static_cast<size_t>(p.worker)].id;
  Row track(table("tracks"));
  track.text("patrol_id", p.id).text("grid_id", g.id).text("worker_id", worker).integer("seq", 0);
  track.integer("started_at", points.front().at_ms).integer("ended_at", points.back().at_ms);
  track.text("points", geo::encode_track(points)).integer("length_m", std::llround(geo::length_m(points)));
  out_.put(track, track_ids_.next(points.front().at_ms));
  ++counts_.tracks;

  Row checkin(table("checkins"));
  checkin.text("grid_id", g.id).text("user_id", worker).text("patrol_id", p.id).integer("at", p.started_at);
  checkin.text("fix", geo::fix_json({points.front().p, 5, p.started_at, geo::FixSource::gps}));
  checkin.boolean("inside", geo::contains(g.polygon, points.front().p));
  out_.put(checkin, checkin_ids_.next(p.started_at));
  ++counts_.checkins;
}

void Generator::make_patrols() {
  Rng rng(stream_seed(options_.seed, salt("patrols")));
  const auto items = checklist_items();
  auto add = [&](int worker, int grid, int64_t day) {
    Patrol p;
    p.worker = worker;
    p.grid = grid;
    p.started_at = local_time(day, rng.between_i(510, 990)) + rng.between(0, 59) * kSecond;
    p.ended_at = p.started_at + rng.between(40, 150) * kMinute + rng.between(0, 59) * kSecond;
    if (p.ended_at >= now_) return;
    p.place = place_in(rng, grid);
    p.seq = static_cast<int>(patrols_.size());
    patrols_.push_back(std::move(p));
  };
  const auto& cal = WorkCalendar::china();
  for (int64_t day = today_ - options_.history_days; day <= today_; ++day) {
    bool workday = cal.is_working_day(day);
    for (int u : part_timers_)
      if (rng.chance(workday ? 111 : 33)) add(u, users_[static_cast<size_t>(u)].grid, day);
    for (int u : workers_)
      if (rng.chance(workday ? 300 : 50)) add(u, rng.pick(grids_[static_cast<size_t>(users_[static_cast<size_t>(u)].grid)].children), day);
  }
  std::sort(patrols_.begin(), patrols_.end(), [](const Patrol& a, const Patrol& b) {
    return a.started_at != b.started_at ? a.started_at < b.started_at : a.seq < b.seq;
  });

  Ids ids(stream_seed(options_.seed, salt("patrol ids")));
  const TableSpec& t = table("patrols");
  for (auto& p : patrols_) {
    const Grid& g = grids_[static_cast<size_t>(p.grid)];
    bool residential = g.kind == "community";
    std::vector<int> applicable;
    for (size_t i = 0; i < items.size(); ++i)
      if (residential ? items[i].community : items[i].enterprise) applicable.push_back(static_cast<int>(i));
    Json checklist = Json::array();
    std::string notes;
    for (int k : choose_sorted(rng, static_cast<int>(applicable.size()), 5)) {
      int i = applicable[static_cast<size_t>(k)];
      bool ok = !rng.chance(56);
      Json entry = Json::object();
      entry.set("item", items[static_cast<size_t>(i)].item);
      entry.set("ok", ok);
      checklist.push(std::move(entry));
      if (ok) continue;
      p.failed.push_back(i);
      notes += (notes.empty() ? "" : "；") + fill(items[static_cast<size_t>(i)].finding, p.place, 0);
    }
    if (notes.empty()) notes = std::string(rng.pick(patrol_notes_ok()));
    p.id = ids.next(p.started_at);
    Row row(t);
    row.text("grid_id", g.id).text("worker_id", users_[static_cast<size_t>(p.worker)].id);
    row.integer("started_at", p.started_at).integer("ended_at", p.ended_at).text("status", "done");
    row.json("checklist", checklist);
    auto waypoints = route(rng, g.rect);
    row.integer("findings", static_cast<int64_t>(p.failed.size())).text("notes", notes);
    auto track = walk_track(waypoints, p.started_at, p.ended_at, where_.next());
    if (track.size() >= 2) {
      row.text("start_fix", geo::fix_json({track.front().p, 5, p.started_at, geo::FixSource::gps}))
          .text("end_fix", geo::fix_json({track.back().p, 5, p.ended_at, geo::FixSource::gps}))
          .integer("distance_m", std::llround(geo::length_m(track)))
          .integer("inside_ms", geo::time_inside_ms(track, g.polygon));
    }
    out_.put(row, p.id);
    ++counts_.patrols;
    if (track.size() >= 2) emit_track(p, track);
  }
}

// ---- history: visits -------------------------------------------------------

void Generator::make_visits() {
  Rng rng(stream_seed(options_.seed, salt("visits")));
  const auto texts = visit_texts();
  // Most visits find nothing to follow up.
  Weights household_texts(texts, [](const VisitText& v) { return v.target_kind == "household" ? (v.need.empty() ? 6 : 1) : 0; });
  Weights enterprise_texts(texts, [](const VisitText& v) { return v.target_kind == "enterprise" ? (v.need.empty() ? 6 : 1) : 0; });

  auto add = [&](int visitor, int grid, int64_t day) {
    const Grid& g = grids_[static_cast<size_t>(grid)];
    Visit v;
    v.visitor = visitor;
    v.grid = grid;
    v.household = g.kind == "community";
    if (v.household) {
      const Household& h = households_[static_cast<size_t>(rng.pick(g.households))];
      v.target_id = h.id;
      v.place = h.address;
      v.text = static_cast<int>(household_texts.pick(rng));
    } else {
      const Enterprise& e = enterprises_[static_cast<size_t>(rng.pick(g.enterprises))];
      v.target_id = e.id;
      v.place = e.name;
      v.text = static_cast<int>(enterprise_texts.pick(rng));
    }
    v.at = local_time(day, rng.between_i(540, 1050)) + rng.between(0, 59) * kSecond;
    if (v.at >= now_) return;
    v.seq = static_cast<int>(visits_.size());
    visits_.push_back(std::move(v));
  };
  const auto& cal = WorkCalendar::china();
  for (int64_t day = today_ - options_.history_days; day <= today_; ++day) {
    bool workday = cal.is_working_day(day);
    for (int u : part_timers_)
      if (rng.chance(workday ? 350 : 80)) add(u, users_[static_cast<size_t>(u)].grid, day);
    for (int u : workers_)
      if (rng.chance(workday ? 250 : 30)) add(u, rng.pick(grids_[static_cast<size_t>(users_[static_cast<size_t>(u)].grid)].children), day);
    // Cadres call on the enterprises of their linked unit grid (平时包联).
    for (int u : cadres_) {
      if (!workday || !rng.chance(80)) continue;
      std::vector<int> firms;
      for (int l : grids_[static_cast<size_t>(units_[static_cast<size_t>(users_[static_cast<size_t>(u)].department)])].children)
        if (!grids_[static_cast<size_t>(l)].enterprises.empty()) firms.push_back(l);
      if (!firms.empty()) add(u, rng.pick(firms), day);
    }
  }
  std::sort(visits_.begin(), visits_.end(), [](const Visit& a, const Visit& b) {
    return a.at != b.at ? a.at < b.at : a.seq < b.seq;
  });

  Ids ids(stream_seed(options_.seed, salt("visit ids")));
  const TableSpec& t = table("visits");
  for (auto& v : visits_) {
    const VisitText& text = texts[static_cast<size_t>(v.text)];
    v.id = ids.next(v.at);
    Row row(t);
    row.text("grid_id", grids_[static_cast<size_t>(v.grid)].id).text("target_kind", v.household ? "household" : "enterprise");
    row.text("target_id", v.target_id).text("visitor_id", users_[static_cast<size_t>(v.visitor)].id);
    row.integer("visited_at", v.at).text("purpose", std::string(text.purpose)).text("notes", std::string(text.notes));
    if (!text.need.empty()) {
      row.text("needs", std::string(text.need));
      row.integer("follow_up_at", v.at + rng.between(2, 7) * kDay);
    }
    row.text("fix", fix_in(v.grid, v.at, geo::FixSource::gps, 3, 25));
    out_.put(row, v.id);
    ++counts_.visits;
  }
}

// ---- history: cases --------------------------------------------------------

void Generator::make_cases() {
  Rng rng(stream_seed(options_.seed, salt("cases")));
  const auto items = checklist_items();
  const auto texts = visit_texts();
  auto add = [&](Case c) {
    if (c.reported_at > now_ - 10 * kMinute) return;  // leave room for the first steps
    c.seq = static_cast<int>(cases_.size());
    cases_.push_back(std::move(c));
  };
  // Findings of patrols and needs found on visits become cases...
  for (size_t i = 0; i < patrols_.size(); ++i) {
    const Patrol& p = patrols_[i];
    if (p.failed.empty() || !rng.chance(700)) continue;
    Case c;
    c.grid = p.grid;
    c.source = "patrol";
    c.category = items[static_cast<size_t>(p.failed.front())].category;
    c.place = p.place;
    c.reporter = p.worker;
    c.patrol = static_cast<int>(i);
    c.reported_at = p.ended_at + rng.between(5, 30) * kMinute;
    add(std::move(c));
  }
  for (size_t i = 0; i < visits_.size(); ++i) {
    const Visit& v = visits_[i];
    const VisitText& text = texts[static_cast<size_t>(v.text)];
    if (text.need.empty() || !rng.chance(600)) continue;
    Case c;
    c.grid = v.grid;
    c.source = "visit";
    c.category = text.category;
    c.place = v.place;
    c.reporter = v.visitor;
    c.visit = static_cast<int>(i);
    c.reported_at = v.at + rng.between(10, 60) * kMinute;
    add(std::move(c));
  }
  // ...and so do calls to the 12345 hotline and tasks the office assigns.
  Weights hotline(std::span<const Weighted>(kHotlineCategories), [](const Weighted& w) { return w.weight; });
  Weights assigned(std::span<const Weighted>(kAssignedCategories), [](const Weighted& w) { return w.weight; });
  const auto& cal = WorkCalendar::china();
  for (int64_t day = today_ - options_.history_days; day <= today_; ++day) {
    for (int n = rng.between_i(0, 3); n > 0; --n) {
      Case c;
      c.source = "hotline";
      c.category = kHotlineCategories[hotline.pick(rng)].text;
      c.grid = random_grid(rng, category_place(c.category).where);
      c.place = place_in(rng, c.grid);
      c.reporter = rng.chance(400) ? -1 : supervisor_;  // -1: the caller asked for confidentiality
      c.reported_at = local_time(day, rng.between_i(450, 1290)) + rng.between(0, 59) * kSecond;
      add(std::move(c));
    }
    if (cal.is_working_day(day) && rng.chance(800)) {
      Case c;
      c.source = "assigned";
      c.category = kAssignedCategories[assigned.pick(rng)].text;
      c.grid = random_grid(rng, category_place(c.category).where);
      c.place = place_in(rng, c.grid);
      c.reporter = user_for_grid(rng, c.grid);
      c.reported_at = local_time(day, rng.between_i(510, 1020)) + rng.between(0, 59) * kSecond;
      add(std::move(c));
    }
  }
  std::sort(cases_.begin(), cases_.end(), [](const Case& a, const Case& b) {
    return a.reported_at != b.reported_at ? a.reported_at < b.reported_at : a.seq < b.seq;
  });
  choose_statuses(rng);

  Ids ids(stream_seed(options_.seed, salt("case ids")));
  for (size_t i = 0; i < cases_.size(); ++i) {
    cases_[i].id = ids.next(cases_[i].reported_at);
    emit_case(rng, i);
  }

  std::sort(log_.begin(), log_.end(), [](const LogEntry& a, const LogEntry& b) {
    return a.at != b.at ? a.at < b.at : a.seq < b.seq;
  });
  Ids log_ids(stream_seed(options_.seed, salt("case log ids")));
  const TableSpec& t = table("case_log");
  for (const auto& e : log_) {
    const Case& c = cases_[static_cast<size_t>(e.case_index)];
    Row row(t);
    row.text("case_id", c.id).text("grid_id", grids_[static_cast<size_t>(c.grid)].id).text("action", std::string(e.action));
    if (!e.from.empty()) row.text("from_status", std::string(e.from));
    row.text("to_status", std::string(e.to)).text("actor_id", users_[static_cast<size_t>(e.actor)].id);
    row.text("note", e.note).integer("at", e.at);
    out_.put(row, log_ids.next(e.at));
    ++counts_.case_log;
  }
}

// The status a case has reached by now: young cases are still open, old
// ones closed and mostly evaluated; a few are rejected at intake.
void Generator::choose_statuses(Rng& rng) {
  static constexpr std::string_view kLine[] = {"reported", "accepted", "dispatched", "handling",
                                               "resolved", "verified", "closed",     "evaluated"};
  static constexpr int kBands[][8] = {
      {40, 30, 30, 0, 0, 0, 0, 0},     // under 4 hours old
      {5, 10, 25, 35, 25, 0, 0, 0},    // under a day
      {0, 0, 5, 30, 25, 20, 20, 0},    // under 3 days
      {0, 0, 0, 8, 7, 10, 40, 35},     // under 10 days
      {0, 0, 0, 3, 0, 0, 30, 67},      // older
  };
  for (auto& c : cases_) {
    int64_t age = now_ - c.reported_at;
    int band = age < 4 * kHour ? 0 : age < kDay ? 1 : age < 3 * kDay ? 2 : age < 10 * kDay ? 3 : 4;
    if (rng.chance(50)) {
      c.status = "rejected";
      continue;
    }
    Weights w(std::span<const int>(kBands[band]), [](int x) { return x; });
    c.status = kLine[w.pick(rng)];
  }
  // Every status must show up in the demo, however the draws fell: borrow a
  // case from a status that has several, the newest for early statuses and
  // the oldest for late ones.
  for (std::string_view s : kCaseStatusNames) {
    auto count = [&](std::string_view st) {
      return std::count_if(cases_.begin(), cases_.end(), [&](const Case& c) { return c.status == st; });
    };
    if (count(s) > 0) continue;
    bool early = case_status_rank(s) <= case_status_rank("handling");
    for (size_t k = 0; k < cases_.size(); ++k) {
      Case& c = cases_[early ? cases_.size() - 1 - k : k];
      if (count(c.status) >= 2) {
        c.status = s;
        break;
      }
    }
  }
  for (auto& c : cases_) {
    if (c.status == "verified" || c.status == "closed" || c.status == "evaluated")
      c.rework = rng.chance(80) ? 1 : rng.chance(10) ? 2 : 0;
    else if (c.status == "handling" || c.status == "resolved")
      c.rework = rng.chance(60) ? 1 : 0;
  }
}

std::string_view severity(Rng& rng, const CategorySpec& cat) {
  std::string_view code = cat.code, major = code.substr(0, 2);
  if (major == "04") return rng.chance(500) ? "urgent" : "high";
  if (code == "0201" || code == "0202") return rng.chance(400) ? "high" : "normal";
  if (code == "0301") return rng.chance(500) ? "high" : "normal";
  if (cat.dispute) return rng.chance(800) ? "normal" : rng.chance(500) ? "low" : "high";
  if (major == "05") return rng.chance(400) ? "high" : "normal";
  return rng.chance(450) ? "low" : "normal";
}


// When the steps of a case happened: drawn gaps, moved into the working day
// (08:00-21:00) where that still ends before now, and squeezed into the time
// the case has had when they would run past now.
std::vector<int64_t> Generator::step_times(Rng& rng, int64_t reported_at, const std::vector<Step>& steps) const {
  std::vector<int64_t> gaps, delays;
  int64_t total = 0;
  for (const auto& s : steps) {
    total += gaps.emplace_back(s.max_ms > 0 ? rng.between(s.min_ms, s.max_ms) : 0);
    delays.push_back(rng.between(0, 90) * kMinute);
  }
  int64_t room = now_ - reported_at - kMinute;
  for (bool daytime : {true, false}) {
    std::vector<int64_t> times;
    int64_t at = reported_at;
    for (size_t k = 0; k < steps.size(); ++k) {
      int64_t gap = total > room ? gaps[k] * room / total : gaps[k];
      at = k == 0 ? at : std::max(at + kSecond, at + gap);
      if (daytime && k > 0) {
        int64_t local = at + kChinaOffsetMs;
        int64_t minute = local % kDay / kMinute;
        int64_t day = local / kDay;
        if (minute < 8 * 60) at = local_time(day, 8 * 60) + delays[k];
        else if (minute >= 21 * 60) at = local_time(day + 1, 8 * 60) + delays[k];
      }
      times.push_back(at);
    }
    if (times.back() <= now_) return times;
  }
  throw std::logic_error("demo park: case steps run past now");
}

// Satisfaction scores of the call-back, 5 down to 1.
constexpr int kScoreWeights[] = {60, 28, 8, 3, 1};

void Generator::emit_case(Rng& rng, size_t index) {
  Case& c = cases_[index];
  const CategorySpec* cat = find_category(c.category);
  if (!cat) throw std::logic_error("demo park: unknown category " + std::string(c.category));
  const Grid& g = grids_[static_cast<size_t>(c.grid)];
  bool to_department = cat->route == RouteHint::department;
  int department = to_department ? category_place(c.category).department - 1 : -1;
  int chief = chiefs_[static_cast<size_t>(g.zone)];
  int triage = to_department ? supervisor_ : chief;
  // Small disputes are mediated by the zone chief with the grid's workers.
  int assignee = to_department ? cadres_[static_cast<size_t>(department * kCadresPerDepartment) + rng.index(kCadresPerDepartment)]
                 : cat->dispute && rng.chance(400) ? chief
                                                   : user_for_grid(rng, c.grid);
  int verifier = to_department ? user_for_grid(rng, c.grid) : chief;

  std::vector<const CaseText*> options;
  for (const auto& t : case_texts())
    if (t.category == c.category) options.push_back(&t);
  if (options.empty()) throw std::logic_error("demo park: no text for category " + std::string(c.category));
  const CaseText& text = *rng.pick(options);
  int n = c.category == "0402" ? rng.between_i(10, 40) : c.category == "0701" ? rng.between_i(20, 200) : rng.between_i(3, 25);
  std::string title = fill(text.title, c.place, n);
  std::string description = fill(text.description, c.place, n);
  bool hotline = c.source == "hotline";
  bool confidential = hotline && c.reporter < 0;
  std::string caller = hotline ? person_name(rng) : std::string(), caller_phone = hotline ? mobile(rng) : std::string();
  if (hotline) description = "市民来电反映：" + description;
  if (confidential) description += "来电人要求对其身份保密。";

  // The workflow path up to the status the case has reached (DESIGN §5).
  std::string_view status = c.status;
  auto reached = [&](std::string_view s) { return status != "rejected" && case_status_rank(status) >= case_status_rank(s); };
  std::vector<Step> steps;
  steps.push_back({"report", "reported", c.reporter >= 0 ? c.reporter : supervisor_, title, 0, 0});
  int score = 0;
  if (status == "rejected") steps.push_back({"reject", "rejected", triage, std::string(rng.pick(reject_reasons())), 10 * kMinute, 3 * kHour});
  if (reached("accepted")) steps.push_back({"accept", "accepted", triage, "予以受理。", 10 * kMinute, 3 * kHour});
  if (reached("dispatched")) {
    std::string note = to_department ? "转" + std::string(departments()[static_cast<size_t>(department)].short_name) + "处置。"
                                     : "分派给" + users_[static_cast<size_t>(assignee)].name + "处理。";
    steps.push_back({"dispatch", "dispatched", triage, note, 5 * kMinute, 90 * kMinute});
  }
  if (reached("handling")) steps.push_back({"start", "handling", assignee, "已到现场处理。", 20 * kMinute, 6 * kHour});
  std::string resolution = fill(text.resolution, c.place, n);
  if (reached("resolved") || (status == "handling" && c.rework > 0)) {
    steps.push_back({"resolve", "resolved", assignee, resolution, kHour, 48 * kHour});
    for (int k = 0; k < c.rework; ++k) {
      steps.push_back({"rework", "handling", verifier, std::string(rng.pick(rework_reasons())), 2 * kHour, 24 * kHour});
      if (status == "handling" && k == c.rework - 1) break;
      steps.push_back({"resolve", "resolved", assignee, resolution, 2 * kHour, 48 * kHour});
    }
  }
  if (reached("verified")) steps.push_back({"verify", "verified", verifier, "核查通过。", kHour, 24 * kHour});
  if (reached("closed")) steps.push_back({"close", "closed", supervisor_, "予以结案。", 30 * kMinute, 24 * kHour});
  if (reached("evaluated")) {
    Weights w(std::span<const int>(kScoreWeights), [](int x) { return x; });
    score = 5 - static_cast<int>(w.pick(rng));
    steps.push_back({"evaluate", "evaluated", supervisor_, std::string(evaluation_notes()[static_cast<size_t>(5 - score)]), kDay, 3 * kDay});
  }

  std::vector<int64_t> times = step_times(rng, c.reported_at, steps);
  for (size_t k = 0; k < steps.size(); ++k) {
    LogEntry e;
    e.case_index = static_cast<int>(index);
    e.action = steps[k].action;
    e.from = k == 0 ? std::string_view{} : steps[k - 1].to;
    e.to = steps[k].to;
    e.actor = steps[k].actor;
    e.note = steps[k].note;
    e.at = times[k];
    e.seq = static_cast<int>(log_.size());
    log_.push_back(std::move(e));
  }

  Row row(table("cases"));
  row.text("grid_id", g.id).text("source", std::string(c.source)).text("category", std::string(c.category));
  row.text("severity", std::string(severity(rng, *cat))).text("title", title).text("description", description);
  if (cat->dispute) {
    Json parties = Json::array();
    Json applicant = Json::object();
    applicant.set("role", "申请人");
    // A caller with a dispute is its applicant, unless the caller asked
    // not to be named: then the call came from someone else about it.
    bool caller_is_party = hotline && !confidential;
    applicant.set("name", caller_is_party ? caller : person_name(rng));
    applicant.set("phone", caller_is_party ? caller_phone : mobile(rng));
    parties.push(std::move(applicant));
    Json respondent = Json::object();
    respondent.set("role", "被申请人");
    if (c.category == "0301" && !g.enterprises.empty())
      respondent.set("name", c.place);  // the firm the case is about
    else if (c.category == "0303" && !g.communities.empty())
      respondent.set("name", std::string(communities()[static_cast<size_t>(rng.pick(g.communities))].name) + "物业服务中心");
    else if (c.category == "0306")
      respondent.set("name", namer_.surname(rng) + "记商行");
    else
      respondent.set("name", person_name(rng));
    parties.push(std::move(respondent));
    row.json("parties", parties);
  }
  row.text("location", c.place).text("status", std::string(status));
  if (reached("dispatched")) {
    row.text("route", to_department ? "department" : "grid");
    if (to_department) row.text("department_id", department_ids_[static_cast<size_t>(department)]);
    row.text("assignee_id", users_[static_cast<size_t>(assignee)].id);
  }
  if (c.reporter >= 0) row.text("reporter_id", users_[static_cast<size_t>(c.reporter)].id);
  if (hotline) row.text("caller_name", caller).text("caller_phone", caller_phone);
  row.boolean("confidential", confidential).integer("reported_at", c.reported_at);
  row.integer("due_at", WorkCalendar::china().due_at(c.reported_at, cat->limit));
  if (reached("resolved")) row.text("resolution", resolution);
  if (score > 0) row.integer("score", score);
  row.integer("rework", c.rework);
  row.text("last_action", std::string(steps.back().action));
  if (steps.size() > 1) row.text("status_note", steps.back().note);
  for (size_t k = 0; k < steps.size(); ++k)
    if (steps[k].action == "close") row.integer("closed_at", times[k]);
  if (c.patrol >= 0) row.text("patrol_id", patrols_[static_cast<size_t>(c.patrol)].id);
  if (c.visit >= 0) row.text("visit_id", visits_[static_cast<size_t>(c.visit)].id);
  // A caller's words carry no fix; an assigned task is pinned by the office.
  if (!hotline)
    row.text("fix", fix_in(c.grid, c.reported_at, c.source == "assigned" ? geo::FixSource::manual : geo::FixSource::gps,
                           c.source == "assigned" ? 0 : 3, c.source == "assigned" ? 0 : 30));
  out_.put(row, c.id);
  ++counts_.cases;
}
}  // namespace

ParkCounts generate_park(const ParkOptions& options, RecordSink& sink) { return Generator(options, sink).run(); }

std::string park_account(int park, std::string_view name) {
  return park == 1 ? std::string(name) : "p" + pad(park, 2) + "-" + std::string(name);
}

ParkCounts& operator+=(ParkCounts& sum, const ParkCounts& c) {
  static constexpr int ParkCounts::*kAll[] = {
      &ParkCounts::zones,        &ParkCounts::unit_grids,        &ParkCounts::level3_grids,
      &ParkCounts::communities,  &ParkCounts::enterprises,       &ParkCounts::large_enterprises,
      &ParkCounts::households,   &ParkCounts::residents,         &ParkCounts::departments,
      &ParkCounts::users,        &ParkCounts::full_time_workers, &ParkCounts::part_time_workers,
      &ParkCounts::chiefs,       &ParkCounts::cadres,            &ParkCounts::assignments,
      &ParkCounts::patrols,      &ParkCounts::visits,            &ParkCounts::cases,
      &ParkCounts::case_log,     &ParkCounts::tracks,            &ParkCounts::checkins};
  for (auto field : kAll) sum.*field += c.*field;
  return sum;
}

ParkCounts generate_city(const ParkOptions& options, int parks, RecordSink& sink) {
  if (parks < 1 || parks > kMaxParks) throw std::invalid_argument("demo city: parks must be 1.." + std::to_string(kMaxParks));
  ParkCounts sum;
  for (int p = 1; p <= parks; ++p) {
    ParkOptions o = options;
    o.park = p;
    sum += generate_park(o, sink);
  }
  return sum;
}

}  // namespace gw::demo
