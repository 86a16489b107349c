#include "client/core/photo_sync.hpp"

#include <algorithm>
#include <chrono>
#include <future>

#include "client/core/tuning.hpp"
#include "shared/json.hpp"
#include "sync/core/blob_batch.hpp"
#include "shared/tuning.hpp"

namespace gw::client {

namespace {

std::string blob_path(const std::string& hash) { return "/v1/blobs/" + hash; }

int64_t int_field(const Json& j, const char* key) {
  const Json* v = j.find(key);
  return v && v->is_int() ? v->as_int() : -1;
}

bool bool_field(const Json& j, const char* key) {
  const Json* v = j.find(key);
  return v && v->is_bool() && v->as_bool();
}

// A verdict on this one picture, not on the link: the step moves on to the next.
bool refused(Code c) { return c == Code::not_found || c == Code::forbidden || c == Code::state || c == Code::invalid; }

}  // namespace

PhotoSync::PhotoSync(Db& db, const sync::Sealer& sealer, net::HttpTransport& http, std::function<int64_t()> wall)
    : store_(db, sealer), http_(http), wall_(std::move(wall)),
      chunk_{gw::tuning::kBlobChunkBytes, gw::tuning::kBlobChunkBytes},
      batch_{gw::tuning::kBlobBatchFirstBytes, gw::tuning::kBlobBatchFirstBytes} {}

Result<bool> PhotoSync::step() {
  auto up = upload_step();
  if (!up || *up) return up;
  return download_step();
}

Result<int64_t> PhotoSync::server_has(const std::string& hash) {
  auto r = http_.get(blob_path(hash) + "/status", tuning::kRequestTimeoutMs);
  if (!r) return r.error();
  auto j = parse_json(*r);
  if (!j) return Error{Code::invalid, "photo status answer: " + j.error().message};
  return bool_field(*j, "complete") ? int_field(*j, "size") : std::max<int64_t>(0, int_field(*j, "received"));
}

// The next requests of the pictures still to go up, in the queue's order.
// A picture not yet begun that fits the chunk budget goes whole, with the
// next such ones in one batch (sync/core/blob_batch.hpp) up to the budget:
// on a good link a request a picture cost a round trip and a server flush
// apiece, and thumbnails are half the pictures. Thumbnails never share a
// batch with pictures: small, they get through a link that cuts every
// longer request, so a supervisor sees what the case shows. A picture begun, or over
// the budget, goes on in chunks. One request is in flight until the link
// has shown it is fast (pace), then kUploadWindow at once: the server's
// answer is then mostly its flush, and the file system commits concurrent
// flushes together. On a weak link several would share its bandwidth and
// each outlive the request timeout. The list is read once a sync and kept
// here; what the server confirms is noted here and written down in batches
// (save_confirmed): a confirmation lost in a crash costs a status question
// at the next sync, never a picture, and a write with its fsync a request
// cost the tablet more than the server's whole answer.
Result<bool> PhotoSync::upload_step() {
  if (!queue_) queue_ = store_.uploads();
  std::vector<Flight> window;
  Flight batch;
  int64_t batch_bytes = 0;
  auto send_batch = [&](bool full) {
    batch.full = full;
    if (!batch.ups.empty()) window.push_back(send(std::move(batch)));
    batch = Flight{};
    batch_bytes = 0;
  };
  for (auto& u : *queue_) {
    if (window.size() == window_) break;
    if (u.sent >= u.bytes || later_.count(u.hash)) continue;
    if (!opened(u.hash)) {  // the key is gone (a lock under way): the next sync
      later_.insert(u.hash);
      continue;
    }
    const bool whole = batches_ && u.sent == 0 && u.bytes <= chunk_.bytes;
    if (!batch.ups.empty()) {
      const bool fits = batch_bytes + u.bytes <= batch_.bytes &&
                        static_cast<int>(batch.ups.size()) < gw::tuning::kBlobBatchParts;
      const bool same = whole && batch.ups.front()->thumb == u.thumb;
      if (!same || !fits) send_batch(same);  // closed by the budget: a full one
      if (window.size() == window_) break;
    }
    if (!whole) {
      window.push_back(chunk(u));
      continue;
    }
    batch.ups.push_back(&u);
    batch_bytes += u.bytes;
  }
  send_batch(false);  // the queue's end; the window has room, or the batch would be empty
  if (window.empty()) return false;
  std::optional<Error> fault;
  for (auto& f : window) {
    Result<bool> moved = true;
    if (f.batch) {
      moved = settle_batch(f);
    } else {
      auto r = f.answer.get();
      moved = settle(*f.ups.front(), f.bytes, r, f.took());
    }
    if (!moved && !fault) fault = moved.error();
  }
  if (fault) return *fault;
  return true;
}

// The next chunk of one picture, on its way.
PhotoSync::Flight PhotoSync::chunk(PendingUpload& u) {
  const std::string* bytes = opened(u.hash);
  Flight f;
  f.ups.push_back(&u);
  auto piece = bytes->substr(static_cast<size_t>(u.sent), static_cast<size_t>(chunk_.bytes));
  f.bytes = piece.size();
  std::string path = blob_path(u.hash) + "?offset=" + std::to_string(u.sent);
  f.answer = std::async(std::launch::async, [this, path, piece = std::move(piece)] { return http_.put(path, piece); });
  return f;
}

// Whole pictures in one request, on their way.
PhotoSync::Flight PhotoSync::send(Flight f) {
  std::vector<sync::BlobPart> parts;
  for (auto* u : f.ups) parts.push_back({u->hash, *opened(u->hash)});
  std::string body = sync::encode_blob_batch(parts);
  f.bytes = body.size();
  f.batch = true;
  f.answer = std::async(std::launch::async, [this, body = std::move(body)] { return http_.put("/v1/blobs", body); });
  return f;
}

// A batch's answer: each picture's verdict as its own chunk's would be. A
// server without batches (an older one: 404) is sent chunks from now on.
Result<bool> PhotoSync::settle_batch(Flight& f) {
  auto r = f.answer.get();
  const auto took = f.took();
  if (!r && r.error().code == Code::not_found && r.error().message.find("no endpoint") != std::string::npos) {
    batches_ = false;
    return true;
  }
  if (!r) return r.error();
  pace(batch_, f.full, took);
  std::vector<sync::BlobPart> sent;
  for (auto* u : f.ups) sent.push_back({u->hash, {}});
  auto answers = sync::decode_blob_answers(*r, sent);
  if (!answers) return answers.error();
  for (size_t i = 0; i < f.ups.size(); ++i) {
    auto& a = (*answers)[i];
    auto& u = *f.ups[i];
    if (a.code != Code::ok) {
      auto moved = settle(u, 0, Error{a.code, a.message}, {});
      if (!moved) return moved.error();
      continue;
    }
    confirm(u, a.complete ? u.bytes : a.received);
    report_.bytes_up += u.bytes;
  }
  ++report_.chunks_up;
  return true;
}

// One chunk's answer: confirmed, or where the server says to go on from,
// or the picture left for the next sync; an Error when the link failed.
Result<bool> PhotoSync::settle(PendingUpload& u, size_t sent, const Result<std::string>& r,
                               std::chrono::steady_clock::duration took) {
  if (r) {
    pace(chunk_, static_cast<int64_t>(sent) >= chunk_.bytes, took);
    auto j = parse_json(*r);
    int64_t received = j ? int_field(*j, "received") : -1;
    if (received < 0) return Error{Code::invalid, "photo upload answer without `received`"};
    confirm(u, j && bool_field(*j, "complete") ? u.bytes : received);
    ++report_.chunks_up;
    report_.bytes_up += static_cast<int64_t>(sent);
    return true;
  }
  Code c = r.error().code;
  if (c == Code::conflict) {
    // The server holds another count than this tablet thought (an answer
    // lost on the way back, or the same picture sent by another device):
    // it says where to go on from.
    auto has = server_has(u.hash);
    if (!has) return has.error();
    if (*has == u.sent) later_.insert(u.hash);  // refused for another reason at the same count: not again now
    else confirm(u, *has);
    return true;
  }
  if (c == Code::invalid && !restarted_.count(u.hash)) {
    // The server threw the whole away (its bytes did not hash to the
    // name): once more from the start, then left for the next sync.
    restarted_.insert(u.hash);
    confirm(u, 0);
    return true;
  }
  if (refused(c)) {
    later_.insert(u.hash);
    return true;
  }
  return r.error();
}

const std::string* PhotoSync::opened(const std::string& hash) {
  auto it = opened_.find(hash);
  if (it != opened_.end()) return &it->second;
  auto bytes = store_.read(hash);
  if (!bytes) return nullptr;
  return &opened_.emplace(hash, std::move(*bytes)).first->second;
}

void PhotoSync::confirm(PendingUpload& u, int64_t sent) {
  u.sent = sent;
  unsaved_[u.hash] = sent;
  if (sent >= u.bytes) opened_.erase(u.hash);
  if (static_cast<int>(unsaved_.size()) >= kConfirmBatch) save_confirmed();
}

void PhotoSync::save_confirmed() {
  if (unsaved_.empty()) return;
  Transaction txn(store_.db());
  for (const auto& [hash, sent] : unsaved_) store_.confirmed(hash, sent);
  txn.commit();
  unsaved_.clear();
}

int64_t PhotoSync::uploads_waiting() {
  if (!queue_) return store_.waiting();
  int64_t n = 0;
  for (const auto& u : *queue_) n += u.sent < u.bytes;
  return n;
}

PhotoSync::~PhotoSync() {
  // Normally saved by the caller; here on an early way out. A fault is no
  // loss (see upload_step), so it is not let out of a destructor.
  try {
    save_confirmed();
  } catch (const std::exception&) {
  }
}

void PhotoSync::sweep() { store_.sweep(tuning::kPhotoCacheBytes); }

// As push batches grow (tuning::kPushGrowMs): a request answered fast
// opens the window and, when it was full (a chunk of the whole budget, a
// batch the budget closed), doubles that budget; a slow answer halves it
// and closes the window to one; within its first size and the server's limit.
void PhotoSync::pace(Budget& budget, bool full, std::chrono::steady_clock::duration took) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
  if (ms > gw::tuning::kPushShrinkMs) {
    budget.bytes = std::max(budget.bytes / 2, budget.first);
    window_ = 1;
    return;
  }
  if (ms >= gw::tuning::kPushGrowMs) return;
  // Even a thumbnail this fast means some 60 KB/s: three first-size chunks
  // at once then arrive well inside the request timeout.
  window_ = kUploadWindow;
  if (full) budget.bytes = std::min(budget.bytes * 2, gw::tuning::kBlobChunkMaxBytes);
}

