// The merge rules of DESIGN §3/§4, as pure functions: which of two writes to
// one column a replica keeps. Each rule is a total order on writes, so any
// replica that received the same writes keeps the same value, whatever the
// order or duplication of arrival.
#pragma once

#include <cstdint>
#include <string_view>

#include "shared/hlc.hpp"
#include "shared/schema.hpp"
#include "shared/value.hpp"

namespace gw::sync {

struct WriteStamp {
  HlcTime hlc = 0;
  std::string_view origin;
  uint32_t cycle = 0;  // state columns only
  int rank = -1;       // state columns only: the status's place in the workflow
};

// lww, review, immutable: by (hlc, origin). state: by (cycle, rank, hlc,
// origin) — a case moves forward in its workflow, a concurrent move further
// along wins, and a rework starts a new cycle that outranks the old one.
bool supersedes(Merge policy, const WriteStamp& in, const WriteStamp& cur);

// Rank of a state value for the state order (-1 for null or unknown).
int state_rank(const Value& v);

// Two concurrent moves from one cycle that the precedence cannot settle: one
// branch rejected the case while the other took it on. An admin decides.
bool incompatible_states(const Value& a, const Value& b);

// Whether a patch wrote a column concurrently with the value a replica holds:
// the writer saw another version than the one held now.
inline bool is_concurrent(HlcTime base_seen, HlcTime held) { return base_seen != held; }

}  // namespace gw::sync
