// The photo endpoints of the service (issue 22, DESIGN §14): a photo's
// state, its bytes in chunks or several whole in a batch, and its fetch;
// and the echo a photo upload is measured against. They run on a reader,
// never on the writer's queue: photo bytes are written beside the merge (in
// files, or in rows of their own under a row lock on PostgreSQL), so a slow
// 2 MB upload holds no push up.
#include <set>

#include "server/reader_lease.hpp"
#include "server/request_parse.hpp"
#include "shared/json.hpp"
#include "sync/core/blob_batch.hpp"

namespace gw::server {

namespace {

// A store's storage fault answers as the database's does (507: the device
// keeps the photo and tries again); anything else is a verdict.
Reply blob_error(const Error& e) {
  return e.code == Code::io ? storage_fault(e.message) : error_reply(e.code, e.message);
}

std::string blob_json(const BlobState& held) {
  return "\"received\":" + std::to_string(held.received) + ",\"complete\":" + (held.complete ? "true" : "false");
}

}  // namespace

// The link's ceiling: a body read and its size answered, nothing stored. What
// a photo upload is measured against (bench-photos), and what a tablet's
// link check can time; a session is asked, as for every upload.
void SyncService::echo(Request& req, Responder& respond) {
  ReaderLease r(*this);
  auto s = session(req, *r);
  if (!s) return respond(error_reply(s.error().code, s.error().message));
  respond(Reply{200, "application/json", "{\"received\":" + std::to_string(req.body.size()) + "}"});
}

void SyncService::blob(Request& req, Responder& respond, Result<BlobPath> path) {
  const bool put = req.method == "PUT";
  if ((!put && req.method != "GET") || (put && path && path->status))
    return respond(error_reply(Code::not_found, "no endpoint " + req.method + " " + req.path));
  ReaderLease r(*this);
  auto s = session(req, *r);
  if (!s) return respond(error_reply(s.error().code, s.error().message));
  if (!path) return respond(error_reply(path.error().code, path.error().message));
  if (put && static_cast<int64_t>(req.body.size()) > tuning::kBlobChunkMaxBytes) {
    ++metrics_.blob_chunks_refused;
    return respond(error_reply(Code::too_large, "a chunk of " + std::to_string(req.body.size()) + " bytes: at most " +
                                                    std::to_string(tuning::kBlobChunkMaxBytes) + " go in one request"));
  }
  auto size = [&]() -> Result<int64_t> {
    ReadSnapshot snapshot(*r->db);
    auto access = photo_access(*r, *s);
    if (!access) return access.error();
    return blob_size(*r, *access, path->hash);
  }();
  if (!size) {
    if (put) ++metrics_.blob_chunks_refused;
    return respond(error_reply(size.error().code, size.error().message));
  }
  if (path->status) return blob_status(*r, path->hash, *size, respond);
  if (put) return blob_put(req, *r, path->hash, *size, respond);
  blob_get(*r, path->hash, *size, respond);
}

// Who may touch a photo's bytes is who may read a row that names it: the
// pull's own rule (Directory::readable_buckets), so a photo is fetched by
// exactly those who hold its record. Rows taken off their record (deleted)
// still name it: the chain keeps them as evidence, and so their bytes.
Result<SyncService::PhotoAccess> SyncService::photo_access(Reader& r, const Session& s) {
  auto& directory = r.engine->directory();
  auto user = directory.user(s.user_id);
  if (!user) return Error{Code::unauthorized, "unknown user"};
  if (user->disabled) return Error{Code::forbidden, "this account is disabled"};
  auto list = directory.readable_buckets(*user);
  return PhotoAccess{std::set<std::string>(list.begin(), list.end())};
}

// The photo's size as the rows naming it say, when one is in a grid the
// user reads.
Result<int64_t> SyncService::blob_size(Reader& r, const PhotoAccess& access, const std::string& hash) {
  auto named = r.db->prepare(
      "SELECT grid_id, bytes FROM attachments WHERE hash = ? "
      "UNION ALL SELECT grid_id, thumb_bytes FROM attachments WHERE thumb_hash = ?");
  named.bind(1, hash).bind(2, hash);
  bool any = false;
  while (named.step()) {
    any = true;
    if (access.readable.count("grid:" + std::string(named.text(0)))) return named.int64(1);
  }
  if (!any) return Error{Code::not_found, "no record names this photo: its record is sent first"};
  return Error{Code::forbidden, "this photo belongs to a record of a grid you cannot read"};
}

// Several whole photos in one request (sync/core/blob_batch.hpp): each
// part judged as a chunk of its own would be (who may send it, the size its
// rows give), then the accepted ones stored together; one answer a part.
void SyncService::blob_batch(Request& req, Responder& respond) {
  ReaderLease r(*this);
  auto s = session(req, *r);
  if (!s) return respond(error_reply(s.error().code, s.error().message));
  auto parts = sync::decode_blob_batch(req.body);
  if (!parts) {
    ++metrics_.blob_chunks_refused;
    return respond(error_reply(parts.error().code, parts.error().message));
  }
  std::vector<sync::BlobPartAnswer> answers(parts->size());
  std::vector<BlobStore::Whole> accepted;
  std::vector<size_t> where;  // index in parts of each accepted
  {
    ReadSnapshot snapshot(*r->db);
    auto access = photo_access(*r, *s);
    if (!access) return respond(error_reply(access.error().code, access.error().message));
    for (size_t i = 0; i < parts->size(); ++i) {
      const auto& p = (*parts)[i];
      answers[i].hash = p.hash;
      auto size = blob_size(*r, *access, p.hash);
      if (size && *size != static_cast<int64_t>(p.bytes.size()))
        size = Error{Code::invalid, "sent " + std::to_string(p.bytes.size()) + " bytes whole, the record names " +
                                        std::to_string(*size)};
      if (!size) {
        answers[i].code = size.error().code;
        answers[i].message = size.error().message;
        continue;
      }
      accepted.push_back({p.hash, p.bytes});
      where.push_back(i);
    }
  }
  auto stored = blobs_->put_whole(*r->db, accepted);
  for (size_t k = 0; k < stored.size(); ++k) {
    auto& a = answers[where[k]];
    if (stored[k]) {
      a.received = stored[k]->received;
      a.complete = stored[k]->complete;
      metrics_.blob_bytes_received += static_cast<int64_t>(accepted[k].bytes.size());
    } else {
      a.code = stored[k].error().code;
      a.message = stored[k].error().message;
    }
  }
  for (const auto& a : answers) metrics_.blob_chunks_refused += a.code != Code::ok;
  respond(Reply{200, "application/json", sync::encode_blob_answers(answers)});
}

void SyncService::blob_status(Reader& r, const std::string& hash, int64_t size, Responder& respond) {
  BlobState held = blobs_->state(*r.db, hash);
  std::string body = "{\"hash\":";
  append_json_string(body, hash);
  body += ",\"size\":" + std::to_string(size) + "," + blob_json(held) + "}";
  respond(Reply{200, "application/json", std::move(body)});
}

void SyncService::blob_put(Request& req, Reader& r, const std::string& hash, int64_t size, Responder& respond) {
  auto offset = parse_blob_offset(req.query);
  if (!offset) {
    ++metrics_.blob_chunks_refused;
    return respond(error_reply(offset.error().code, offset.error().message));
  }
  auto held = blobs_->append(*r.db, hash, *offset, req.body, size);
  if (!held) {
    ++metrics_.blob_chunks_refused;
    return respond(blob_error(held.error()));
  }
  metrics_.blob_bytes_received += std::max<int64_t>(0, held->received - *offset);
  respond(Reply{200, "application/json", "{" + blob_json(*held) + "}"});
}

void SyncService::blob_get(Reader& r, const std::string& hash, int64_t size, Responder& respond) {
  auto bytes = blobs_->read(*r.db, hash);
  if (!bytes) {
    BlobState held = blobs_->state(*r.db, hash);
    return respond(error_reply(Code::state, "照片上传中 / the photo is still being uploaded (" +
                                                std::to_string(held.received) + " of " + std::to_string(size) +
                                                " bytes)"));
  }
  respond(Reply{200, "application/octet-stream", std::move(*bytes)});
}

}  // namespace gw::server
