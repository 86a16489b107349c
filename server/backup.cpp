#include "server/backup.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include "server/blob_store.hpp"
#include "server/database.hpp"
#include "server/pg_db.hpp"
#include "shared/sqlite.hpp"
#include "sync/server/epoch.hpp"

namespace gw::server {

namespace {

// Engine faults (DbError) as the io results this layer answers with.
template <typename F>
auto io_faults(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const DbError& e) {
    return Error{Code::io, e.what()};
  }
}

// A server database that exists: a missing file is not made, as opening it
// would, and one that is not a Gridwork database is refused before use.
Result<std::unique_ptr<Db>> open_existing(const std::string& target, SqliteDb::Mode mode) {
  const bool pg = is_postgres_url(target);
  if (!pg && !std::filesystem::is_regular_file(target)) return Error{Code::not_found, "no file " + target};
  try {
    std::unique_ptr<Db> db = pg ? open_database(target) : std::make_unique<SqliteDb>(target, mode);
    if (auto st = gridwork_database(*db); !st) return st.error();
    return db;
  } catch (const DbError& e) {
    if (pg || (e.code() & 0xff) != SQLITE_NOTADB) throw;
    return Error{Code::invalid, target + " is not a Gridwork server database (not an SQLite file at all)"};
  }
}

// Read, never made: database_epoch would write one where there is none.
int64_t stored_epoch(Db& db) {
  auto q = db.prepare("SELECT value FROM _meta WHERE key = 'epoch'");
  return q.step() ? q.int64(0) : 0;
}

MigrateReport rows_held(Db& db, const Progress& progress) {
  MigrateReport r;
  for (const auto& t : server_tables()) {
    if (db.column_names(t).empty()) continue;
    int64_t n = db.query_int("SELECT count(*) FROM " + t);
    r.tables.push_back({t, n});
    r.rows += n;
    if (progress) progress(t, n);
  }
  return r;
}

Status fsync_path(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    int err = errno;
    if (fd >= 0) ::close(fd);
    return Error{Code::io, "fsync " + path + ": " + std::strerror(err)};
  }
  ::close(fd);
  return {};
}

// The backup is written beside its name and takes it only when whole and
// checked: a crash or a failure never leaves a half file that looks like a
// backup, and the name is taken without replacing a file made meanwhile.
class PartialFile {
 public:
  explicit PartialFile(const std::string& final)
      : path(final + ".partial-" + std::to_string(::getpid())), final_(final) {}
  ~PartialFile() {
    if (!published_)
      for (const char* suffix : {"", "-journal", "-wal", "-shm"}) ::unlink((path + suffix).c_str());
  }
  PartialFile(const PartialFile&) = delete;
  PartialFile& operator=(const PartialFile&) = delete;

  // Made empty and private first (VACUUM INTO fills an empty file): a
  // backup holds residents' numbers and password hashes, for its owner only.
  Status make() {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return Error{Code::io, "create " + path + ": " + std::strerror(errno)};
    ::close(fd);
    return {};
  }

  Status publish() {
    if (auto st = fsync_path(path); !st) return st;
    if (::renameat2(AT_FDCWD, path.c_str(), AT_FDCWD, final_.c_str(), RENAME_NOREPLACE) != 0)
      return Error{Code::io, "rename " + path + " to " + final_ + ": " + std::strerror(errno)};
    published_ = true;
    auto dir = std::filesystem::absolute(final_).parent_path();
    return fsync_path(dir.string());  // the name itself durable
  }

  const std::string path;

 private:
  std::string final_;
  bool published_ = false;
};

// The copy checked and made to stand alone before it takes its name:
// whole (integrity_check), a Gridwork database, no -wal beside it.
Status check_copy(const std::string& path, BackupReport& r, const Progress& progress) {
  SqliteDb db(path);
  std::string verdict;
  {
    auto q = db.prepare("PRAGMA integrity_check");
    while (q.step()) verdict += std::string(verdict.empty() ? "" : "; ") + std::string(q.text(0));
  }
  if (verdict != "ok") return Error{Code::io, "the copy failed its integrity check: " + verdict};
  if (auto st = gridwork_database(db); !st) return st;
  r.held = rows_held(db, progress);
  r.epoch = stored_epoch(db);
  db.exec("PRAGMA journal_mode = DELETE");
  return {};
}

// The copy itself. SQLite: VACUUM INTO reads the source in one read
// transaction — one commit's state, while servers go on writing (WAL mode
// never blocks them) — and writes a compact file without free pages. The
// backup API would copy pages as they lie, and starts over whenever another
// connection writes between its steps. PostgreSQL: migrate's table copy,
// every table read in one REPEATABLE READ snapshot; writers commit one at a
// time (DESIGN §13), so the snapshot is a prefix of the commit order.
Status copy_into(Db& src, const std::string& path, BackupReport& r) {
  if (src.dialect() == Dialect::sqlite) {
    r.how = "VACUUM INTO";
    src.prepare("VACUUM INTO ?").bind(1, path).run();
    return {};
  }
  r.how = "one REPEATABLE READ snapshot";
  SqliteDb out(path);
  auto copied = migrate(src, out, MigrateOptions{.source_as_is = true, .before_commit = {}, .progress = {}});
  return copied.status();
}

