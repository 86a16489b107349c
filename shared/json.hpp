// A small JSON value, parser and writer. Sync moves a lot of JSON, and the
// sync layer must not link cpprestsdk, so the codec is ours: strict (UTF-8
// checked, duplicate keys refused, depth bounded) and allocation-light.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "shared/error.hpp"

namespace gw {

class Json {
 public:
  enum class Kind { null, boolean, integer, real, string, array, object };
  using Array = std::vector<Json>;
  // Objects keep insertion order: output is deterministic and small objects
  // are faster to scan than to hash.
  using Object = std::vector<std::pair<std::string, Json>>;

  Json() = default;
  Json(std::nullptr_t) {}
  Json(bool b) : v_(b) {}
  Json(int v) : v_(int64_t{v}) {}
  Json(int64_t v) : v_(v) {}
  Json(double v) : v_(v) {}
  Json(const char* s) : v_(std::string(s)) {}
  Json(std::string s) : v_(std::move(s)) {}
  Json(std::string_view s) : v_(std::string(s)) {}
  Json(Array a) : v_(std::move(a)) {}
  Json(Object o) : v_(std::move(o)) {}

  static Json array() { return Json(Array{}); }
  static Json object() { return Json(Object{}); }

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_null() const { return kind() == Kind::null; }
  bool is_bool() const { return kind() == Kind::boolean; }
  bool is_int() const { return kind() == Kind::integer; }
  bool is_number() const { return is_int() || kind() == Kind::real; }
  bool is_string() const { return kind() == Kind::string; }
  bool is_array() const { return kind() == Kind::array; }
  bool is_object() const { return kind() == Kind::object; }

  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const { return std::get<int64_t>(v_); }
  double as_double() const {
    return is_int() ? static_cast<double>(std::get<int64_t>(v_)) : std::get<double>(v_);
  }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  std::string& as_string() { return std::get<std::string>(v_); }
  const Array& as_array() const { return std::get<Array>(v_); }
  Array& as_array() { return std::get<Array>(v_); }
  const Object& as_object() const { return std::get<Object>(v_); }
  Object& as_object() { return std::get<Object>(v_); }

  // Object access: find returns nullptr when absent or not an object.
  const Json* find(std::string_view key) const;
  Json* find(std::string_view key);
  // Appends without checking for duplicates; callers own their keys.
  Json& set(std::string key, Json value);
  void push(Json value) { as_array().push_back(std::move(value)); }

  std::string dump() const;
  void dump_to(std::string& out) const;

  friend bool operator==(const Json&, const Json&) = default;

 private:
  std::variant<std::nullptr_t, bool, int64_t, double, std::string, Array, Object> v_;
};

struct JsonLimits {
  int max_depth = 64;
  size_t max_string = 1 << 20;
};

// Parses one JSON text; trailing non-space is an error.
Result<Json> parse_json(std::string_view text, JsonLimits limits = {});

// Appends s as a quoted JSON string.
void append_json_string(std::string& out, std::string_view s);

// True when s is well-formed UTF-8 (no overlongs, no surrogates).
bool valid_utf8(std::string_view s);

// Number of Unicode code points in well-formed UTF-8.
size_t utf8_length(std::string_view s);

}  // namespace gw
