// UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then randomness. Keys in
// time order keep SQLite's B-tree appends local: 10x faster inserts than
// random UUIDv4 keys on this machine (FACTS.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shared/rng.hpp"

namespace gw {

class UuidV7 {
 public:
  // seed = 0 takes one from the OS; a fixed seed gives a repeatable sequence
  // (the simulation and the demo park need that).
  explicit UuidV7(uint64_t seed = 0);

  // Ids from one generator sort in creation order, also within a millisecond
  // and when the wall clock steps back (RFC 9562 §6.2, method 1).
  std::string next(int64_t unix_ms);

 private:
  SeededRng rng_;
  int64_t last_ms_ = 0;
  uint16_t counter_ = 0;  // the 12-bit rand_a field, used as a counter
};

// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", lower-case hex.
bool is_uuid_text(std::string_view s);

// The millisecond timestamp of a UUIDv7, or -1.
int64_t uuid_v7_ms(std::string_view s);

}  // namespace gw
