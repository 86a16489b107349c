// The five roles of DESIGN §1. A user may hold several, so a set is a bitmask.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gw {

enum class Role : uint8_t { worker = 0, chief, cadre, supervisor, admin };

inline constexpr Role kAllRoles[] = {Role::worker, Role::chief, Role::cadre, Role::supervisor,
                                     Role::admin};

class RoleSet {
 public:
  constexpr RoleSet() = default;
  constexpr RoleSet(std::initializer_list<Role> roles) {
    for (Role r : roles) bits_ |= bit(r);
  }
  static constexpr RoleSet all() { return RoleSet{Role::worker, Role::chief, Role::cadre, Role::supervisor, Role::admin}; }

  constexpr bool has(Role r) const { return bits_ & bit(r); }
  constexpr bool intersects(RoleSet o) const { return bits_ & o.bits_; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr void add(Role r) { bits_ |= bit(r); }
  constexpr uint8_t bits() const { return bits_; }
  constexpr bool operator==(const RoleSet&) const = default;

  // "worker,chief" <-> RoleSet; unknown names make parse fail.
  std::string to_string() const;
  static std::optional<RoleSet> parse(std::string_view csv);

 private:
  static constexpr uint8_t bit(Role r) { return static_cast<uint8_t>(1u << static_cast<unsigned>(r)); }
  uint8_t bits_ = 0;
};

// Who sees ID and phone numbers in clear (DESIGN §8), the one rule: admins,
// who decide conflicts on exactly those fields (a resident's ID number, a
// household's phone) and must compare the digits. Everyone else works with
// the masked number and reveals one when the job needs it, an audited action:
// a worker calls the number of the household in front of them, not the grid's.
constexpr bool sees_numbers_in_clear(RoleSet roles) { return roles.has(Role::admin); }

std::string_view role_name(Role r);
std::optional<Role> role_from_name(std::string_view name);

}  // namespace gw
