#include "shared/error.hpp"

#include <iterator>

namespace gw {

namespace {

// The one table of outcomes, in the enum's order. 4xx: a verdict on the
// request, sending it again changes nothing; 5xx and offline: a fault of
// the moment, the device keeps its records and tries again (507 is the
// server's full disk, never a refusal).
constexpr CodeInfo kCodes[] = {
    {Code::ok, "ok", 200, false},
    {Code::invalid, "invalid", 400, false},
    {Code::unknown_table, "unknown_table", 400, false},
    {Code::unknown_column, "unknown_column", 400, false},
    {Code::bad_type, "bad_type", 400, false},
    {Code::too_long, "too_long", 400, false},
    {Code::bad_enum, "bad_enum", 400, false},
    {Code::missing, "missing", 400, false},
    {Code::immutable, "immutable", 409, false},
    {Code::forbidden, "forbidden", 403, false},
    {Code::unauthorized, "unauthorized", 401, false},
    {Code::conflict, "conflict", 409, false},
    {Code::quarantined, "quarantined", 403, false},
    {Code::not_found, "not_found", 404, false},
    {Code::state, "state", 409, false},
    {Code::version_mismatch, "version_mismatch", 400, false},
    {Code::offline, "offline", 503, true},
    {Code::too_large, "too_large", 413, false},
    {Code::throttled, "throttled", 429, true},
    {Code::revoked, "revoked", 403, false},
    {Code::io, "io", 507, true},
    {Code::internal, "internal", 500, true},
};
static_assert(std::size(kCodes) == static_cast<size_t>(Code::internal) + 1, "one row per Code");

constexpr bool in_enum_order() {
  for (size_t i = 0; i < std::size(kCodes); ++i)
    if (static_cast<size_t>(kCodes[i].code) != i) return false;
  return true;
}
static_assert(in_enum_order(), "kCodes is indexed by Code");

}  // namespace

const CodeInfo& code_info(Code c) {
  auto i = static_cast<size_t>(c);
  return i < std::size(kCodes) ? kCodes[i] : kCodes[static_cast<size_t>(Code::internal)];
}

std::string_view code_name(Code c) { return code_info(c).name; }

Code code_from_name(std::string_view name) {
  for (const auto& k : kCodes)
    if (k.name == name) return k.code;
  return Code::internal;
}

int http_status(Code c) { return code_info(c).http_status; }

bool retry_later(Code c) { return code_info(c).retry; }

std::string message_key(Code c) { return "error." + std::string(code_name(c)); }

std::string Error::to_string() const {
  std::string s(code_name(code));
  s += ": ";
  s += message;
  return s;
}

}  // namespace gw
