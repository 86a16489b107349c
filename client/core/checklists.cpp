#include "client/core/checklists.hpp"

namespace gw::client {
namespace {

// Residential: fire passages and wiring, rubbish, neighbours, people in need.
constexpr CheckItem kCommunity[] = {
    {"fire_exits", "0201"},      {"e_bike_charging", "0203"}, {"rubbish", "0102"},
    {"piling", "0101"},          {"posters", "0103"},         {"neighbour_disputes", "0302"},
    {"property_issues", "0303"}, {"elderly_alone", "0601"},   {"suspicious", "0502"},
};

// Enterprises: fire and chemicals, equipment, and the signs of unpaid wages
// that precede the park's largest disputes.
constexpr CheckItem kEnterprise[] = {
    {"fire_exits", "0201"},     {"chemicals", "0202"},       {"wiring", "0203"},
    {"equipment", "0204"},      {"wage_arrears", "0702"},    {"staffing", "0701"},
    {"labour_disputes", "0301"}, {"road_damage", "0105"},    {"rubbish", "0102"},
};

// A unit or zone mixes both: the items that matter anywhere.
constexpr CheckItem kUnit[] = {
    {"fire_exits", "0201"}, {"wiring", "0203"},       {"chemicals", "0202"},
    {"wage_arrears", "0702"}, {"rubbish", "0102"},    {"vending", "0104"},
    {"road_damage", "0105"}, {"neighbour_disputes", "0302"}, {"suspicious", "0502"},
};

}  // namespace

std::span<const CheckItem> checklist_for(std::string_view grid_kind) {
  if (grid_kind == "community") return kCommunity;
  if (grid_kind == "enterprise") return kEnterprise;
  return kUnit;
}

const CheckItem* find_check_item(std::string_view grid_kind, std::string_view key) {
  for (const auto& item : checklist_for(grid_kind))
    if (item.key == key) return &item;
  return nullptr;
}

}  // namespace gw::client
