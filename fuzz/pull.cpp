// A pull body as the server reads it, and a pull answer as the tablet reads
// it (sync/core/protocol.cpp); what decodes encodes to what decodes again.
#include "fuzz/fuzz.hpp"
#include "shared/json.hpp"
#include "sync/core/protocol.hpp"

using namespace gw;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto j = parse_json(fuzz::text(data, size));
  if (!j) return 0;
  if (auto req = sync::decode_pull_request(*j)) {
    auto again = parse_json(sync::encode(*req));
    fuzz::require(again.is_ok(), "an encoded pull request is JSON");
    auto req2 = sync::decode_pull_request(*again);
    fuzz::require(req2 && req2->cursors == req->cursors && req2->since == req->since && req2->limit == req->limit,
                  "a pull request survives encode and decode");
  }
  if (auto answer = sync::decode_pull_answer(*j)) {
    auto again = parse_json(sync::encode(*answer));
    fuzz::require(again && sync::decode_pull_answer(*again).is_ok(), "an encoded pull answer decodes");
  }
  return 0;
}