// The complete photos beside the copy, in "<file>.blobs/" (a file store, as
// a park's server keeps them), whatever the source: a backup restores into
// either backend. Taken after the rows' snapshot: photos are only ever
// added, so every photo complete by then and named by the copied rows is
// here. On PostgreSQL the photos are rows of _blobs and _blob_chunks, so a
// pg_dump or a pg_basebackup (with PITR) of the database holds them as it
// holds every table; only this SQLite-file backup copies them out.
Result<int64_t> back_up_photos(const std::string& source, Db& src, const std::string& file) {
  auto from = open_blob_store(source);
  auto to = open_blob_store(file);
  return copy_blobs(*from, src, *to, src);  // a file store uses no connection: src stands in
}

// The backup's photos into the target's store, after its rows: each checked
// against its name again on the way in.
Result<int64_t> restore_photos(const std::string& file, Db& from, const std::string& target, Db& to) {
  auto in = open_blob_store(file);
  auto out = open_blob_store(target);
  out->create(to);
  auto n = copy_blobs(*in, from, *out, to);
  if (!n)
    return Error{n.error().code, "the rows are restored, but not every photo of " + file + ".blobs/: " +
                                     n.error().message};
  return n;
}

}  // namespace

Result<BackupReport> backup(const std::string& source, const std::string& file, const Progress& progress) {
  if (is_postgres_url(file)) return Error{Code::invalid, "backup --to wants a file: every backup is one SQLite file"};
  if (std::filesystem::exists(std::filesystem::symlink_status(file)))
    return Error{Code::state, file + " exists: a backup never replaces a file (give a new name)"};
  return io_faults([&]() -> Result<BackupReport> {
    auto src = open_existing(source, SqliteDb::Mode::read_only);
    if (!src) return src.error();
    PartialFile partial(file);
    if (auto st = partial.make(); !st) return st.error();
    BackupReport r;
    if (auto st = copy_into(**src, partial.path, r); !st) return st.error();
    if (auto st = check_copy(partial.path, r, progress); !st) return st.error();
    auto photos = back_up_photos(source, **src, file);
    if (!photos) return photos.error();
    r.photos = *photos;
    if (auto st = partial.publish(); !st) return st.error();
    r.bytes = static_cast<int64_t>(std::filesystem::file_size(file));
    return r;
  });
}

Result<RestoreReport> restore(const std::string& file, const std::string& target, int64_t now_ms,
                              const Progress& progress) {
  if (is_postgres_url(file)) return Error{Code::invalid, "restore --from wants a file made by gridwork-server backup"};
  return io_faults([&]() -> Result<RestoreReport> {
    auto from = open_existing(file, SqliteDb::Mode::read_only);  // read-only: the backup is never changed
    if (!from) return from.error();
    // An existing file is judged read-only first: refused, it is not even
    // switched to WAL. A missing one is made only now, for a backup that passed.
    if (!is_postgres_url(target) && std::filesystem::exists(target)) {
      SqliteDb look(target, SqliteDb::Mode::read_only);
      if (auto st = empty_database(look); !st) return st.error();
    }
    auto to = open_database(target);
    to->make_durable();
    RestoreReport r;
    r.epoch.was = stored_epoch(**from);
    // The new epoch commits with the rows: no restored database is ever
    // seen holding the old one.
    MigrateOptions o{.source_as_is = true,
                     .before_commit = [&](Db& db) { r.epoch.now = sync::start_new_epoch(db, now_ms); },
                     .progress = progress};
    auto copied = migrate(**from, *to, o);
    if (!copied) return copied.error();
    r.copied = std::move(*copied);
    auto photos = restore_photos(file, **from, target, *to);
    if (!photos) return photos.error();
    r.photos = *photos;
    return r;
  });
}

Result<int64_t> show_epoch(const std::string& target) {
  return io_faults([&]() -> Result<int64_t> {
    auto db = open_existing(target, SqliteDb::Mode::read_only);
    if (!db) return db.error();
    return stored_epoch(**db);
  });
}

Result<EpochChange> new_epoch(const std::string& target, int64_t now_ms) {
  return io_faults([&]() -> Result<EpochChange> {
    auto db = open_existing(target, SqliteDb::Mode::read_write);
    if (!db) return db.error();
    (*db)->make_durable();
    Transaction txn(**db);  // PostgreSQL: the writers' lock, so no push is half numbered across it
    EpochChange e{stored_epoch(**db), sync::start_new_epoch(**db, now_ms)};
    txn.commit();
    return e;
  });
}

}  // namespace gw::server
