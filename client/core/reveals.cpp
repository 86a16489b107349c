#include "client/core/reveals.hpp"

#include "shared/codec.hpp"
#include "shared/mask.hpp"

namespace gw::client {

const RevealedNumber* revealed_now(const std::vector<RevealedNumber>* revealed, const MaskedNumber& n,
                                   int64_t now_ms) {
  if (!revealed || !n.masked) return nullptr;
  for (const auto& r : *revealed)
    if (r.until > now_ms && r.table == n.table && r.row_id == n.row_id && r.column == n.column) return &r;
  return nullptr;
}

MaskedNumber masked_number(const Me& me, std::string_view table, const std::string& row_id, std::string_view column,
                           const std::string& text) {
  MaskedNumber n{std::string(table), row_id, std::string(column), text, false};
  const TableSpec* t = find_table(table);
  const ColumnSpec* c = t ? t->find(column) : nullptr;
  if (!c || c->mask == Mask::none || text.empty() || sees_numbers_in_clear(me.roles)) return n;
  n.text = mask_value(*c, text);
  n.masked = true;
  return n;
}

Result<std::string> reveal_number(sync::Replica& replica, const Me& me, const std::string& table,
                                  const std::string& row_id, const std::string& column) {
  const TableSpec* t = find_table(table);
  const ColumnSpec* c = t ? t->find(column) : nullptr;
  if (!c || c->mask == Mask::none) return Error{Code::invalid, table + "." + column + " is not a masked number"};
  sync::Row row;
  if (!replica.store().load(*t, row_id, row)) return Error{Code::not_found, "no such " + table + " record on this tablet"};
  std::string text = text_or_empty(row.values[static_cast<size_t>(t->index_of(column))]);
  if (text.empty() || sees_numbers_in_clear(me.roles)) return text;
  const TableSpec& rt = *find_table("reveals");
  Fields set = fields_of(rt, {{"user_id", me.user_id}, {"device", replica.device_id()}, {"tbl", table},
                              {"row_id", row_id}, {"col", column}, {"at", replica.clock().wall_ms()}});
  if (int g = t->index_of("grid_id"); g >= 0 && !is_null(row.values[static_cast<size_t>(g)]))
    add_field(set, rt, "grid_id", row.values[static_cast<size_t>(g)]);
  if (auto id = replica.create(rt, set); !id) return id.error();
  return text;
}

}  // namespace gw::client
