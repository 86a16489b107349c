// Who may read and write what, read from the replicated users, grids and
// assignments rows themselves: scopes follow the data, so a reassignment or a
// takeover changes them the moment its row is merged (DESIGN §4, §6).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "shared/roles.hpp"
#include "sync/core/row_store.hpp"

namespace gw::sync {

struct UserInfo {
  std::string id;
  std::string username;
  RoleSet roles;
  std::string department_id;
  bool disabled = false;

  bool office() const { return roles.has(Role::supervisor) || roles.has(Role::admin); }
};

// A write right to a grid at a moment: held, held once but ended before that
// moment (the patch is quarantined), or never held (refused).
enum class GridRight { held, ended, none };

class Directory {
 public:
  explicit Directory(RowStore& store) : store_(store) {}

  std::optional<UserInfo> user(std::string_view user_id);
  std::optional<UserInfo> user_by_name(std::string_view username);

  // Every bucket the user may read now, sorted with user and global first.
  std::vector<std::string> readable_buckets(const UserInfo& u);

  GridRight grid_right(const UserInfo& u, std::string_view grid_id, int64_t at_ms);

  // Grid tree helpers.
  std::vector<std::string> grid_and_descendants(std::string_view grid_id);
  bool grid_exists(std::string_view grid_id);

 private:
  struct Span {
    std::string grid_id;
    int64_t from = 0;
    int64_t to = INT64_MAX;  // exclusive
    bool active = false;
  };
  std::vector<Span> spans(const UserInfo& u);
  void load_grids();
  Stmt& kept(Stmt& s, std::string_view sql);

  RowStore& store_;
  std::map<std::string, std::string, std::less<>> parent_;  // grid -> parent
  std::map<std::string, std::vector<std::string>, std::less<>> children_;
  Stmt grid_exists_q_, assignments_q_, grids_q_;
};

}  // namespace gw::sync
