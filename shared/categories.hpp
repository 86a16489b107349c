// The case category code table (DESIGN §3, after GB/T 30428 and CJ/T 214): a
// 2-digit major class and a 2-digit minor class, each minor class with its
// time limit in working hours or working days and the shorter limit that
// applies in a grid under takeover. Data, so a city can extend it.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace gw {

enum class LimitUnit : unsigned char { working_hours, working_days };

struct TimeLimit {
  int amount = 0;
  LimitUnit unit = LimitUnit::working_days;
};

enum class RouteHint : unsigned char { grid, department };

struct CategorySpec {
  std::string_view code;      // "0301"
  std::string_view name_zh;   // 劳资纠纷
  std::string_view name_en;   // Wage arrears dispute
  TimeLimit limit;            // normal time limit
  TimeLimit takeover_limit;   // in a grid under takeover (战时)
  RouteHint route;            // major matters go to a department with the police
  bool dispute;               // a 矛盾纠纷 type
};

struct MajorClass {
  std::string_view code;  // "03"
  std::string_view name_zh;
  std::string_view name_en;
};

std::span<const MajorClass> major_classes();
std::span<const CategorySpec> categories();
const CategorySpec* find_category(std::string_view code);
const MajorClass* find_major_class(std::string_view code);
bool is_category_code(std::string_view code);

}  // namespace gw
