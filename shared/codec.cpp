#include "shared/codec.hpp"

#include <charconv>
#include <stdexcept>

namespace gw {
namespace {

std::string where(const TableSpec& t, const ColumnSpec& c) {
  std::string s(t.name);
  s += '.';
  s += c.name;
  return s;
}

std::string_view json_kind_name(const Json& v) {
  switch (v.kind()) {
    case Json::Kind::null: return "null";
    case Json::Kind::boolean: return "boolean";
    case Json::Kind::integer: return "integer";
    case Json::Kind::real: return "number";
    case Json::Kind::string: return "string";
    case Json::Kind::array: return "array";
    case Json::Kind::object: return "object";
  }
  return "value";
}

Error bad_type(const TableSpec& t, const ColumnSpec& c, std::string_view got) {
  return {Code::bad_type,
          where(t, c) + " expects " + std::string(type_name(c.type)) + ", got " + std::string(got)};
}

// The refused value, for the message: a refusal is kept in the tablet's
// outbox and in the log, so personal data is not quoted.
std::string got(const ColumnSpec& c, const std::string& s) { return c.sealed() ? std::string() : "; got '" + s + "'"; }

// The column's own rule; its message never quotes the value.
Status verify(const TableSpec& t, const ColumnSpec& c, std::string_view s) {
  if (!c.verify) return Status::ok();
  if (auto st = c.verify(s); !st) return Error{st.code(), where(t, c) + ": " + st.error().message};
  return Status::ok();
}

Status check_text(const TableSpec& t, const ColumnSpec& c, const std::string& s) {
  if (!valid_utf8(s)) return Error{Code::invalid, where(t, c) + " is not valid UTF-8"};
  // JSON may carry \u0000, SQLite would store it, and PostgreSQL refuses it
  // in text: no backend holds what another cannot.
  if (s.find('\0') != std::string::npos) return Error{Code::invalid, where(t, c) + " holds a NUL character"};
  size_t n = utf8_length(s);
  if (n > c.limit())
    return Error{Code::too_long, where(t, c) + " is " + std::to_string(n) + " characters, the limit is " +
                                     std::to_string(c.limit())};
  if (!c.one_of.empty()) {
    bool found = false;
    for (auto allowed : c.one_of) found = found || allowed == s;
    if (!found) {
      std::string list;
      for (auto allowed : c.one_of) {
        if (!list.empty()) list += ", ";
        list += allowed;
      }
      return Error{Code::bad_enum, where(t, c) + " must be one of " + list + got(c, s)};
    }
  }
  if (c.check && !c.check(s))
    return Error{Code::invalid, where(t, c) + " must be " + std::string(c.check_what) + got(c, s)};
  return verify(t, c, s);
}

Status check_int(const TableSpec& t, const ColumnSpec& c, int64_t v) {
  if (v < c.min || v > c.max)
    return Error{Code::invalid, where(t, c) + " must be between " + std::to_string(c.min) + " and " +
                                    std::to_string(c.max) + "; got " + std::to_string(v)};
  return Status::ok();
}

}  // namespace

Status check_value(const TableSpec& t, const ColumnSpec& c, const Value& v) {
  if (is_null(v)) return Status::ok();
  switch (c.type) {
    case ColType::text:
      if (auto* s = std::get_if<std::string>(&v)) return check_text(t, c, *s);
      return bad_type(t, c, "a non-text value");
    case ColType::integer:
      if (auto* i = std::get_if<int64_t>(&v)) return check_int(t, c, *i);
      return bad_type(t, c, "a non-integer value");
    case ColType::boolean:
      if (auto* i = std::get_if<int64_t>(&v); i && (*i == 0 || *i == 1)) return Status::ok();
      return bad_type(t, c, "a non-boolean value");
    case ColType::real:
      if (v.index() == 1 || v.index() == 2) return Status::ok();
      return bad_type(t, c, "a non-number value");
    case ColType::json: {
      auto* s = std::get_if<std::string>(&v);
      if (!s) return bad_type(t, c, "a non-JSON value");
      if (s->size() > c.limit())
        return Error{Code::too_long, where(t, c) + " is " + std::to_string(s->size()) +
                                         " bytes of JSON, the limit is " + std::to_string(c.limit())};
      if (auto parsed = parse_json(*s); !parsed) return Error{Code::invalid, where(t, c) + ": " + parsed.error().message};
      return verify(t, c, *s);
    }
  }
  return Status::ok();
}

Result<Value> decode_value(const TableSpec& t, const ColumnSpec& c, const Json& v) {
  if (v.is_null()) return Value{};
  switch (c.type) {
    case ColType::text: {
      if (!v.is_string()) return bad_type(t, c, json_kind_name(v));
      if (auto st = check_text(t, c, v.as_string()); !st) return st.error();
      return Value{v.as_string()};
    }
    case ColType::integer: {
      if (!v.is_int()) return bad_type(t, c, json_kind_name(v));
      if (auto st = check_int(t, c, v.as_int()); !st) return st.error();
      return Value{v.as_int()};
    }
    case ColType::boolean:
      if (!v.is_bool()) return bad_type(t, c, json_kind_name(v));
      return Value{int64_t{v.as_bool() ? 1 : 0}};
    case ColType::real:
      if (!v.is_number()) return bad_type(t, c, json_kind_name(v));
      return Value{v.as_double()};
    case ColType::json: {
      if (!v.is_array() && !v.is_object()) return bad_type(t, c, json_kind_name(v));
      std::string text = v.dump();
      if (text.size() > c.limit())
        return Error{Code::too_long, where(t, c) + " is " + std::to_string(text.size()) +
                                         " bytes of JSON, the limit is " + std::to_string(c.limit())};
      if (auto st = verify(t, c, text); !st) return st.error();
      return Value{std::move(text)};
    }
  }
  return bad_type(t, c, json_kind_name(v));
}

Result<Fields> decode_fields(const TableSpec& t, const Json& set) {
  if (!set.is_object()) return Error{Code::invalid, std::string(t.name) + ": 'set' must be an object"};
  Fields out;
  out.reserve(set.as_object().size());
  for (const auto& [name, v] : set.as_object()) {
    int i = t.index_of(name);
    if (i < 0)
      return Error{Code::unknown_column, "table " + std::string(t.name) + " has no column '" + name + "'"};
    auto val = decode_value(t, t.columns[static_cast<size_t>(i)], v);
    if (!val) return val.error();
    out.push_back({static_cast<uint16_t>(i), std::move(*val)});
  }
  return out;
}

Status check_required(const TableSpec& t, const Fields& fields) {
  for (size_t i = 0; i < t.columns.size(); ++i) {
    const auto& c = t.columns[i];
    if (!c.required) continue;
    bool present = false;
    for (const auto& f : fields) present = present || (f.col == i && !is_null(f.value));
    if (!present) return Error{Code::missing, where(t, c) + " is required for a new row"};
  }
  return Status::ok();
}

void add_field(Fields& fields, const TableSpec& t, std::string_view column, Value v) {
  int i = t.index_of(column);
  if (i < 0) throw std::logic_error("table " + std::string(t.name) + " has no column " + std::string(column));
  fields.push_back({static_cast<uint16_t>(i), std::move(v)});
}

Fields fields_of(const TableSpec& t, std::initializer_list<std::pair<std::string_view, Value>> columns) {
  Fields f;
  f.reserve(columns.size());
  for (const auto& [name, v] : columns) add_field(f, t, name, v);
  return f;
}

void encode_value_to(const ColumnSpec& c, const Value& v, std::string& out) {
  switch (v.index()) {
    case 0: out += "null"; return;
    case 1: {
      int64_t i = std::get<int64_t>(v);
      if (c.type == ColType::boolean) {
        out += i ? "true" : "false";
        return;
      }
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, i);
      out.append(buf, r.ptr);
      return;
    }
    case 2: Json(std::get<double>(v)).dump_to(out); return;
    case 3:
      // JSON columns hold canonical JSON text already: embed it as is.
      if (c.type == ColType::json) out += std::get<std::string>(v);
      else append_json_string(out, std::get<std::string>(v));
      return;
  }
}

Json encode_value(const ColumnSpec& c, const Value& v) {
  switch (v.index()) {
    case 1:
      if (c.type == ColType::boolean) return Json(std::get<int64_t>(v) != 0);
      return Json(std::get<int64_t>(v));
    case 2: return Json(std::get<double>(v));
    case 3:
      if (c.type == ColType::json) {
        auto parsed = parse_json(std::get<std::string>(v));
        return parsed ? std::move(*parsed) : Json();
      }
      return Json(std::get<std::string>(v));
    default: return Json();
  }
}

Json encode_fields(const TableSpec& t, const Fields& fields) {
  Json::Object obj;
  obj.reserve(fields.size());
  for (const auto& f : fields) {
    const auto& c = t.columns[f.col];
    obj.emplace_back(std::string(c.name), encode_value(c, f.value));
  }
  return Json(std::move(obj));
}

}  // namespace gw
