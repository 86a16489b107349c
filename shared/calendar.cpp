#include "shared/calendar.hpp"

#include <algorithm>

namespace gw {

// Howard Hinnant's civil-date algorithms (public domain), proleptic Gregorian.
int64_t days_from_civil(CivilDate d) {
  int64_t y = d.year - (d.month <= 2);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (d.month + (d.month > 2 ? -3 : 9)) + 2) / 5 + d.day - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilDate civil_from_days(int64_t z) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp + (mp < 10 ? 3 : -9);
  return {static_cast<int>(y + (m <= 2)), static_cast<int>(m), static_cast<int>(d)};
}

namespace {

constexpr int64_t kMinute = 60 * 1000;
constexpr int64_t kDay = 24 * 60 * kMinute;
// Office hours in minutes after local midnight.
constexpr int64_t kWindows[2][2] = {{8 * 60 + 30, 12 * 60}, {14 * 60, 17 * 60 + 30}};
constexpr int64_t kClose = kWindows[1][1];

// 国务院办公厅 holiday notices. Reference data: a city adds years as they are
// published.
constexpr HolidaySpan kChinaHolidays[] = {
    {{2025, 1, 1}, {2025, 1, 1}},   {{2025, 1, 28}, {2025, 2, 4}},  {{2025, 4, 4}, {2025, 4, 6}},
    {{2025, 5, 1}, {2025, 5, 5}},   {{2025, 5, 31}, {2025, 6, 2}},  {{2025, 10, 1}, {2025, 10, 8}},
    {{2026, 1, 1}, {2026, 1, 3}},   {{2026, 2, 15}, {2026, 2, 23}}, {{2026, 4, 4}, {2026, 4, 6}},
    {{2026, 5, 1}, {2026, 5, 5}},   {{2026, 6, 19}, {2026, 6, 21}}, {{2026, 9, 25}, {2026, 9, 27}},
    {{2026, 10, 1}, {2026, 10, 7}},
};
constexpr CivilDate kChinaMakeup[] = {
    {2025, 1, 26}, {2025, 2, 8},  {2025, 4, 27}, {2025, 9, 28}, {2025, 10, 11},
    {2026, 1, 4},  {2026, 2, 14}, {2026, 2, 28}, {2026, 5, 9},  {2026, 9, 20}, {2026, 10, 10},
};

}  // namespace

WorkCalendar::WorkCalendar(std::span<const HolidaySpan> holidays, std::span<const CivilDate> makeup) {
  for (const auto& h : holidays)
    for (int64_t d = days_from_civil(h.first); d <= days_from_civil(h.last); ++d) holidays_.push_back(d);
  for (const auto& m : makeup) makeup_.push_back(days_from_civil(m));
  std::sort(holidays_.begin(), holidays_.end());
  std::sort(makeup_.begin(), makeup_.end());
}

const WorkCalendar& WorkCalendar::china() {
  static const WorkCalendar cal(kChinaHolidays, kChinaMakeup);
  return cal;
}

bool WorkCalendar::is_working_day(int64_t day) const {
  if (std::binary_search(makeup_.begin(), makeup_.end(), day)) return true;
  if (std::binary_search(holidays_.begin(), holidays_.end(), day)) return false;
  int64_t weekday = ((day % 7) + 7 + 3) % 7;  // 0 = Monday; 1970-01-01 was a Thursday
  return weekday < 5;
}

bool WorkCalendar::is_working_day(CivilDate d) const { return is_working_day(days_from_civil(d)); }

int64_t WorkCalendar::due_at(int64_t start_ms, TimeLimit limit) const {
  int64_t local = start_ms + kChinaOffsetMs;
  int64_t day = local >= 0 ? local / kDay : (local - kDay + 1) / kDay;
  int64_t minute = (local - day * kDay) / kMinute;
  auto to_utc = [&](int64_t d, int64_t min) { return d * kDay + min * kMinute - kChinaOffsetMs; };

  if (limit.unit == LimitUnit::working_days) {
    int64_t left = limit.amount;
    while (left > 0) {
      ++day;
      if (is_working_day(day)) --left;
    }
    return to_utc(day, kClose);
  }

  int64_t left = int64_t{limit.amount} * 60;  // working minutes still to spend
  for (int guard = 0; guard < 3660; ++guard, ++day, minute = 0) {
    if (!is_working_day(day)) continue;
    for (const auto& w : kWindows) {
      int64_t from = std::max(minute, w[0]);
      if (from >= w[1]) continue;
      if (from + left <= w[1]) return to_utc(day, from + left);
      left -= w[1] - from;
    }
  }
  return to_utc(day, kClose);  // unreachable for any sane limit
}

Light WorkCalendar::light(int64_t start_ms, int64_t due_ms, int64_t now_ms) {
  if (now_ms > due_ms) return Light::red;
  int64_t span = due_ms - start_ms;
  if (span <= 0) return Light::red;
  // 80% of the allowed span, without overflow or floating point.
  return (now_ms - start_ms) * 5 >= span * 4 ? Light::yellow : Light::green;
}

}  // namespace gw
