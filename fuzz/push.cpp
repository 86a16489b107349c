// A push body as the server reads it (sync/core/protocol.cpp, then each patch as
// ServerEngine::push decodes it: its chain link first), and a push answer as
// the tablet reads it.
#include "fuzz/fuzz.hpp"
#include "shared/json.hpp"
#include "sync/core/chain.hpp"
#include "sync/core/patch.hpp"
#include "sync/core/protocol.hpp"

using namespace gw;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto j = parse_json(fuzz::text(data, size));
  if (!j) return 0;
  (void)sync::check_protocol(*j);
  if (auto answer = sync::decode_push_answer(*j)) {
    auto again = parse_json(sync::encode(*answer));
    fuzz::require(again && sync::decode_push_answer(*again).is_ok(), "an encoded push answer decodes");
  }
  auto body = sync::decode_push_request(std::move(*j));
  if (!body) return 0;
  for (const auto& patch : body->patches) {
    if (auto link = sync::read_link(patch); link && *link)
      fuzz::require((*link)->hash.size() == sync::kChainHashBytes, "a read link has a whole hash");
    (void)sync::decode_patch(patch);
  }
  return 0;
}
