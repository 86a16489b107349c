#include "server/blob_store.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <numeric>
#include <set>
#include <utility>

#include "server/pg_db.hpp"
#include "shared/checks.hpp"
#include "shared/tuning.hpp"

namespace gw::server {

namespace {

// BLAKE2b-256 taken piece by piece: a blob is checked as it is read back,
// never held twice in memory.
class Hasher {
 public:
  Hasher() { crypto_generichash_init(&state_, nullptr, 0, crypto_generichash_BYTES); }
  void add(std::string_view bytes) {
    crypto_generichash_update(&state_, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  }
  std::string hex() {
    unsigned char h[crypto_generichash_BYTES];
    crypto_generichash_final(&state_, h, sizeof h);
    char out[2 * sizeof h + 1];
    sodium_bin2hex(out, sizeof out, h, sizeof h);
    return out;
  }

 private:
  crypto_generichash_state state_;
};

// What a chunk is refused for before anything is looked up: too big by
// itself, or reaching past the photo's size.
Status check_chunk(int64_t offset, std::string_view bytes, int64_t size) {
  const auto n = static_cast<int64_t>(bytes.size());
  if (n > tuning::kBlobChunkMaxBytes)
    return Error{Code::too_large, "a chunk of " + std::to_string(n) + " bytes: at most " +
                                      std::to_string(tuning::kBlobChunkMaxBytes) + " go in one request"};
  if (offset < 0 || offset + n > size)
    return Error{Code::too_large, "bytes " + std::to_string(offset) + " to " + std::to_string(offset + n) +
                                      " reach past the photo's " + std::to_string(size) + " bytes"};
  return {};
}

// A resumed upload must go on where the server's bytes end: the device's
// own idea of that is lost with an answer the link dropped.
Status check_offset(const BlobState& held, int64_t offset) {
  if (offset == held.received) return {};
  return Error{Code::conflict, "the upload of this photo is at byte " + std::to_string(held.received) + ", not " +
                                   std::to_string(offset) + ": resume from " + std::to_string(held.received)};
}

Error mismatch() {
  return Error{Code::invalid, "the bytes do not match the photo's name: send it again from the start"};
}

Error os_fault(const std::string& what, int err) { return Error{Code::io, what + ": " + std::strerror(err)}; }

Status fsync_dir(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return os_fault("open " + dir.string(), errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return os_fault("fsync " + dir.string(), err);
  return {};
}

// A file descriptor closed with its scope.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(Fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

// ---- a directory beside an SQLite file ----------------------------------------------

// One server process writes a park's file (DESIGN §13), so locks in the
// process are enough: a stripe of mutexes by name, bounded however many
// photos come, where two different photos rarely share one.
class FileBlobStore final : public BlobStore {
 public:
  explicit FileBlobStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

  void create(Db&) override {
    if (auto st = make_dir(); !st) throw DbError(DbError::Kind::io, st.error().message);
  }

  BlobState state(Db&, std::string_view hash) override { return held(hash); }

  Result<BlobState> append(Db&, std::string_view hash, int64_t offset, std::string_view bytes, int64_t size) override {
    if (auto st = check_chunk(offset, bytes, size); !st) return st.error();
    std::lock_guard lock(stripe(hash));
    BlobState now = held(hash);
    if (now.complete) return now;
    if (auto st = check_offset(now, offset); !st) return st.error();
    if (offset == 0 && static_cast<int64_t>(bytes.size()) == size) return std::move(wholes({{hash, bytes}}).front());
    if (!bytes.empty()) {
      if (auto st = write_durably(hash, offset, bytes); !st) return st.error();
      now.received += static_cast<int64_t>(bytes.size());
    }
    // Also reached by an empty chunk at the end: an upload whose last chunk
    // was stored just before a crash, but not yet checked and named.
    if (now.received < size) return now;
    return finish(hash, size);
  }

  std::vector<Result<BlobState>> put_whole(Db&, const std::vector<Whole>& blobs) override {
    // Stripes taken in ascending order, as one append takes one: no two
    // batches, nor a batch and a chunk, wait on each other in a circle.
    std::set<size_t> stripes;
    for (const auto& b : blobs) stripes.insert(stripe_of(b.hash));
    std::vector<std::unique_lock<std::mutex>> locks;
    for (size_t k : stripes) locks.emplace_back(stripes_[k]);
    return wholes(blobs);
  }

  std::optional<std::string> read(Db&, std::string_view hash) override {
    Fd f(::open(path(hash, "").c_str(), O_RDONLY | O_CLOEXEC));
    if (f.fd < 0) return std::nullopt;
    std::string out;
    if (!read_all(f.fd, [&](std::string_view piece) { out.append(piece); })) return std::nullopt;
    return out;
  }

  std::vector<std::string> complete(Db&) override {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir_, ec))
      if (auto name = e.path().filename().string(); is_blob_hash(name)) out.push_back(name);
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  std::filesystem::path path(std::string_view hash, const char* suffix) const {
    return dir_ / (std::string(hash) + suffix);
  }

  size_t stripe_of(std::string_view hash) const { return std::hash<std::string_view>{}(hash) % stripes_.size(); }
  std::mutex& stripe(std::string_view hash) { return stripes_[stripe_of(hash)]; }

  // Photos of people and their homes: the owner's only, as the database is.
  Status make_dir() {
    if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) return os_fault("mkdir " + dir_.string(), errno);
    return {};
  }

