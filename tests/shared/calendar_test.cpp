#include <doctest/doctest.h>

#include "shared/calendar.hpp"
#include "shared/categories.hpp"

using namespace gw;

namespace {
// Unix ms of a local (UTC+8) date and time.
int64_t local_ms(CivilDate d, int hour, int minute) {
  return days_from_civil(d) * 86'400'000 + (hour * 60 + minute) * 60'000 - kChinaOffsetMs;
}
}  // namespace

TEST_SUITE("calendar") {
  TEST_CASE("civil dates round-trip") {
    CHECK(days_from_civil({1970, 1, 1}) == 0);
    CHECK(days_from_civil({2026, 11, 27}) == 20784);
    for (int64_t d = -1000; d < 30000; d += 7) CHECK(days_from_civil(civil_from_days(d)) == d);
  }

  TEST_CASE("weekends, holidays and make-up days") {
    const auto& cal = WorkCalendar::china();
    CHECK(cal.is_working_day(CivilDate{2026, 11, 27}));        // Friday
    CHECK_FALSE(cal.is_working_day(CivilDate{2026, 11, 28}));  // Saturday
    CHECK_FALSE(cal.is_working_day(CivilDate{2026, 10, 5}));   // National Day, a Monday
    CHECK(cal.is_working_day(CivilDate{2026, 10, 10}));        // make-up Saturday
    CHECK_FALSE(cal.is_working_day(CivilDate{2026, 2, 17}));   // Spring Festival
    CHECK(cal.is_working_day(CivilDate{2026, 2, 14}));         // make-up Saturday
  }

  TEST_CASE("a limit in working days ends at the close of the Nth working day") {
    const auto& cal = WorkCalendar::china();
    // Friday 10:00 + 3 working days: Mon, Tue, Wed -> Wednesday 17:30.
    CHECK(cal.due_at(local_ms({2026, 11, 27}, 10, 0), {3, LimitUnit::working_days}) ==
          local_ms({2026, 12, 2}, 17, 30));
    // Across National Day: 2026-09-30 + 1 working day skips Oct 1-7.
    CHECK(cal.due_at(local_ms({2026, 9, 30}, 9, 0), {1, LimitUnit::working_days}) ==
          local_ms({2026, 10, 8}, 17, 30));
  }

  TEST_CASE("a limit in working hours skips lunch, nights and weekends") {
    const auto& cal = WorkCalendar::china();
    CHECK(cal.due_at(local_ms({2026, 11, 26}, 9, 0), {2, LimitUnit::working_hours}) ==
          local_ms({2026, 11, 26}, 11, 0));
    // 11:00 + 2h: one hour before lunch, one after.
    CHECK(cal.due_at(local_ms({2026, 11, 26}, 11, 0), {2, LimitUnit::working_hours}) ==
          local_ms({2026, 11, 26}, 15, 0));
    // Friday 17:00 + 1h: half an hour Friday, half an hour Monday.
    CHECK(cal.due_at(local_ms({2026, 11, 27}, 17, 0), {1, LimitUnit::working_hours}) ==
          local_ms({2026, 11, 30}, 9, 0));
    // Reported at night: the clock starts at 08:30.
    CHECK(cal.due_at(local_ms({2026, 11, 26}, 22, 0), {4, LimitUnit::working_hours}) ==
          local_ms({2026, 11, 27}, 14, 30));
  }

  TEST_CASE("traffic lights at 80% and 100%") {
    CHECK(WorkCalendar::light(0, 100, 79) == Light::green);
    CHECK(WorkCalendar::light(0, 100, 80) == Light::yellow);
    CHECK(WorkCalendar::light(0, 100, 100) == Light::yellow);
    CHECK(WorkCalendar::light(0, 100, 101) == Light::red);
  }

  TEST_CASE("every category has a code, a limit and a shorter or equal takeover limit") {
    auto minutes = [](TimeLimit l) { return l.unit == LimitUnit::working_hours ? l.amount * 60 : l.amount * 420; };
    for (const auto& c : categories()) {
      CHECK(c.code.size() == 4);
      CHECK(find_major_class(c.code.substr(0, 2)));
      CHECK(c.limit.amount > 0);
      CHECK(minutes(c.takeover_limit) <= minutes(c.limit));
    }
    CHECK(find_category("0301")->dispute);
    CHECK(find_category("0301")->name_zh == "劳资纠纷");
  }
}
