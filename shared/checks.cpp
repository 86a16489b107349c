#include "shared/checks.hpp"

#include "shared/roles.hpp"

namespace gw {

bool is_phone_text(std::string_view s) {
  if (s.empty()) return false;
  size_t digits = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') ++digits;
    else if (c == '+' && i == 0) continue;
    else if (c == '-' && i > 0 && i + 1 < s.size()) continue;
    else return false;
  }
  return digits >= 5;
}

char id_number_check_char(std::string_view first17) {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kCheck[] = "10X98765432";
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return kCheck[sum % 11];
}

bool is_id_number_text(std::string_view s) {
  if (s.size() != 18) return false;
  for (size_t i = 0; i < 17; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return s[17] == id_number_check_char(s.substr(0, 17));
}

bool is_role_list(std::string_view s) {
  auto set = RoleSet::parse(s);
  return set && !set->empty();
}

bool is_blob_hash(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace gw
