#include "sync/core/mutants.hpp"

#include <cstdlib>
#include <utility>

namespace gw::sync::testing {

namespace {

constexpr std::pair<Mutant, std::string_view> kNames[] = {
    {Mutant::none, "none"},
    {Mutant::merge_order, "merge-order"},
    {Mutant::grid_none_writes, "grid-none"},
    {Mutant::grid_ended_merges, "grid-ended"},
    {Mutant::case_moves_unchecked, "case-moves"},
};

// Builds with assertions (the sanitizer build the tests run) take a thread's
// first mutant from GRIDWORK_MUTANT, so that a whole suite, the server
// processes it starts included, runs against one:
// `GRIDWORK_MUTANT=grid-none ctest -R server`. Release builds ignore it.
Mutant from_environment() {
#ifndef NDEBUG
  static const Mutant m = [] {
    const char* name = std::getenv("GRIDWORK_MUTANT");
    return name ? mutant_named(name).value_or(Mutant::none) : Mutant::none;
  }();
  return m;
#else
  return Mutant::none;
#endif
}

// Per thread: the simulation runs a server and its devices on one thread,
// and `gridwork-sim --jobs` runs several at once.
thread_local Mutant g_mutant = from_environment();

}  // namespace

void set_mutant(Mutant m) { g_mutant = m; }

bool mutant(Mutant m) { return g_mutant == m; }

std::optional<Mutant> mutant_named(std::string_view name) {
  for (auto [m, n] : kNames)
    if (n == name) return m;
  return std::nullopt;
}

std::string_view mutant_name(Mutant m) {
  for (auto [k, n] : kNames)
    if (k == m) return n;
  return "?";
}

}  // namespace gw::sync::testing
