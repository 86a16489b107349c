// Masked numbers on the tablet (DESIGN §8): views carry ID and phone
// numbers masked for roles that do not need them (shared/mask.hpp), and a
// reveal shows one in clear after recording who saw it — a `reveals` row
// that syncs up as the audit (offline too). Masking happens here, after
// the value is read, so it holds whatever the store does to the value on
// its way in and out (at-rest encryption).
#pragma once

#include <string>
#include <string_view>

#include "client/core/queries.hpp"
#include "client/core/views.hpp"
#include "shared/error.hpp"
#include "sync/device/replica.hpp"

namespace gw::client {

// A column's value as this user's views carry it.
MaskedNumber masked_number(const Me& me, std::string_view table, const std::string& row_id, std::string_view column,
                           const std::string& text);

// The clear value of a masked column, after writing the reveals row that
// records it (for roles that see numbers in clear, nothing to record).
// Refused for a column that is not masked or a record not on the tablet.
Result<std::string> reveal_number(sync::Replica& replica, const Me& me, const std::string& table,
                                  const std::string& row_id, const std::string& column);

}  // namespace gw::client
