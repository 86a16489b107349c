#include "server/database.hpp"

#include "server/pg_db.hpp"
#include "shared/sqlite.hpp"

namespace gw::server {

std::unique_ptr<Db> open_database(const std::string& target) {
  if (is_postgres_url(target)) return std::make_unique<PgDb>(target);
  return std::make_unique<SqliteDb>(target);
}

}  // namespace gw::server
