#include "server/log.hpp"

#include <chrono>
#include <cstdio>
#include <mutex>

namespace gw::server {

void Log::write(Level l, std::string_view msg, std::initializer_list<std::pair<const char*, Json>> fields) {
  if (!enabled(l)) return;
  static constexpr const char* kNames[] = {"debug", "info", "warn", "error"};
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch()).count();
  std::string line = "{\"ts\":" + std::to_string(now) + ",\"level\":\"" + kNames[static_cast<int>(l)] + "\",\"msg\":";
  append_json_string(line, msg);
  for (const auto& [k, v] : fields) {
    line += ',';
    append_json_string(line, k);
    line += ':';
    v.dump_to(line);
  }
  line += "}\n";
  static std::mutex m;
  std::lock_guard lock(m);
  fputs(line.c_str(), stderr);
  fflush(stderr);
}

}  // namespace gw::server
