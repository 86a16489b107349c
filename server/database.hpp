// The server's database by its target: a postgresql:// URL opens PostgreSQL
// (a city), anything else is an SQLite file (a park; the default).
#pragma once

#include <memory>
#include <string>

#include "shared/db.hpp"

namespace gw::server {

// Throws DbError when the database cannot be opened.
std::unique_ptr<Db> open_database(const std::string& target);

}  // namespace gw::server
