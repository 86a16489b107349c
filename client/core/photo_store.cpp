#include "client/core/photo_store.hpp"

namespace gw::client {

namespace {

// A picture of this tablet's the server lacks, named by a row here. One no
// row names is a picture whose row the server refused (and the replica
// then erased): the server would refuse its bytes too, so it is not sent
// nor counted as waiting; it stays on the tablet, beside the refusal the
// user sees, and is never dropped unsent (sweep).
constexpr const char* kNamedUpload =
    "upload IS NOT NULL AND EXISTS (SELECT 1 FROM attachments a WHERE a.hash = _photos.hash OR "
    "a.thumb_hash = _photos.hash)";

// The hash is bound into the seal: a sealed picture moved under another
// name does not open.
std::string context_of(const std::string& hash) { return "_photos." + hash; }

}  // namespace

PhotoStore::PhotoStore(Db& db, const sync::Sealer& sealer) : db_(db), sealer_(sealer) {
  // upload: bytes the server confirmed of a picture taken here; NULL for a
  // copy (pulled, or taken here and confirmed whole). used_at orders the
  // cache's drops.
  db_.exec(R"(
    CREATE TABLE IF NOT EXISTS _photos (
      hash TEXT PRIMARY KEY NOT NULL, thumb INTEGER NOT NULL, grid_id TEXT NOT NULL, bytes INTEGER NOT NULL,
      sealed BLOB NOT NULL, upload INTEGER, taken_at INTEGER NOT NULL, used_at INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS _photos_upload ON _photos (upload) WHERE upload IS NOT NULL;
  )");
}

void PhotoStore::keep_taken(const Photo& p, const std::string& grid_id, int64_t now) {
  // The same picture taken twice (attached to two records) is kept once.
  auto put = db_.prepare(
      "INSERT INTO _photos (hash, thumb, grid_id, bytes, sealed, upload, taken_at, used_at) "
      "VALUES (?, ?, ?, ?, ?, 0, ?, ?) ON CONFLICT (hash) DO NOTHING");
  auto keep = [&](const std::string& hash, bool thumb, const std::string& bytes) {
    std::string sealed = sealer_.seal(context_of(hash), bytes);
    put.bind(1, hash).bind(2, int64_t{thumb}).bind(3, grid_id).bind(4, static_cast<int64_t>(bytes.size()));
    put.bind_blob(5, sealed.data(), sealed.size()).bind(6, now).bind(7, now);
    put.run();
  };
  keep(p.thumb_hash, true, p.thumb_jpeg);
  keep(p.hash, false, p.jpeg);
}

bool PhotoStore::keep_pulled(const std::string& hash, bool thumb, const std::string& grid_id,
                             const std::string& bytes, int64_t now) {
  if (photo_hash(bytes) != hash) return false;
  std::string sealed = sealer_.seal(context_of(hash), bytes);
  auto put = db_.prepare(
      "INSERT INTO _photos (hash, thumb, grid_id, bytes, sealed, upload, taken_at, used_at) "
      "VALUES (?, ?, ?, ?, ?, NULL, ?, ?) ON CONFLICT (hash) DO NOTHING");
  put.bind(1, hash).bind(2, int64_t{thumb}).bind(3, grid_id).bind(4, static_cast<int64_t>(bytes.size()));
  put.bind_blob(5, sealed.data(), sealed.size()).bind(6, now).bind(7, now);
  put.run();
  return true;
}

bool PhotoStore::has(const std::string& hash) {
  auto q = db_.prepare("SELECT 1 FROM _photos WHERE hash = ?");
  q.bind(1, hash);
  return q.step();
}

std::optional<std::string> PhotoStore::read(const std::string& hash) {
  auto q = db_.prepare("SELECT sealed FROM _photos WHERE hash = ?");
  q.bind(1, hash);
  if (!q.step()) return std::nullopt;
  return sealer_.open(context_of(hash), q.blob(0));
}

void PhotoStore::touch(const std::string& hash, int64_t now) {
  db_.prepare("UPDATE _photos SET used_at = ? WHERE hash = ?").bind(1, now).bind(2, hash).run();
}

std::vector<PendingUpload> PhotoStore::uploads() {
  std::vector<PendingUpload> out;
  auto q = db_.prepare("SELECT hash, bytes, upload, thumb FROM _photos WHERE " + std::string(kNamedUpload) +
                       " ORDER BY thumb DESC, taken_at, hash");
  while (q.step()) out.push_back({std::string(q.text(0)), q.int64(1), q.int64(2), q.int64(3) != 0});
  return out;
}

void PhotoStore::confirmed(const std::string& hash, int64_t sent) {
  auto q = db_.prepare("UPDATE _photos SET upload = CASE WHEN ? >= bytes THEN NULL ELSE ? END "
                       "WHERE hash = ? AND upload IS NOT NULL");
  q.bind(1, sent).bind(2, sent).bind(3, hash).run();
}

int64_t PhotoStore::waiting() {
  return db_.query_int("SELECT count(*) FROM _photos WHERE " + std::string(kNamedUpload));
}

bool PhotoStore::uploading(const std::string& hash) {
  auto q = db_.prepare("SELECT 1 FROM _photos WHERE hash = ? AND upload IS NOT NULL");
  q.bind(1, hash);
  return q.step();
}

int64_t PhotoStore::sweep(int64_t limit) {
  int64_t dropped = 0;
  db_.exec(
      "DELETE FROM _photos WHERE upload IS NULL AND NOT EXISTS (SELECT 1 FROM attachments a WHERE "
      "(a.hash = _photos.hash OR a.thumb_hash = _photos.hash) AND coalesce(a.deleted, 0) = 0)");
  dropped += db_.changes();
  int64_t over = cached_bytes() - limit;
  if (over <= 0) return dropped;
  auto oldest = db_.prepare("SELECT hash, bytes FROM _photos WHERE upload IS NULL ORDER BY used_at, hash");
  std::vector<std::string> drop;
  while (over > 0 && oldest.step()) {
    drop.emplace_back(oldest.text(0));
    over -= oldest.int64(1);
  }
  oldest.reset();
  auto del = db_.prepare("DELETE FROM _photos WHERE hash = ?");
  for (const auto& h : drop) del.bind(1, h).run();
  return dropped + static_cast<int64_t>(drop.size());
}

int64_t PhotoStore::cached_bytes() {
  return db_.query_int("SELECT coalesce(sum(bytes), 0) FROM _photos WHERE upload IS NULL");
}

std::vector<PhotoItem> PhotoStore::attached(const std::string& record_id) {
  auto q = db_.prepare(
      "SELECT a.hash, a.thumb_hash, a.record_table, a.record_id, a.width, a.height, a.taken_at, "
      "EXISTS (SELECT 1 FROM _photos p WHERE p.hash IN (a.hash, a.thumb_hash) AND p.upload IS NOT NULL) "
      "FROM attachments a WHERE coalesce(a.deleted, 0) = 0 AND (a.record_id = ?1 OR a.record_id IN "
      "(SELECT id FROM case_log WHERE case_id = ?1)) ORDER BY a.taken_at, a.id");
  q.bind(1, record_id);
  std::vector<PhotoItem> out;
  while (q.step()) {
    PhotoItem p;
    p.hash = q.text(0);
    p.thumb_hash = q.text(1);
    p.record_table = q.text(2);
    p.record_id = q.text(3);
    p.width = static_cast<int>(q.int64(4));
    p.height = static_cast<int>(q.int64(5));
    p.taken_at = q.int64(6);
    p.uploading = q.int64(7) != 0;
    out.push_back(std::move(p));
  }
  q.reset();
  for (auto& p : out) p.thumb_jpeg = read(p.thumb_hash).value_or("");
  return out;
}

}  // namespace gw::client
