#include "sync/server/epoch.hpp"

#include <algorithm>

namespace gw::sync {

int64_t database_epoch(Db& db, int64_t now_ms) {
  // Read as a row, not with coalesce(): on PostgreSQL `value` is TEXT.
  auto get = db.prepare("SELECT value FROM _meta WHERE key = 'epoch'");
  if (get.step() && get.int64(0)) return get.int64(0);
  // An upsert: a row holding 0 (written by hand, or by a tool that knew no
  // better) is no epoch either, and must not make the insert collide.
  db.prepare("INSERT INTO _meta (key, value) VALUES ('epoch', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
      .bind(1, now_ms)
      .run();
  return now_ms;
}

int64_t start_new_epoch(Db& db, int64_t now_ms) {
  int64_t epoch = std::max(now_ms, database_epoch(db, now_ms) + 1);
  db.prepare("UPDATE _meta SET value = ? WHERE key = 'epoch'").bind(1, epoch).run();
  return epoch;
}

}  // namespace gw::sync