  BlobState held(std::string_view hash) const {
    struct stat st {};
    if (::stat(path(hash, "").c_str(), &st) == 0) return {st.st_size, true};
    if (::stat(path(hash, ".part").c_str(), &st) == 0) return {st.st_size, false};
    return {};
  }

  // The chunk written at its place and fsynced before the answer: an
  // acknowledged chunk survives a crash. A chunk that could not be written
  // whole (a full disk) is cut off again, so the held size stays the
  // acknowledged bytes. A new file's name is made durable too.
  Status write_durably(std::string_view hash, int64_t offset, std::string_view bytes) {
    if (auto st = make_dir(); !st) return st;
    const auto part = path(hash, ".part");
    Fd f(::open(part.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    if (f.fd < 0) return os_fault("open " + part.string(), errno);
    for (size_t done = 0; done < bytes.size();) {
      ssize_t n = ::pwrite(f.fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        int err = n < 0 ? errno : ENOSPC;
        // Should the cut fail too, the bytes past the acknowledged ones stay: the
        // device's next chunk is then refused with where to resume, and a
        // wrong byte among them fails the check at the end, starting it over.
        int cut = ::ftruncate(f.fd, static_cast<off_t>(offset));
        (void)cut;
        return os_fault("write " + part.string(), err);
      }
      done += static_cast<size_t>(n);
    }
    if (::fsync(f.fd) != 0) return os_fault("fsync " + part.string(), errno);
    return offset == 0 ? fsync_dir(dir_) : Status{};
  }

  // Whole photos, as a good link sends them (the device's chunks grow to a
  // whole picture, small ones go in batches), the caller holding their
  // stripes. Each is checked in memory first, so a mismatch writes nothing.
  // Then the writes are flushed together, and only then renamed: a name
  // says "complete", so its bytes must be on disk before it can survive a
  // crash. One fsync of the directory makes every rename durable, where a
  // photo a request took a directory commit apiece. A part file's own name
  // need not outlive a crash, only the whole's.
  std::vector<Result<BlobState>> wholes(const std::vector<Whole>& blobs) {
    std::vector<Result<BlobState>> out;
    std::vector<std::pair<size_t, Fd>> written;  // index in blobs, the open part file
    out.reserve(blobs.size());
    written.reserve(blobs.size());
    for (size_t i = 0; i < blobs.size(); ++i) {
      out.push_back(write_whole(blobs[i], written, i));
    }
    if (written.size() > 1) {
      // Many files: one flush of their file system, a single journal
      // commit, where an fdatasync each took one apiece (a batch of
      // thumbnails: ~0.12 ms a file against ~0.3). It also flushes what
      // else is dirty there; on a server's own disk that is the database,
      // which syncs itself anyway.
      if (::syncfs(written.front().second.fd) != 0) {
        int err = errno;
        for (auto& [i, f] : written) out[i] = unwritten(blobs[i].hash, "syncfs", err);
      }
    } else {
      for (auto& [i, f] : written)
        if (::fdatasync(f.fd) != 0) out[i] = unwritten(blobs[i].hash, "fdatasync", errno);
    }
    bool renamed = false;
    for (auto& [i, f] : written) {
      if (!out[i]) continue;
      if (::rename(path(blobs[i].hash, ".part").c_str(), path(blobs[i].hash, "").c_str()) != 0)
        out[i] = unwritten(blobs[i].hash, "rename", errno);
      else renamed = true;
    }
    if (renamed) {
      if (auto st = fsync_dir(dir_); !st)
        for (auto& [i, f] : written) out[i] = st.error();
    }
    return out;
  }

  // One photo of wholes(): complete already, refused, or written with its
  // writeback started and kept open in `written` (its answer then follows).
  Result<BlobState> write_whole(const Whole& b, std::vector<std::pair<size_t, Fd>>& written, size_t i) {
    BlobState now = held(b.hash);
    if (now.complete) return now;
    Hasher h;
    h.add(b.bytes);
    if (h.hex() != b.hash) return mismatch();
    if (auto st = make_dir(); !st) return st.error();
    const auto part = path(b.hash, ".part");
    Fd f(::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (f.fd < 0) return os_fault("open " + part.string(), errno);
    for (size_t done = 0; done < b.bytes.size();) {
      ssize_t n = ::write(f.fd, b.bytes.data() + done, b.bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return unwritten(b.hash, "write", n < 0 ? errno : ENOSPC);
      done += static_cast<size_t>(n);
    }
    // Writeback starts now, beside the next file's write. Advisory: a fault
    // here shows again in the flush.
    (void)::sync_file_range(f.fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    written.emplace_back(i, std::move(f));
    return BlobState{static_cast<int64_t>(b.bytes.size()), true};
  }

  // A whole that could not be written leaves no part behind: a part must
  // hold the bytes its size says were received.
  Error unwritten(std::string_view hash, const char* step, int err) {
    const auto part = path(hash, ".part");
    (void)::unlink(part.c_str());
    return os_fault(std::string(step) + " " + part.string(), err);
  }

  // Every byte is here: checked against the name, then named by it (the
  // rename is the one step that makes it complete, and is made durable
  // before the answer). A mismatch leaves nothing behind.
  Result<BlobState> finish(std::string_view hash, int64_t size) {
    const auto part = path(hash, ".part");
    Fd f(::open(part.c_str(), O_RDONLY | O_CLOEXEC));
    if (f.fd < 0) return os_fault("open " + part.string(), errno);
    Hasher h;
    if (!read_all(f.fd, [&](std::string_view piece) { h.add(piece); })) return os_fault("read " + part.string(), errno);
    if (h.hex() != hash) {
      if (::unlink(part.c_str()) != 0) return os_fault("unlink " + part.string(), errno);
      if (auto st = fsync_dir(dir_); !st) return st.error();
      return mismatch();
    }
    if (::rename(part.c_str(), path(hash, "").c_str()) != 0) return os_fault("rename " + part.string(), errno);
    if (auto st = fsync_dir(dir_); !st) return st.error();
    return BlobState{size, true};
  }

  template <typename F>
  static bool read_all(int fd, F&& take) {
    std::string buf(64 << 10, '\0');
    for (;;) {
      ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return false;
      if (n == 0) return true;
      take(std::string_view(buf.data(), static_cast<size_t>(n)));
    }
  }

  std::filesystem::path dir_;
  std::array<std::mutex, 64> stripes_;
};

// ---- two tables in PostgreSQL ---------------------------------------------------------

// A write beside the writers: no writers' lock (uploads number nothing a
// cursor follows, and must not wait for pushes), rolled back unless committed.
class BesideWriters {
 public:
  explicit BesideWriters(Db& db) : db_(dynamic_cast<PgDb&>(db)) { db_.begin_unordered(); }
  ~BesideWriters() {
    if (done_ || !db_.in_transaction()) return;
    try {
      db_.rollback();
    } catch (const DbError&) {
      // The connection is gone: the database rolled it back itself.
    }
  }
  BesideWriters(const BesideWriters&) = delete;
  BesideWriters& operator=(const BesideWriters&) = delete;
  void commit() {
    db_.commit();
    done_ = true;
  }

 private:
  PgDb& db_;
  bool done_ = false;
};

// Several servers share one database: each upload's step is one
// transaction holding its _blobs row (SELECT ... FOR UPDATE), so two of
// them never interleave one photo's chunks, and a chunk and the count that
// says it is there commit together. Chunks are rows of their own: an
// append writes its bytes once, never a growing value again.
class PgBlobStore final : public BlobStore {
 public:
  void create(Db& db) override {
    Transaction txn(db);  // as every schema step: servers starting at once make it one after the other
    db.exec_ddl("CREATE TABLE IF NOT EXISTS _blobs (hash TEXT PRIMARY KEY, received {int} NOT NULL, "
                "complete {int} NOT NULL)");
    // `pos`, not `offset`: a reserved word in PostgreSQL.
    db.exec_ddl("CREATE TABLE IF NOT EXISTS _blob_chunks (hash TEXT NOT NULL, pos {int} NOT NULL, "
                "data {blob} NOT NULL, PRIMARY KEY (hash, pos))");
    txn.commit();
  }

  BlobState state(Db& db, std::string_view hash) override {
    auto q = db.prepare("SELECT received, complete FROM _blobs WHERE hash = ?");
    q.bind(1, hash);
    return q.step() ? BlobState{q.int64(0), q.int64(1) != 0} : BlobState{};
  }

  Result<BlobState> append(Db& db, std::string_view hash, int64_t offset, std::string_view bytes, int64_t size) override {
    if (auto st = check_chunk(offset, bytes, size); !st) return st.error();
    BesideWriters txn(db);
    BlobState now = locked(db, hash);
    if (now.complete) return now;
    if (auto st = check_offset(now, offset); !st) return st.error();
    if (bytes.empty()) return now;
    auto put = db.prepare("INSERT INTO _blob_chunks (hash, pos, data) VALUES (?, ?, ?)");
    put.bind(1, hash).bind(2, offset).bind_blob(3, bytes.data(), bytes.size());
    put.run();
    now.received += static_cast<int64_t>(bytes.size());
    if (now.received == size && !matches(db, hash)) {
      discard(db, hash);
      txn.commit();
      return mismatch();
    }
    now.complete = now.received == size;
    auto count = db.prepare("UPDATE _blobs SET received = ?, complete = ? WHERE hash = ?");
    count.bind(1, now.received).bind(2, now.complete ? 1 : 0).bind(3, hash);
    count.run();
    txn.commit();
    return now;
  }

  // A batch in one transaction, one commit for all its photos; the rows
  // locked in name order, so two batches never wait on each other in a circle.
  std::vector<Result<BlobState>> put_whole(Db& db, const std::vector<Whole>& blobs) override {
    std::vector<size_t> order(blobs.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return blobs[a].hash < blobs[b].hash; });
    std::vector<Result<BlobState>> out(blobs.size(), Result<BlobState>(BlobState{}));
    BesideWriters txn(db);
    for (size_t i : order) out[i] = whole(db, blobs[i]);
    txn.commit();
    return out;
  }

  std::optional<std::string> read(Db& db, std::string_view hash) override {
    if (!state(db, hash).complete) return std::nullopt;
    std::string out;
    each_chunk(db, hash, [&](std::string_view piece) { out.append(piece); });
    return out;
  }

  std::vector<std::string> complete(Db& db) override {
    std::vector<std::string> out;
    if (db.column_names("_blobs").empty()) return out;  // a database no server of this build has served
    auto q = db.prepare("SELECT hash FROM _blobs WHERE complete = 1 ORDER BY hash");
    while (q.step()) out.emplace_back(q.text(0));
    return out;
  }

 private:
  // The photo's row, made if new, and held until the transaction ends.
  static BlobState locked(Db& db, std::string_view hash) {
    auto make = db.prepare("INSERT INTO _blobs (hash, received, complete) VALUES (?, 0, 0) ON CONFLICT (hash) DO NOTHING");
    make.bind(1, hash);
    make.run();
    auto q = db.prepare("SELECT received, complete FROM _blobs WHERE hash = ? FOR UPDATE");
    q.bind(1, hash);
    if (!q.step()) throw DbError(DbError::Kind::io, "the row of photo " + std::string(hash) + " vanished under its lock");
    return {q.int64(0), q.int64(1) != 0};
  }

  // One photo of a batch, checked before a row is touched. A chunked upload
  // of it that stopped partway is superseded by the whole.
  static Result<BlobState> whole(Db& db, const Whole& b) {
    Hasher h;
    h.add(b.bytes);
    if (h.hex() != b.hash) return mismatch();
    BlobState now = locked(db, b.hash);
    if (now.complete) return now;
    const auto size = static_cast<int64_t>(b.bytes.size());
    if (now.received > 0) {
      auto drop = db.prepare("DELETE FROM _blob_chunks WHERE hash = ?");
      drop.bind(1, b.hash);
      drop.run();
    }
    auto put = db.prepare("INSERT INTO _blob_chunks (hash, pos, data) VALUES (?, 0, ?)");
    put.bind(1, b.hash).bind_blob(2, b.bytes.data(), b.bytes.size());
    put.run();
    auto count = db.prepare("UPDATE _blobs SET received = ?, complete = 1 WHERE hash = ?");
    count.bind(1, size).bind(2, b.hash);
    count.run();
    return BlobState{size, true};
  }

  template <typename F>
  static void each_chunk(Db& db, std::string_view hash, F&& take) {
    auto q = db.prepare("SELECT data FROM _blob_chunks WHERE hash = ? ORDER BY pos");
    q.bind(1, hash);
    while (q.step()) take(q.blob(0));
  }

  static bool matches(Db& db, std::string_view hash) {
    Hasher h;
    each_chunk(db, hash, [&](std::string_view piece) { h.add(piece); });
    return h.hex() == hash;
  }

  static void discard(Db& db, std::string_view hash) {
    for (const char* sql : {"DELETE FROM _blob_chunks WHERE hash = ?", "DELETE FROM _blobs WHERE hash = ?"}) {
      auto q = db.prepare(sql);
      q.bind(1, hash);
      q.run();
    }
  }
};

}  // namespace

std::vector<Result<BlobState>> BlobStore::put_whole(Db& db, const std::vector<Whole>& blobs) {
  std::vector<Result<BlobState>> out;
  for (const auto& b : blobs) out.push_back(append(db, b.hash, 0, b.bytes, static_cast<int64_t>(b.bytes.size())));
  return out;
}

std::unique_ptr<BlobStore> open_blob_store(const std::string& db_target) {
  if (is_postgres_url(db_target)) return std::make_unique<PgBlobStore>();
  return std::make_unique<FileBlobStore>(db_target + ".blobs");
}

Result<int64_t> copy_blobs(BlobStore& from, Db& from_db, BlobStore& to, Db& to_db) {
  int64_t copied = 0;
  for (const auto& hash : from.complete(from_db)) {
    if (to.state(to_db, hash).complete) continue;
    auto bytes = from.read(from_db, hash);
    if (!bytes) return Error{Code::io, "photo " + hash + " could not be read back"};
    const auto size = static_cast<int64_t>(bytes->size());
    for (int64_t at = to.state(to_db, hash).received; at < size;) {
      auto n = std::min<int64_t>(tuning::kBlobChunkMaxBytes, size - at);
      auto done = to.append(to_db, hash, at, std::string_view(*bytes).substr(static_cast<size_t>(at), static_cast<size_t>(n)), size);
      if (!done) return Error{done.error().code, "photo " + hash + ": " + done.error().message};
      if (done->complete) break;
      at = done->received;
    }
    ++copied;
  }
  return copied;
}

std::string blob_hash(std::string_view bytes) {
  Hasher h;
  h.add(bytes);
  return h.hex();
}

}  // namespace gw::server
