#include "client/core/i18n.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "shared/json.hpp"

namespace gw::client {
namespace fs = std::filesystem;

Result<std::unordered_map<std::string, std::string>> read_string_table(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{Code::io, "cannot read " + path};
  std::stringstream buf;
  buf << in.rdbuf();
  auto parsed = parse_json(buf.str());
  if (!parsed) return Error{Code::invalid, path + ": " + parsed.error().message};
  if (!parsed->is_object()) return Error{Code::invalid, path + ": not a JSON object"};
  std::unordered_map<std::string, std::string> table;
  for (const auto& [key, value] : parsed->as_object()) {
    if (!value.is_string()) return Error{Code::bad_type, path + ": " + key + " is not a string"};
    table.emplace(key, value.as_string());
  }
  return table;
}

Result<Strings> Strings::load(const std::string& assets_dir, std::string_view lang) {
  if (std::find(std::begin(kLanguages), std::end(kLanguages), lang) == std::end(kLanguages))
    return Error{Code::bad_enum, "unknown language " + std::string(lang)};
  const std::string dir = assets_dir + "/i18n/";
  auto base = read_string_table(dir + std::string(kDefaultLang) + ".json");
  if (!base) return base.error();
  Strings s;
  s.lang_ = std::string(lang);
  s.texts_ = std::move(*base);
  if (lang != kDefaultLang) {
    auto other = read_string_table(dir + std::string(lang) + ".json");
    if (!other) return other.error();
    // The chosen language wins; zh_CN fills its gaps.
    for (auto& [key, text] : *other) s.texts_[key] = std::move(text);
  }
  return s;
}

const std::string& Strings::tr(std::string_view key) const {
  if (auto it = texts_.find(std::string(key)); it != texts_.end()) return it->second;
  // A missing key shows itself; kept so the returned reference stays valid.
  auto [it, inserted] = missing_.try_emplace(std::string(key), std::string(key));
  return it->second;
}

std::string Strings::format(std::string_view key, const std::vector<std::string>& args) const {
  const std::string& pattern = tr(key);
  std::string out;
  out.reserve(pattern.size() + 16);
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '{') {
      size_t close = pattern.find('}', i);
      if (close != std::string::npos && close > i + 1) {
        const std::string num = pattern.substr(i + 1, close - i - 1);
        if (std::all_of(num.begin(), num.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
          size_t n = std::stoul(num);
          if (n < args.size()) out += args[n];
          i = close;
          continue;
        }
      }
    }
    out += pattern[i];
  }
  return out;
}

std::vector<std::string> Strings::keys() const {
  std::vector<std::string> out;
  out.reserve(texts_.size());
  for (const auto& [key, text] : texts_) out.push_back(key);
  std::sort(out.begin(), out.end());
  return out;
}

std::string Strings::all_text() const {
  std::string out;
  for (const auto& [key, text] : texts_) out += text;
  return out;
}

namespace {

bool is_assets_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p / "i18n" / (std::string(kDefaultLang) + ".json"), ec);
}

}  // namespace

std::string find_assets_dir(const std::string& argv0) {
  if (const char* env = std::getenv("GRIDWORK_ASSETS"); env && *env && is_assets_dir(env)) return env;
  std::error_code ec;
  if (!argv0.empty()) {
    fs::path exe_dir = fs::weakly_canonical(fs::absolute(argv0, ec), ec).parent_path();
    for (const char* rel : {"../share/gridwork/assets", "../../assets", "../assets"}) {
      fs::path candidate = exe_dir / rel;
      if (is_assets_dir(candidate)) return fs::weakly_canonical(candidate, ec).string();
    }
  }
#ifdef GRIDWORK_SOURCE_ASSETS
  if (is_assets_dir(GRIDWORK_SOURCE_ASSETS)) return GRIDWORK_SOURCE_ASSETS;
#endif
  return "assets";
}

}  // namespace gw::client
