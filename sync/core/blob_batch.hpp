// Several whole photos in one request (issue 22, DESIGN §14): what a tablet
// on a good link sends when its pictures are small enough to go whole.
// A kept picture is ~50–400 KB and a thumbnail ~10–30 KB; one request each
// cost the tablet a round trip and the server a journal commit apiece, which
// made the queue a third of a plain PUT's speed (bench-photos). A batch
// carries up to tuning::kBlobBatchParts of them within one chunk's budget;
// the server checks each on its own and makes all durable together.
//
// The body, version first so a server of another version refuses it plainly:
//
//   gridwork-blobs 1\n
//   <hash> <size>\n<size bytes>      (once a part)
//
// The answer is JSON, one entry a part in the body's order:
//   {"parts":[{"hash":H,"received":N,"complete":true}, {"hash":H,"error":{"code":C,"message":M}}]}
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shared/error.hpp"

namespace gw::sync {

inline constexpr int kBlobBatchVersion = 1;

struct BlobPart {
  std::string hash;        // the photo's name (BLAKE2b-256, lowercase hex)
  std::string_view bytes;  // into the body it was read from
};

// A part's verdict: the bytes held and whether whole, or why not.
struct BlobPartAnswer {
  std::string hash;
  int64_t received = 0;
  bool complete = false;
  Code code = Code::ok;  // not ok: refused, `message` says why
  std::string message;
};

// The body for `parts` (whole photos), in their order.
std::string encode_blob_batch(const std::vector<BlobPart>& parts);

// The parts of a body, pointing into it; Code::invalid for a body of
// another version, a bad name or size, a name given twice or bytes cut
// short; Code::too_large for more than kBlobBatchParts parts or a part
// over tuning::kBlobChunkMaxBytes.
Result<std::vector<BlobPart>> decode_blob_batch(std::string_view body);

std::string encode_blob_answers(const std::vector<BlobPartAnswer>& answers);
// Code::invalid unless it is an answer naming exactly `sent`'s hashes, in order.
Result<std::vector<BlobPartAnswer>> decode_blob_answers(std::string_view body, const std::vector<BlobPart>& sent);

}  // namespace gw::sync
