// Evidence photos' bytes on the server (issue 22, DESIGN §14): "blobs",
// each named by the BLAKE2b-256 of its bytes, uploaded in chunks that a
// device resumes after a cut link, checked against the name before anyone
// can fetch them. One store per server process, shared by its HTTP threads.
//
// Blobs are not synced rows: they go in no bucket, take no seq and no chain
// link (the attachments row that names them does), so they are written
// beside the single writer, never through it — a 2 MB photo on a weak link
// must not hold up the pushes every other tablet waits on.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/db.hpp"
#include "shared/error.hpp"

namespace gw::server {

struct BlobState {
  int64_t received = 0;  // bytes held so far (all of them once complete)
  bool complete = false;  // whole, checked against its name: it can be read
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // Made once when a server starts (PostgreSQL: the two tables), with the
  // writer's connection; idempotent.
  virtual void create(Db& db) = 0;

  // What is held for `hash` (a valid name: is_blob_hash).
  virtual BlobState state(Db& db, std::string_view hash) = 0;

  // The bytes at `offset` of a blob of `size` bytes in all. Refused with
  // nothing stored: a chunk over tuning::kBlobChunkMaxBytes or past `size`
  // (too_large), an offset other than the bytes held (conflict, naming
  // where to resume). Answered once the chunk is durable. The last chunk
  // checks the whole against its name: a mismatch discards everything held
  // for it (invalid); a match makes it complete. A complete blob answers its
  // state and stores nothing more (a retried last chunk whose answer was lost).
  // Storage faults are Code::io results, never exceptions (except the Db's own DbError).
  virtual Result<BlobState> append(Db& db, std::string_view hash, int64_t offset, std::string_view bytes,
                                   int64_t size) = 0;

  // Whole blobs at once (a batch, sync/core/blob_batch.hpp): each checked
  // against its name in memory first, so a mismatch stores nothing of it
  // (invalid), the rest made durable together before any answer. One answer
  // a blob, in order; a blob held whole already answers its state. Here:
  // one append each; a store that can flush many writes at once does.
  struct Whole {
    std::string_view hash, bytes;
  };
  virtual std::vector<Result<BlobState>> put_whole(Db& db, const std::vector<Whole>& blobs);

  // A complete blob's bytes; nullopt while it is incomplete or unknown.
  virtual std::optional<std::string> read(Db& db, std::string_view hash) = 0;

  // The names of every complete blob (backups copy them).
  virtual std::vector<std::string> complete(Db& db) = 0;
};

// An SQLite target (a file): a directory beside it, "<file>.blobs/", a
// partial upload as "<hash>.part", a complete one as "<hash>". A
// postgresql:// URL: the tables _blobs and _blob_chunks, written through the
// Db each call is given.
std::unique_ptr<BlobStore> open_blob_store(const std::string& db_target);

// Every complete blob of `from` that `to` lacks, copied through `to`'s
// append (so each is checked against its name again). Returns how many.
Result<int64_t> copy_blobs(BlobStore& from, Db& from_db, BlobStore& to, Db& to_db);

// The BLAKE2b-256 of `bytes` in lowercase hex: a photo's name (the same as
// the tablet's photo_hash, client/core/photo.cpp).
std::string blob_hash(std::string_view bytes);

}  // namespace gw::server
