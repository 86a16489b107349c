// The tablet's pictures (issue 22, DESIGN §14): the ones taken here until
// the server has every byte of them, and a cache of the ones pulled. They
// live in the replica's own file, so a photo and the attachment row that
// names it are written in one transaction, and each is sealed under the
// data key (XChaCha20-Poly1305) like the other personal data: a face or a
// licence plate is never in clear on the tablet's disk.
//
// A picture taken here is never dropped before the server confirms its
// last byte (`upload` counts what it confirmed); from then on it is a
// cached copy like a pulled one, dropped first when the cache is over its
// size or when no attachment row on the tablet names it any more (its
// grid evicted, its record gone).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "client/core/photo.hpp"
#include "client/core/views.hpp"
#include "shared/db.hpp"
#include "sync/core/sealer.hpp"

namespace gw::client {

// A picture still to go up: its name, size and the bytes the server holds.
struct PendingUpload {
  std::string hash;
  int64_t bytes = 0;
  int64_t sent = 0;
  bool thumb = false;
};

class PhotoStore {
 public:
  PhotoStore(Db& db, const sync::Sealer& sealer);

  // A picture taken here (the photo and its thumbnail), to be uploaded.
  // Inside the caller's transaction, with the attachment row.
  void keep_taken(const Photo& p, const std::string& grid_id, int64_t now);
  // A copy from the server (a thumbnail pulled with its grid, a picture
  // opened): false when the bytes are not the picture `hash` names.
  bool keep_pulled(const std::string& hash, bool thumb, const std::string& grid_id, const std::string& bytes,
                   int64_t now);

  bool has(const std::string& hash);
  // The picture's bytes, opened; nullopt when not here (or the key is gone).
  std::optional<std::string> read(const std::string& hash);
  void touch(const std::string& hash, int64_t now);  // shown: last in line to be dropped

  // Thumbnails first (they let a supervisor see the case at once), then the
  // pictures, oldest first.
  std::vector<PendingUpload> uploads();
  // The server confirmed `sent` bytes of `hash`; all of them: it is a copy now.
  void confirmed(const std::string& hash, int64_t sent);
  int64_t waiting();  // pictures taken here the server does not have whole
  // Taken here and not yet on the server: shown as "uploading".
  bool uploading(const std::string& hash);

  // Drops cached copies no attachment row names, then the least recently
  // shown until the cache is within `limit` bytes. Never a picture still to go up.
  int64_t sweep(int64_t limit);
  int64_t cached_bytes();
  // The photos on a record (a case, patrol or visit) and on the records under
  // it (a case's steps), oldest first, with the thumbnails this tablet holds.
  std::vector<PhotoItem> attached(const std::string& record_id);
  Db& db() { return db_; }

 private:
  Db& db_;
  const sync::Sealer& sealer_;
};

}  // namespace gw::client
