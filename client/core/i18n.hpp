// The client's words: assets/i18n/<lang>.json, a flat object of key → text.
// zh_CN is the default; a key missing from a language shows the zh_CN text,
// and a key missing everywhere shows itself, so a gap is visible, not blank.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "shared/error.hpp"

namespace gw::client {

inline constexpr std::string_view kDefaultLang = "zh_CN";
inline constexpr std::string_view kLanguages[] = {"zh_CN", "en"};

class Strings {
 public:
  // Loads zh_CN and, if different, lang from assets_dir/i18n.
  static Result<Strings> load(const std::string& assets_dir, std::string_view lang);

  const std::string& tr(std::string_view key) const;
  const char* c(std::string_view key) const { return tr(key).c_str(); }
  // "{0} records" with args substituted in order.
  std::string format(std::string_view key, const std::vector<std::string>& args) const;
  const std::string& lang() const { return lang_; }
  std::vector<std::string> keys() const;
  // Every character of every text: the font needs these glyphs.
  std::string all_text() const;

 private:
  std::string lang_;
  std::unordered_map<std::string, std::string> texts_;
  mutable std::unordered_map<std::string, std::string> missing_;
};

// The assets folder, wherever the client is started from: $GRIDWORK_ASSETS,
// then next to the executable (../share/gridwork/assets, ../../assets), then
// the source tree it was built from.
std::string find_assets_dir(const std::string& argv0);

// Reads a JSON object of strings (an i18n file); for tests and tools.
Result<std::unordered_map<std::string, std::string>> read_string_table(const std::string& path);

}  // namespace gw::client
