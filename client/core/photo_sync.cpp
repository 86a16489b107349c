#include "client/core/photo_sync.hpp"

#include <algorithm>
#include <chrono>

#include "client/core/tuning.hpp"
#include "shared/json.hpp"
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
    : store_(db, sealer), http_(http), wall_(std::move(wall)), chunk_bytes_(gw::tuning::kBlobChunkBytes) {}

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

// One chunk of the first picture still to go up.
Result<bool> PhotoSync::upload_step() {
  for (const auto& u : store_.uploads()) {
    if (later_.count(u.hash)) continue;
    auto bytes = store_.read(u.hash);
    if (!bytes) {  // the key is gone (a lock under way): the next sync
      later_.insert(u.hash);
      continue;
    }
    std::string chunk = bytes->substr(static_cast<size_t>(std::min<int64_t>(u.sent, u.bytes)),
                                      static_cast<size_t>(chunk_bytes_));
    auto t0 = std::chrono::steady_clock::now();
    auto r = http_.put(blob_path(u.hash) + "?offset=" + std::to_string(u.sent), chunk);
    if (r) {
      pace(chunk.size(), std::chrono::steady_clock::now() - t0);
      auto j = parse_json(*r);
      int64_t received = j ? int_field(*j, "received") : -1;
      if (received < 0) return Error{Code::invalid, "photo upload answer without `received`"};
      store_.confirmed(u.hash, j && bool_field(*j, "complete") ? u.bytes : received);
      ++report_.chunks_up;
      report_.bytes_up += static_cast<int64_t>(chunk.size());
      return true;
    }
    Code c = r.error().code;
    if (c == Code::conflict) {
      // The server holds another count than this tablet thought (an answer
      // lost on the way back, or the same picture sent by another device):
      // it says where to go on from.
      auto has = server_has(u.hash);
      if (!has) return has.error();
      if (*has == u.sent) {  // refused for another reason at the same count: not again in this sync
        later_.insert(u.hash);
        continue;
      }
      store_.confirmed(u.hash, *has);
      return true;
    }
    if (c == Code::invalid && !restarted_.count(u.hash)) {
      // The server threw the whole away (its bytes did not hash to the
      // name): once more from the start, then left for the next sync.
      restarted_.insert(u.hash);
      store_.confirmed(u.hash, 0);
      return true;
    }
    if (refused(c)) {
      later_.insert(u.hash);
      continue;
    }
    return r.error();
  }
  return false;
}

void PhotoSync::sweep() { store_.sweep(tuning::kPhotoCacheBytes); }

// As push batches grow (tuning::kPushGrowMs): a full chunk answered fast
// doubles the next, a slow one halves it, within the first size and the
// server's limit. A short last chunk says nothing of the link.
void PhotoSync::pace(size_t sent, std::chrono::steady_clock::duration took) {
  if (static_cast<int64_t>(sent) < chunk_bytes_) return;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
  if (ms < gw::tuning::kPushGrowMs) chunk_bytes_ = std::min(chunk_bytes_ * 2, gw::tuning::kBlobChunkMaxBytes);
  if (ms > gw::tuning::kPushShrinkMs) chunk_bytes_ = std::max(chunk_bytes_ / 2, gw::tuning::kBlobChunkBytes);
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
