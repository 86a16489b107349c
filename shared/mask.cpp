#include "shared/mask.hpp"

namespace gw {

std::string mask_value(const ColumnSpec& column, std::string_view text) {
  if (column.mask == Mask::none || text.empty()) return std::string(text);
  for (unsigned char c : text)
    if (c < 0x20 || c > 0x7e) return "****";
  const size_t n = text.size();
  size_t head = column.mask == Mask::phone ? 3 : 4, tail = 4;
  constexpr size_t kHidden = 4;  // fewer hidden characters would hardly hide the number
  if (n < head + tail + kHidden) {
    head = 0;
    tail = n > 2 + kHidden ? 2 : 0;
  }
  return std::string(text.substr(0, head)) + std::string(n - head - tail, '*') + std::string(text.substr(n - tail));
}

std::string shown_value(const ColumnSpec& column, RoleSet roles, std::string_view text) {
  return sees_numbers_in_clear(roles) ? std::string(text) : mask_value(column, text);
}

}  // namespace gw
