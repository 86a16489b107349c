// Structured logs: one JSON object a line on stderr. Quiet by default
// (warnings and the few lines an operator needs); --verbose adds a line per
// request.
#pragma once

#include <atomic>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "shared/json.hpp"

namespace gw::server {

enum class Level { debug, info, warn, error };

class Log {
 public:
  static void set_level(Level l) { level_ = l; }
  static bool enabled(Level l) { return l >= level_.load(); }
  // log(Level::info, "listening", {{"url", url}}) -> {"ts":..,"level":"info","msg":"listening","url":..}
  static void write(Level l, std::string_view msg, std::initializer_list<std::pair<const char*, Json>> fields = {});

 private:
  static inline std::atomic<Level> level_{Level::info};
};

}  // namespace gw::server
