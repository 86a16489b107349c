// Patch decoding (sync/core/patch.cpp), as pushed and as pulled: any text is
// refused with an Error or decoded; what decodes encodes to JSON that decodes
// again to the same encoding.
#include "fuzz/fuzz.hpp"
#include "shared/json.hpp"
#include "sync/core/patch.hpp"

using namespace gw;

namespace {

void round_trip(const sync::Patch& p, sync::PatchFrom from) {
  std::string once = sync::encode_patch(p);
  auto j = parse_json(once);
  fuzz::require(j.is_ok(), "an encoded patch is JSON");
  auto again = sync::decode_patch(*j, from);
  fuzz::require(again.is_ok(), "an encoded patch decodes");
  fuzz::require(sync::encode_patch(*again) == once, "decode(encode(p)) encodes as p");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto j = parse_json(fuzz::text(data, size));
  if (!j) return 0;
  for (auto from : {sync::PatchFrom::push, sync::PatchFrom::pull})
    if (auto p = sync::decode_patch(*j, from)) round_trip(*p, from);
  return 0;
}
