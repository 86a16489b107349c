#include "client/core/settings_file.hpp"

#include <algorithm>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

#include "client/core/i18n.hpp"
#include "shared/json.hpp"

namespace gw::client {

Status write_file_atomic(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return Error{Code::io, "cannot write " + tmp};
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) return Error{Code::io, "cannot write " + path};
  return Status::ok();
}

std::optional<std::string> read_file(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return std::nullopt;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

Settings sanitized(Settings s) {
  if (std::find(std::begin(kLanguages), std::end(kLanguages), s.lang) == std::end(kLanguages))
    s.lang = std::string(kDefaultLang);
  if (!(s.text_scale >= 0.8f)) s.text_scale = 0.8f;  // also catches NaN
  s.text_scale = std::min(s.text_scale, 1.6f);
  s.auto_lock_minutes = std::clamp(s.auto_lock_minutes, 0, 120);
  if (s.server_url.empty()) s.server_url = "http://127.0.0.1:8080";
  return s;
}

Settings load_settings(const std::string& data_dir) {
  Settings s;
  auto text = read_file(data_dir + "/settings.json");
  auto j = text ? parse_json(*text) : Result<Json>(Error{Code::not_found, ""});
  if (j && j->is_object()) {
    if (const Json* v = j->find("server_url"); v && v->is_string()) s.server_url = v->as_string();
    if (const Json* v = j->find("lang"); v && v->is_string()) s.lang = v->as_string();
    if (const Json* v = j->find("text_scale"); v && v->is_number()) s.text_scale = static_cast<float>(v->as_double());
    if (const Json* v = j->find("auto_sync"); v && v->is_bool()) s.auto_sync = v->as_bool();
    if (const Json* v = j->find("auto_lock_minutes"); v && v->is_int())
      s.auto_lock_minutes = static_cast<int>(std::clamp<int64_t>(v->as_int(), 0, 120));
  }
  return sanitized(s);
}

Status save_settings(const std::string& data_dir, const Settings& s) {
  Json j = Json::object();
  j.set("server_url", s.server_url);
  j.set("lang", s.lang);
  j.set("text_scale", static_cast<double>(s.text_scale));
  j.set("auto_sync", s.auto_sync);
  j.set("auto_lock_minutes", int64_t{s.auto_lock_minutes});
  return write_file_atomic(data_dir + "/settings.json", j.dump());
}

}  // namespace gw::client
