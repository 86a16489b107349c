#include "sync/sim/cli.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "sync/sim/simulation.hpp"

namespace gw::sync::sim {

namespace {
void usage(FILE* to) {
  fprintf(to,
          "usage: gridwork-sim [--seed S] [--seeds N] [--replicas R] [--steps K] [--jobs J]\n"
          "                    [--no-faults] [--no-rogue] [--mutant NAME] [--verbose]\n\n"
          "Runs N deterministic simulations, seeds S..S+N-1, of one sync server and R devices\n"
          "making K random steps with faults, then heals and checks every invariant: devices\n"
          "equal the server, the log holds every patch once, conflicts opened exactly where\n"
          "writes were concurrent, the merge commutes, and every verdict follows the write\n"
          "rules (roles, columns, grids and their fencing, workflow steps) re-derived from\n"
          "the log. A failing seed prints the seed, what broke and the last events.\n\n"
          "  --jobs J       J seeds at a time on J threads (default 1); the output is the same\n"
          "  --no-rogue     no foreign clients trying steps and rights that are not theirs\n"
          "                 (the histories of seeds found before they existed)\n"
          "  --mutant NAME  run a deliberately broken server; every seed should then fail:\n"
          "                 merge-order (arrival order wins), grid-none (anyone writes any\n"
          "                 grid), grid-ended (fencing off), case-moves (workflow unchecked)\n"
          "  --broken-merge the same as --mutant merge-order\n\n"
          "Exit status: 0 all passed, 1 a seed failed, 2 bad usage.\n");
}
}  // namespace

int run_cli(int argc, char** argv) {
  SimOptions base;
  uint64_t seeds = 1;
  unsigned jobs = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto num = [&](uint64_t& out) {
      if (i + 1 >= argc) return false;
      char* end = nullptr;
      out = std::strtoull(argv[++i], &end, 10);
      return end && *end == '\0';
    };
    uint64_t v = 0;
    if (a == "--help" || a == "-h") { usage(stdout); return 0; }
    else if (a == "--seed" && num(v)) base.seed = v;
    else if (a == "--seeds" && num(v) && v > 0) seeds = v;
    else if (a == "--replicas" && num(v) && v > 0 && v <= 64) base.replicas = static_cast<int>(v);
    else if (a == "--steps" && num(v)) base.steps = static_cast<int>(v);
    else if (a == "--no-faults") base.faults = false;
    else if (a == "--jobs" && num(v) && v > 0 && v <= 64) jobs = static_cast<unsigned>(v);
    else if (a == "--no-rogue") base.rogue = false;
    else if (a == "--broken-merge") base.mutant = testing::Mutant::merge_order;
    else if (a == "--mutant" && i + 1 < argc && testing::mutant_named(argv[i + 1])) base.mutant = *testing::mutant_named(argv[++i]);
    else if (a == "--verbose") base.verbose = true;
    else {
      fprintf(stderr, "gridwork-sim: bad argument '%s'\n", a.c_str());
      usage(stderr);
      return 2;
    }
  }
  auto start = std::chrono::steady_clock::now();
  uint64_t failed = 0;
  SimStats total;
  // Seeds run on `jobs` threads; results are reported in seed order, so the
  // output does not depend on the number of threads.
  std::vector<SimResult> results(seeds);
  std::atomic<uint64_t> next{0};
  auto work = [&] {
    for (uint64_t k; (k = next++) < seeds;) {
      SimOptions o = base;
      o.seed = base.seed + k;
      results[k] = run_simulation(o);
      if (results[k].ok) results[k].trace.clear();  // a sweep of 20,000 keeps only what it reports
    }
  };
  std::vector<std::thread> pool;
  for (unsigned j = 1; j < jobs; ++j) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  for (uint64_t k = 0; k < seeds; ++k) {
    SimOptions o = base;
    o.seed = base.seed + k;
    const SimResult& r = results[k];
    total.edits += r.stats.edits;
    total.syncs += r.stats.syncs;
    total.accepted += r.stats.accepted;
    total.rejected += r.stats.rejected;
    total.quarantined += r.stats.quarantined;
    total.conflicts += r.stats.conflicts;
    total.decided += r.stats.decided;
    total.takeovers += r.stats.takeovers;
    total.overtaken += r.stats.overtaken;
    if (r.ok) continue;
    ++failed;
    if (failed <= 3) {
      printf("FAIL seed %llu\n", static_cast<unsigned long long>(o.seed));
      for (const auto& f : r.failures) printf("  %s\n", f.c_str());
      printf("  last events:\n");
      for (const auto& t : r.trace) printf("    %s\n", t.c_str());
      printf("  rerun: gridwork-sim --seed %llu --replicas %d --steps %d%s%s%s%s --verbose\n",
             static_cast<unsigned long long>(o.seed), o.replicas, o.steps, o.faults ? "" : " --no-faults",
             o.rogue ? "" : " --no-rogue", o.mutant == testing::Mutant::none ? "" : " --mutant ",
             o.mutant == testing::Mutant::none ? "" : std::string(testing::mutant_name(o.mutant)).c_str());
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  printf("gridwork-sim: %llu seeds, %llu failed; %lld edits, %lld syncs, %lld patches accepted, %lld rejected, "
         "%lld quarantined, %lld conflicts (%lld decided), %lld takeover actions, %lld push batches overtaken; "
         "%.1f s\n",
         static_cast<unsigned long long>(seeds), static_cast<unsigned long long>(failed),
         static_cast<long long>(total.edits), static_cast<long long>(total.syncs), static_cast<long long>(total.accepted),
         static_cast<long long>(total.rejected), static_cast<long long>(total.quarantined),
         static_cast<long long>(total.conflicts), static_cast<long long>(total.decided),
         static_cast<long long>(total.takeovers), static_cast<long long>(total.overtaken), secs);
  return failed ? 1 : 0;
}

}  // namespace gw::sync::sim
