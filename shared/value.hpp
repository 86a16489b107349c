// A column value as stored: SQLite's own four kinds. Booleans are integers
// 0/1 and JSON columns are their canonical text, exactly as in the database.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace gw {

using Null = std::monostate;
using Value = std::variant<Null, int64_t, double, std::string>;

inline bool is_null(const Value& v) { return v.index() == 0; }
// A text column's value, or "" when it holds none (or another kind).
inline std::string text_or_empty(const Value& v) {
  auto* s = std::get_if<std::string>(&v);
  return s ? *s : std::string();
}

// One column written: the column's index in its TableSpec, and the value.
struct Field {
  uint16_t col = 0;
  Value value;
  bool operator==(const Field&) const = default;
};

using Fields = std::vector<Field>;

std::string value_to_string(const Value& v);

}  // namespace gw
