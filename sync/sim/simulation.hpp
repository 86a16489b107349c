// A deterministic simulation of one server and many devices of mixed roles
// (DESIGN §9): random edits to every table, partitions, lost, duplicated and
// stale messages, devices offline for long stretches, clocks an hour off
// either way, reassignments and takeovers starting and ending. After
// healing, the checker compares every device with the server column by
// column and audits the server's log. One seed, one history.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sync/core/mutants.hpp"

namespace gw::sync::sim {

struct SimOptions {
  uint64_t seed = 1;
  int replicas = 6;
  int steps = 300;
  bool faults = true;
  // Now and then a device runs a foreign or altered client: workflow steps
  // not its role's or from another status, rights it was never given. The
  // server must refuse each. Drawn from a stream of its own, so a history
  // found without them (a regression seed) replays the same with false.
  bool rogue = true;
  // A deliberate bug in the server (sync/core/mutants.hpp): the checker must catch it.
  testing::Mutant mutant = testing::Mutant::none;
  bool verbose = false;
};

struct SimStats {
  int64_t edits = 0, refused_locally = 0, syncs = 0, failed_syncs = 0;
  int64_t accepted = 0, rejected = 0, quarantined = 0, conflicts = 0;
  int64_t decided = 0;  // conflicts an admin decided and the server took
  int64_t takeovers = 0, reassignments = 0, heal_rounds = 0;
  int64_t overtaken = 0;  // push batches that reached the server ahead of the one before, sent again
};

struct SimResult {
  bool ok = true;
  std::vector<std::string> failures;  // what the checker found
  std::vector<std::string> trace;     // the last events before the end
  SimStats stats;
};

SimResult run_simulation(const SimOptions& options);

}  // namespace gw::sync::sim
