#include "shared/roles.hpp"

namespace gw {

std::string_view role_name(Role r) {
  switch (r) {
    case Role::worker: return "worker";
    case Role::chief: return "chief";
    case Role::cadre: return "cadre";
    case Role::supervisor: return "supervisor";
    case Role::admin: return "admin";
  }
  return "worker";
}

std::optional<Role> role_from_name(std::string_view name) {
  for (Role r : kAllRoles)
    if (role_name(r) == name) return r;
  return std::nullopt;
}

std::string RoleSet::to_string() const {
  std::string s;
  for (Role r : kAllRoles) {
    if (!has(r)) continue;
    if (!s.empty()) s += ',';
    s += role_name(r);
  }
  return s;
}

std::optional<RoleSet> RoleSet::parse(std::string_view csv) {
  RoleSet set;
  while (!csv.empty()) {
    size_t comma = csv.find(',');
    auto name = csv.substr(0, comma);
    auto role = role_from_name(name);
    if (!role) return std::nullopt;
    set.add(*role);
    if (comma == std::string_view::npos) break;
    csv.remove_prefix(comma + 1);
  }
  return set;
}

}  // namespace gw
