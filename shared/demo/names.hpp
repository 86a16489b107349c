// Reference text for the demo park: names of people, places and firms, and
// the phrases grid workers write. Data only; park.cpp draws from it.
//
// Every Chinese character here is in Dear ImGui's common simplified set
// (GetGlyphRangesChineseSimplifiedCommon, 2,500 characters): the client loads
// only that range, and anything outside it renders as '?'. That rules out some
// frequent surnames (郭, 蔡, 邓, 韩, ...); common_hanzi() holds the set so a test
// can keep it that way.
#pragma once

#include <span>
#include <string_view>

namespace gw::demo {

struct Weighted {
  std::string_view text;
  int weight = 1;
};

// Surnames, weighted by frequency with a Quanzhou bias (陈, 林, 黄, 吴 lead).
std::span<const Weighted> surnames();
// Characters for given names.
std::span<const std::string_view> male_name_chars();
std::span<const std::string_view> female_name_chars();
// Fashionable for children born after 2005.
std::span<const std::string_view> young_name_chars();

// Area codes of birthplaces on ID numbers: mostly Quanzhou, the rest the
// provinces the park's migrant workers come from.
std::span<const Weighted> birthplace_codes();

// The three level-1 zones, in order.
std::span<const std::string_view> zone_names();

struct CommunitySpec {
  std::string_view name;
  bool large = false;      // stands alone as its own level-3 grid
  int residents = 0;       // registered residents (sum: 42,684)
  int buildings = 0;
  int units = 0;           // stairwells per building; 0: none (low-rise)
  int floors = 0;
  int rooms_per_floor = 0;
};
// The 17 residential communities, the 4 large ones first.
std::span<const CommunitySpec> communities();

struct LandmarkEnterprise {
  std::string_view short_name;  // the grid's name
  std::string_view name;
  std::string_view industry;
  int employees = 0;
};
// The 15 large enterprises that stand alone as their own level-3 grid.
std::span<const LandmarkEnterprise> landmark_enterprises();

struct Industry {
  std::string_view name;       // enterprises.industry
  std::string_view name_word;  // as it appears in a firm's name: 鞋业, 食品
  int weight = 1;
};
std::span<const Industry> industries();
// Characters of trade names (字号): two make a name such as 华盛.
std::span<const std::string_view> trade_name_chars();
// Roads of the park, for enterprise addresses and enterprise grid names.
std::span<const std::string_view> road_names();

struct DepartmentSpec {
  std::string_view name;
  std::string_view short_name;
};
// The 12 linked departments; department N is linked to unit grid N.
std::span<const DepartmentSpec> departments();

std::span<const std::string_view> household_tags();
std::span<const std::string_view> resident_tags();

// One patrol checklist item; a failed item becomes a finding and may become
// a case of its category.
struct ChecklistItem {
  std::string_view item;
  std::string_view category;  // case category code
  std::string_view finding;   // note when it fails; {p}: the place
  bool community = false;     // checked in residential grids
  bool enterprise = false;    // checked in enterprise grids
};
std::span<const ChecklistItem> checklist_items();
std::span<const std::string_view> patrol_notes_ok();

// What a visit found. An empty `need` means nothing to follow up.
struct VisitText {
  std::string_view target_kind;  // household, enterprise
  std::string_view purpose;
  std::string_view notes;
  std::string_view need;
  std::string_view category;     // the case category when the need becomes a case
};
std::span<const VisitText> visit_texts();

// Title, description and resolution of a case; {p} is the place, {n} a
// number.
struct CaseText {
  std::string_view category;
  std::string_view title;
  std::string_view description;
  std::string_view resolution;
};
std::span<const CaseText> case_texts();
std::span<const std::string_view> reject_reasons();
std::span<const std::string_view> rework_reasons();
// What the satisfaction call-back heard, best first (score 5 down to 1).
std::span<const std::string_view> evaluation_notes();

// ImGui's common simplified set, as UTF-8.
std::string_view common_hanzi();

}  // namespace gw::demo
