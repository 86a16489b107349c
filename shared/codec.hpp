// JSON <-> typed column values, checked against the specs. Every value that
// enters a store from outside passes through here first.
#pragma once

#include <initializer_list>
#include <string>
#include <utility>

#include "shared/error.hpp"
#include "shared/json.hpp"
#include "shared/schema.hpp"
#include "shared/value.hpp"

namespace gw {

// One value for one column. null is allowed here; whether a column may be
// null on a new row is check_required's business.
Result<Value> decode_value(const TableSpec& t, const ColumnSpec& c, const Json& v);

// A {"column": value, ...} object. Unknown columns, `id`, bad types, over-long
// text and bad enum values are errors naming the table and column.
Result<Fields> decode_fields(const TableSpec& t, const Json& set);

// Checks a stored value against its column (for values that did not come
// through decode_value, e.g. generated ones).
Status check_value(const TableSpec& t, const ColumnSpec& c, const Value& v);

// A new row must carry every required column, non-null.
Status check_required(const TableSpec& t, const Fields& fields);

// Fields by column name, for code that writes rows itself (server services,
// the simulation, tests). A name the table lacks is a bug in that code, not
// bad input: it throws std::logic_error rather than write column 65535.
void add_field(Fields& fields, const TableSpec& t, std::string_view column, Value v);
Fields fields_of(const TableSpec& t, std::initializer_list<std::pair<std::string_view, Value>> columns);

Json encode_value(const ColumnSpec& c, const Value& v);
void encode_value_to(const ColumnSpec& c, const Value& v, std::string& out);
Json encode_fields(const TableSpec& t, const Fields& fields);

}  // namespace gw
