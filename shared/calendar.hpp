// The working-day calendar for case time limits: weekdays, less public
// holidays, plus the weekend make-up days (调休) China moves work to. Times
// are Unix ms; the calendar's day runs on China Standard Time (UTC+8, no DST).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "shared/categories.hpp"

namespace gw {

struct CivilDate {
  int year = 1970, month = 1, day = 1;
  bool operator==(const CivilDate&) const = default;
};

int64_t days_from_civil(CivilDate d);  // days since 1970-01-01
CivilDate civil_from_days(int64_t days);

struct HolidaySpan {
  CivilDate first, last;  // both inclusive
};

enum class Light : unsigned char { green, yellow, red };

class WorkCalendar {
 public:
  WorkCalendar(std::span<const HolidaySpan> holidays, std::span<const CivilDate> makeup_days);

  // The published national schedule, 2025 and 2026.
  static const WorkCalendar& china();

  bool is_working_day(CivilDate d) const;
  bool is_working_day(int64_t day_number) const;

  // When a case that starts at start_ms with this limit is due.
  // Working hours are 08:30-12:00 and 14:00-17:30 local time; a limit in days
  // ends at the close of the Nth working day after the start day.
  int64_t due_at(int64_t start_ms, TimeLimit limit) const;

  // Green under 80% of the allowed time, yellow to 100%, red past it.
  static Light light(int64_t start_ms, int64_t due_ms, int64_t now_ms);

 private:
  std::vector<int64_t> holidays_;  // sorted day numbers
  std::vector<int64_t> makeup_;    // sorted day numbers
};

inline constexpr int64_t kChinaOffsetMs = 8 * 3600 * 1000;

}  // namespace gw
