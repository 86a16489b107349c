// The tablet's settings (data_dir/settings.json): server address, language,
// text size, automatic sync. Shared by every user of the tablet.
#pragma once

#include <optional>
#include <string>

#include "client/core/views.hpp"
#include "shared/error.hpp"

namespace gw::client {

Settings load_settings(const std::string& data_dir);  // defaults for what is missing or damaged
Status save_settings(const std::string& data_dir, const Settings& s);
// Clamps and fills in a setting a user or a file got wrong.
Settings sanitized(Settings s);

// Writes path atomically (temp file, fsync, rename), mode 0600.
Status write_file_atomic(const std::string& path, const std::string& text);
// The whole file, or nullopt when it cannot be read.
std::optional<std::string> read_file(const std::string& path);

}  // namespace gw::client
