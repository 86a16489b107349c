// A patch: one row, the columns written together, one HLC (DESIGN §4).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "shared/error.hpp"
#include "shared/hlc.hpp"
#include "shared/json.hpp"
#include "shared/schema.hpp"
#include "shared/value.hpp"

namespace gw::sync {

struct Patch {
  std::string id;                      // UUID of the patch itself
  const TableSpec* table = nullptr;
  std::string row;                     // the row's id
  HlcTime hlc = 0;
  std::string origin;                  // device id of the writer
  uint32_t cycle = 0;                  // workflow cycle of a state column write
  Fields set;                          // the columns written
  std::vector<std::pair<uint16_t, HlcTime>> base;  // per column: the HLC the writer saw

  // Set on pulled patches.
  std::string bucket;
  int64_t seq = 0;

  HlcTime base_of(uint16_t col) const;
  const Value* value_of(uint16_t col) const;
};

enum class PatchFrom { push, pull };

// Decodes and validates one patch: a malformed patch is an Error naming what
// is wrong, and never touches anything else in its batch. A pushed patch
// needs its own id; a pulled one carries bucket and seq instead.
Result<Patch> decode_patch(const Json& j, PatchFrom from = PatchFrom::push);

// Appends the patch as JSON. Pulled patches also carry bucket and seq.
void encode_patch(const Patch& p, std::string& out);
std::string encode_patch(const Patch& p);

// Largest origin (device id) accepted, in bytes.
inline constexpr size_t kMaxOriginBytes = 64;

}  // namespace gw::sync
