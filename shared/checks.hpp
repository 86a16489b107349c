// Rules for text values that an enum cannot express.
#pragma once

#include <string_view>

namespace gw {

// Digits with an optional leading '+' and inner '-' (e.g. 0595-22881234).
bool is_phone_text(std::string_view s);
// Resident ID number (GB 11643): 17 digits and a check character (digit or X),
// with the ISO 7064 MOD 11-2 checksum right.
bool is_id_number_text(std::string_view s);
char id_number_check_char(std::string_view first17);
// "worker,chief": known role names, comma separated, at least one.
bool is_role_list(std::string_view s);
// A photo's name (issue 22): BLAKE2b-256 in lowercase hex, 64 characters;
// one spelling only, so a name is also a file name and a key.
bool is_blob_hash(std::string_view s);

}  // namespace gw
