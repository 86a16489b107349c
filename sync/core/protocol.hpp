// The sync protocol's messages (DESIGN §4, §10) and their JSON form. Both
// ends use these, so a message has exactly one encoder and one decoder.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/error.hpp"
#include "shared/hlc.hpp"
#include "shared/json.hpp"
#include "sync/core/patch.hpp"

namespace gw::sync {

// Bumped on any incompatible change to these messages. A request naming
// another version gets Code::version_mismatch, not a guess.
// 2: pushed patches are signed links of their device's chain (n, prev, sig).
// 3: a push may carry one `seal` over all its links instead of a `sig` on
//    each (sync/core/chain.hpp). Servers take 2 and 3, so older tablets go
//    on; an older server refuses 3 with version_mismatch, never a link.
// 4: a tablet may send a push while the one before it is still out; a
//    batch that reaches the server ahead of it is answered `gap`, not
//    judged. Servers take 2-4; an older one refuses 4 with version_mismatch,
//    so it never judges a batch that overtook another.
inline constexpr int kProtocolVersion = 4;
inline constexpr int kOldestProtocolVersion = 2;

using Cursors = std::map<std::string, int64_t>;

// The database's epoch (sync/server/epoch.hpp) changes when it is restored
// from a backup or replaced by a promoted standby: its sequence numbers and
// device chains then go on from where the copy ended. A request names the
// epoch its device's cursors were read in (0: none yet, or an older app);
// when the server's is another, the answer is a Restart and nothing else:
// the device re-sends the links of its chain after `chain_n` (what the copy
// lacks) and reads everything again from nothing, never skipping a change.
// Optional both ways, so protocol 2 stands.
struct Restart {
  int64_t epoch = 0;    // the server's
  int64_t chain_n = 0;  // the last link of the asking device's chain the server holds
};

struct PushRequest {
  std::string batch;                // UUID; a replayed batch gets the first answer
  std::vector<std::string> patches; // encoded patches, as stored in the outbox
  int64_t epoch = 0;
  std::string seal;                 // raw signature over the links (seal_links); empty: none
};

struct Rejection {
  std::string id;  // the patch id ("#<index>" when the patch had no readable id)
  Code code = Code::invalid;
  std::string message;
};

struct PushAnswer {
  std::vector<std::string> accepted;
  std::vector<Rejection> rejected;  // Code::quarantined ones are kept for review
  int conflicts = 0;
  HlcTime server_hlc = 0;
  int64_t epoch = 0;
  std::optional<Restart> restart;  // given: nothing was merged, nothing refused
  // Nonzero: the batch's first link lies past the end of the device's chain
  // on the server, which goes on at place `gap`; every patch is refused as
  // out of order and the answer is not kept, so the same batch may be sent
  // again (protocol 4). A tablet that sent it behind another sends it again
  // once that one is answered; one sent alone takes the refusals.
  int64_t gap = 0;
};

// A bucket's cursor is the seq the device has read up to. A row moves to a
// new seq whenever it changes, so while a device pages through a bucket, a
// row not yet read can jump past the end of the page, taking along versions
// older than the cursor will be. `since` is each bucket's cursor from before
// the paging began: rows go out with every version newer than it, and it
// moves up only with a pull that answers more = false. (Found by gridwork-sim.)
//
// An answer continues the device's cursors from where the request left
// them, so it fits only the state it was asked from. `basis` names that
// state (a digest of every cursor and since, the device's to compute) and
// the answer echoes it: an answer that arrives late, after another pull or
// an eviction moved the cursors, would put a cursor past rows the device no
// longer holds, and is dropped instead. Optional both ways: an answer
// without one is applied as before. (Found by gridwork-sim, seed 64827.)
struct PullRequest {
  Cursors cursors;
  Cursors since;  // absent bucket: the same as its cursor
  int limit = 0;  // 0: the server's default
  std::string basis;
  int64_t epoch = 0;
};

// Patches already encoded, spliced into the answer as they are: a grid's
// page built once and shared by every reader who asks for it (PageCache).
struct EncodedPatches {
  size_t at = 0;                      // they go before patches[at]
  std::string_view json;              // `count` patches, comma-separated
  size_t count = 0;
  std::shared_ptr<const void> owner;  // keeps `json` alive
};

struct PullAnswer {
  std::vector<Patch> patches;
  std::vector<EncodedPatches> encoded;  // in order of `at`; only encode() reads them
  Cursors cursors;                 // every bucket the user may read now
  std::vector<std::string> evict;  // buckets the device holds but may no longer read
  bool more = false;
  HlcTime server_hlc = 0;
  std::string basis;  // the request's, as it came
  int64_t epoch = 0;
  std::optional<Restart> restart;  // given: no patches, no cursors

  size_t patch_count() const;
};

std::string encode(const PushRequest& r);
std::string encode(const PushAnswer& a);
std::string encode(const PullRequest& r);
std::string encode(const PullAnswer& a);

// What the server reads of a push: the batch id and the patches still as
// JSON, since each is decoded (and may be refused) on its own.
struct PushBody {
  std::string batch;
  Json::Array patches;
  int64_t epoch = 0;
  std::string seal;  // raw bytes; empty: the links carry their own signatures
};
Result<PushBody> decode_push_request(Json j);
Result<PushAnswer> decode_push_answer(const Json& j);
Result<PullRequest> decode_pull_request(const Json& j);
Result<PullAnswer> decode_pull_answer(const Json& j);

// PullRequest::basis: FNV-1a over every cursor and since in bucket order.
// Not a secret, only a name for this state that changes whenever any
// cursor does.
class CursorBasis {
 public:
  void add(std::string_view bucket, int64_t seq, int64_t since);
  std::string hex() const;

 private:
  void mix(std::string_view bytes);
  uint64_t h_ = 0xcbf29ce484222325ull;
};

// The request a device makes once `answer` (to `req`) is applied, worked
// out without its replica: the tablet asks for the next page while it
// applies this one (SyncClient::overlap), and the server builds that page
// while this one travels (ServerEngine::pull_ahead). A wrong guess costs an
// exchange, never a record: the server echoes the basis, and
// Replica::apply_pull() refuses an answer to cursors it no longer holds.
PullRequest next_pull_request(const PullRequest& req, const PullAnswer& answer);

// Checks an optional "protocol" field: kOldestProtocolVersion..kProtocolVersion.
Status check_protocol(const Json& j);

}  // namespace gw::sync
