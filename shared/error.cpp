#include "shared/error.hpp"

namespace gw {

std::string_view code_name(Code c) {
  switch (c) {
    case Code::ok: return "ok";
    case Code::invalid: return "invalid";
    case Code::unknown_table: return "unknown_table";
    case Code::unknown_column: return "unknown_column";
    case Code::bad_type: return "bad_type";
    case Code::too_long: return "too_long";
    case Code::bad_enum: return "bad_enum";
    case Code::missing: return "missing";
    case Code::immutable: return "immutable";
    case Code::forbidden: return "forbidden";
    case Code::unauthorized: return "unauthorized";
    case Code::conflict: return "conflict";
    case Code::quarantined: return "quarantined";
    case Code::not_found: return "not_found";
    case Code::state: return "state";
    case Code::version_mismatch: return "version_mismatch";
    case Code::offline: return "offline";
    case Code::too_large: return "too_large";
    case Code::throttled: return "throttled";
    case Code::revoked: return "revoked";
    case Code::io: return "io";
    case Code::internal: return "internal";
  }
  return "internal";
}

Code code_from_name(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(Code::internal); ++i)
    if (code_name(static_cast<Code>(i)) == name) return static_cast<Code>(i);
  return Code::internal;
}

std::string Error::to_string() const {
  std::string s(code_name(code));
  s += ": ";
  s += message;
  return s;
}

}  // namespace gw
