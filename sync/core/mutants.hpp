// Deliberate bugs, each off unless a test turns it on: ways the server could
// go wrong that the simulation's checker must notice (tests/sync/sim_test.cpp,
// `gridwork-sim --mutant NAME`). A checker that passes a mutant proves less
// than it claims. Set per thread; each costs one thread-local load where it sits.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace gw::sync::testing {

enum class Mutant : uint8_t {
  none,
  merge_order,           // supersedes() lets the later arrival win: an order-dependent merge
  grid_none_writes,      // anyone may write any grid (ServerEngine::check)
  grid_ended_merges,     // fencing off: a write made after the right ended is merged
  case_moves_unchecked,  // a workflow step is taken whoever takes it, from wherever
};

void set_mutant(Mutant m);
bool mutant(Mutant m);
// "merge-order", "grid-none", "grid-ended", "case-moves"; nullopt for others.
std::optional<Mutant> mutant_named(std::string_view name);
std::string_view mutant_name(Mutant m);

}  // namespace gw::sync::testing
