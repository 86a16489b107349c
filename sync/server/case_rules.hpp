// The case workflow on the server (DESIGN §5): a pushed write to `cases` or
// `case_log` is judged by the same move table the tablet offers its steps
// from (shared/workflow.hpp), so an old, altered or foreign client cannot
// skip verification, close its own case or score it.
#pragma once

#include <vector>

#include "shared/error.hpp"
#include "sync/server/directory.hpp"
#include "sync/core/patch.hpp"
#include "sync/core/row_store.hpp"

namespace gw::sync {

// ok, or why the patch is refused. `held` is the row as the server holds it
// before the patch (held.exists false for a new row).
Status check_case_patch(const UserInfo& u, const Patch& p, const Row& held);

// Columns of a row `u` may not read: who reported a confidential case (the
// reporter, the caller, and the actor of its `report` log row). Only the
// service centre and the reporter see them; pulls leave them out. And the
// values of a conflict, for everyone but admins.
std::vector<uint16_t> hidden_columns(const UserInfo& u, const TableSpec& t, const Row& row, RowStore& store);

}  // namespace gw::sync
