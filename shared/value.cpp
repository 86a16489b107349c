#include "shared/value.hpp"

#include "shared/json.hpp"

namespace gw {

std::string value_to_string(const Value& v) {
  switch (v.index()) {
    case 1: return std::to_string(std::get<int64_t>(v));
    case 2: return Json(std::get<double>(v)).dump();
    case 3: return std::get<std::string>(v);
    default: return "null";
  }
}

}  // namespace gw
