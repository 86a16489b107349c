// Masked numbers (DESIGN §8): ID and phone numbers are shown masked unless
// the role needs them; the schema says which columns and how (ColumnSpec::mask).
#pragma once

#include <string>
#include <string_view>

#include "shared/roles.hpp"
#include "shared/schema.hpp"

namespace gw {

// The text as a view shows it to a role that does not need it: a phone
// keeps its first 3 and last 4 characters (138****5678), an ID number its
// first 4 and last 4. A value too short to keep that much and still hide
// 4 characters keeps only its last 2; text that is not plain ASCII (never
// a valid number) is hidden whole. Empty stays empty; a column with no
// mask comes back as it was.
std::string mask_value(const ColumnSpec& column, std::string_view text);

// What a user of these roles sees of a column's value: clear when the
// column has no mask or the roles need the numbers (sees_numbers_in_clear).
std::string shown_value(const ColumnSpec& column, RoleSet roles, std::string_view text);

}  // namespace gw
