#include "shared/ddl.hpp"

namespace gw {

std::string_view sql_type(ColType t) {
  switch (t) {
    case ColType::text: return "TEXT";
    case ColType::integer: return "{int}";
    case ColType::real: return "{real}";
    case ColType::boolean: return "{int}";
    case ColType::json: return "TEXT";
  }
  return "TEXT";
}

std::string create_table_sql(const TableSpec& t, std::string_view extra, std::string_view prefix) {
  // Columns carry no NOT NULL: rows arrive column by column in sync, and the
  // codec, not SQLite, enforces what a new row must hold.
  std::string sql = "CREATE TABLE IF NOT EXISTS ";
  sql += prefix;
  sql += t.name;
  sql += " (id TEXT PRIMARY KEY NOT NULL";
  for (const auto& c : t.columns) {
    sql += ", ";
    sql += c.name;
    sql += ' ';
    sql += sql_type(c.type);
  }
  if (!extra.empty()) {
    sql += ", ";
    sql += extra;
  }
  sql += ')';
  return sql;
}

std::string add_column_sql(const TableSpec& t, const ColumnSpec& c, std::string_view prefix) {
  return "ALTER TABLE " + std::string(prefix) + std::string(t.name) + " ADD COLUMN " + std::string(c.name) + " " +
         std::string(sql_type(c.type));
}

std::vector<std::string> create_index_sql(const TableSpec& t, std::string_view prefix) {
  std::vector<std::string> out;
  auto index = [&](std::string_view col) {
    std::string name = std::string(prefix) + std::string(t.name) + "_" + std::string(col);
    out.push_back("CREATE INDEX IF NOT EXISTS " + name + " ON " + std::string(prefix) +
                  std::string(t.name) + " (" + std::string(col) + ")");
  };
  if (!t.bucket_column.empty()) index(t.bucket_column);
  for (const auto& c : t.columns) {
    // Parent references that screens look rows up by.
    if (c.name == "household_id" || c.name == "case_id" || c.name == "target_id" || c.name == "record_id")
      index(c.name);
    // A photo's rows by its name: who may upload or fetch those bytes.
    if (c.name == "hash" || c.name == "thumb_hash") index(c.name);
  }
  return out;
}

std::string column_list(const TableSpec& t) {
  std::string s;
  for (const auto& c : t.columns) {
    if (!s.empty()) s += ", ";
    s += c.name;
  }
  return s;
}

}  // namespace gw
