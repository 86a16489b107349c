// SQL DDL derived from the table specs. The sync layer appends its own
// bookkeeping columns (clocks, bucket, seq); the data columns come from here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "shared/schema.hpp"

namespace gw {

// The statements below are written for Db::exec_ddl, which fills in the
// type names of the engine at hand.
std::string_view sql_type(ColType t);

// CREATE TABLE IF NOT EXISTS <prefix><name> (id TEXT PRIMARY KEY, <columns>, <extra>)
std::string create_table_sql(const TableSpec& t, std::string_view extra_columns = {},
                             std::string_view prefix = {});

// ALTER TABLE <prefix><name> ADD COLUMN for one data column of a newer spec.
std::string add_column_sql(const TableSpec& t, const ColumnSpec& c, std::string_view prefix = {});

// Indexes every replica wants: the bucket column, and references to parents.
std::vector<std::string> create_index_sql(const TableSpec& t, std::string_view prefix = {});

// "col1, col2, ..." of the data columns (not id), for INSERT statements.
std::string column_list(const TableSpec& t);

}  // namespace gw