Status PhotoSync::pull(const std::string& hash, bool thumb, const std::string& grid_id) {
  auto r = http_.get(blob_path(hash), tuning::kRequestTimeoutMs);
  if (!r) return r.error();
  if (!store_.keep_pulled(hash, thumb, grid_id, *r, wall_()))
    return Error{Code::invalid, "the server sent bytes that are not the picture named " + hash};
  ++report_.pictures_down;
  report_.bytes_down += static_cast<int64_t>(r->size());
  return Status::ok();
}

Status PhotoSync::fetch(const std::string& hash) {
  if (store_.has(hash)) return Status::ok();
  auto q = store_.db().prepare("SELECT grid_id, hash = ? FROM attachments WHERE (hash = ? OR thumb_hash = ?) LIMIT 1");
  q.bind(1, hash).bind(2, hash).bind(3, hash);
  if (!q.step()) return Error{Code::not_found, "no record on this tablet shows this picture"};
  std::string grid(q.text(0));
  bool thumb = q.int64(1) == 0;
  q.reset();
  return pull(hash, thumb, grid);
}

// The next thumbnail of the grids held, then the next picture of an urgent
// open case.
Result<bool> PhotoSync::download_step() {
  static constexpr const char* kNext[] = {
      "SELECT a.thumb_hash, a.grid_id, 1 FROM attachments a WHERE coalesce(a.deleted, 0) = 0 "
      "AND NOT EXISTS (SELECT 1 FROM _photos p WHERE p.hash = a.thumb_hash) ORDER BY a.taken_at DESC, a.id",
      "SELECT a.hash, a.grid_id, 0 FROM attachments a JOIN cases c ON a.record_table = 'cases' AND a.record_id = c.id "
      "WHERE coalesce(a.deleted, 0) = 0 AND c.severity = 'urgent' AND c.closed_at IS NULL "
      "AND NOT EXISTS (SELECT 1 FROM _photos p WHERE p.hash = a.hash) ORDER BY a.taken_at DESC, a.id",
  };
  for (const char* sql : kNext) {
    auto q = store_.db().prepare(sql);
    while (q.step()) {
      std::string hash(q.text(0));
      if (later_.count(hash)) continue;
      std::string grid(q.text(1));
      bool thumb = q.int64(2) != 0;
      q.reset();
      auto st = pull(hash, thumb, grid);
      if (st) return true;
      if (!refused(st.code())) return st.error();
      later_.insert(hash);  // still uploading at its author's end, most often: the next sync
      return true;
    }
  }
  return false;
}

}  // namespace gw::client
