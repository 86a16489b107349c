// Photos on the wire (issue 22, DESIGN §14), on the network thread, after
// the records: a record never waits behind a picture. Work comes in small
// steps — one request up (a chunk, or whole pictures in a batch) or one
// picture down — so the scheduler can stop between any two when a new
// record is waiting, and a link cut mid-request costs that request only: an
// upload resumes from the byte the server last confirmed
// (GET /v1/blobs/<hash>/status), as tus does.
//
// What goes first: a picture the user opened and is waiting for, then the
// tablet's own uploads (thumbnails before pictures, so a supervisor sees a
// case's photos at a glance early), then the thumbnails of the grids held,
// then the full pictures of urgent open cases, which a worker may need
// where there is no link.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <vector>
#include <optional>
#include <set>
#include <string>

#include "client/core/photo_store.hpp"
#include "net/http_transport.hpp"

namespace gw::client {

class PhotoSync {
 public:
  struct Report {
    int64_t chunks_up = 0, bytes_up = 0, pictures_down = 0, bytes_down = 0;
  };

  PhotoSync(Db& db, const sync::Sealer& sealer, net::HttpTransport& http, std::function<int64_t()> wall);
  ~PhotoSync();
  PhotoSync(const PhotoSync&) = delete;
  PhotoSync& operator=(const PhotoSync&) = delete;

  // One step: true when it moved something, false when nothing is left that
  // can move now; an Error when the link failed (try again at the next sync).
  Result<bool> step();
  // One picture now, for a user who opened it: ok when it is here after the
  // call; Code::state while its author's upload is still under way.
  Status fetch(const std::string& hash);

  const Report& report() const { return report_; }
  // Cached copies no record names, and the oldest past the cache's size.
  void sweep();
  // What the server confirmed, written down (also every kConfirmBatch).
  void save_confirmed();
  // The tablet's own pictures the server does not have whole yet.
  int64_t uploads_waiting();

 private:
  // A request going up: one picture's chunk, or several whole in a batch.
  struct Flight {
    std::vector<PendingUpload*> ups;
    size_t bytes = 0;  // the body's
    bool batch = false;
    bool full = false;  // a batch closed by the budget, not by the queue's end
    std::future<Result<std::string>> answer;
    std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
    std::chrono::steady_clock::duration took() const { return std::chrono::steady_clock::now() - t0; }
  };
  Result<bool> upload_step();
  Flight chunk(PendingUpload& u);
  Flight send(Flight f);
  Result<bool> settle_batch(Flight& f);
  Result<bool> download_step();
  Result<int64_t> server_has(const std::string& hash);  // bytes received, or its size when complete
  Status pull(const std::string& hash, bool thumb, const std::string& grid_id);
  // A request size that grows on a good link.
  struct Budget {
    int64_t bytes;  // the next request's
    int64_t first;  // where it starts, and the least it shrinks to
  };
  void pace(Budget& budget, bool full, std::chrono::steady_clock::duration took);
  Result<bool> settle(PendingUpload& u, size_t sent, const Result<std::string>& answer,
                      std::chrono::steady_clock::duration took);
  void confirm(PendingUpload& u, int64_t sent);
  const std::string* opened(const std::string& hash);  // nullptr: the key is gone

  // Confirmations written in one transaction: one fsync for this many.
  static constexpr int kConfirmBatch = 32;
  // Pictures going up at once (upload_step says why).
  static constexpr size_t kUploadWindow = 3;

  PhotoStore store_;
  net::HttpTransport& http_;
  std::function<int64_t()> wall_;
  Report report_;
  // Left for the next sync: a picture the server refused or does not know
  // yet (its record held back), or another's still uploading.
  std::set<std::string> later_;
  std::set<std::string> restarted_;  // sent again from byte 0 once after a refused whole
  Budget chunk_;                      // one picture's next chunk
  Budget batch_;                      // whole pictures in one request
  size_t window_ = 1;                 // requests going up at once: opens on a good link
  bool batches_ = true;               // the server takes whole pictures in batches
  std::optional<std::vector<PendingUpload>> queue_;  // this sync's uploads, read once
  std::map<std::string, int64_t> unsaved_;           // confirmed by the server, not yet written down
  std::map<std::string, std::string> opened_;        // the pictures going up, opened once
};

}  // namespace gw::client
