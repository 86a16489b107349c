// What a patrol checks, by the kind of grid walked (巡查清单). Each item names
// the case category a finding on it suggests, so a finding becomes a case in
// one tap. Texts live in assets/i18n as "check.<key>".
#pragma once

#include <span>
#include <string_view>

namespace gw::client {

struct CheckItem {
  std::string_view key;
  std::string_view category;  // shared/categories
};

// zone | unit | community | enterprise; an unknown kind gets the unit list.
std::span<const CheckItem> checklist_for(std::string_view grid_kind);
const CheckItem* find_check_item(std::string_view grid_kind, std::string_view key);

}  // namespace gw::client
