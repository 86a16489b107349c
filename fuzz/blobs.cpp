// A photo batch as the server reads it (sync/core/blob_batch.cpp), the
// first parser a tablet's bytes meet on PUT /v1/blobs: what decodes
// encodes to the same parts, and an answer decodes only for what was sent.
#include "fuzz/fuzz.hpp"
#include "sync/core/blob_batch.hpp"

using namespace gw;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto body = fuzz::text(data, size);
  auto parts = sync::decode_blob_batch(body);
  if (parts) {
    auto again = sync::encode_blob_batch(*parts);
    fuzz::require(again == body, "a batch that decodes is its own encoding");
  }
  auto answers = sync::decode_blob_answers(body, parts ? *parts : std::vector<sync::BlobPart>{});
  if (answers && parts) fuzz::require(answers->size() == parts->size(), "an answer names each part sent");
  return 0;
}
