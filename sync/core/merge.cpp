#include "sync/core/merge.hpp"

#include <tuple>

#include "shared/workflow.hpp"
#include "sync/core/mutants.hpp"

namespace gw::sync {

bool supersedes(Merge policy, const WriteStamp& in, const WriteStamp& cur) {
  if (testing::mutant(testing::Mutant::merge_order)) return true;
  if (policy == Merge::state)
    return std::tie(in.cycle, in.rank, in.hlc, in.origin) > std::tie(cur.cycle, cur.rank, cur.hlc, cur.origin);
  return std::tie(in.hlc, in.origin) > std::tie(cur.hlc, cur.origin);
}

int state_rank(const Value& v) {
  auto* s = std::get_if<std::string>(&v);
  return s ? case_status_rank(*s) : -1;
}

bool incompatible_states(const Value& a, const Value& b) {
  static const int kRejected = case_status_rank("rejected");
  static const int kReported = case_status_rank("reported");
  int ra = state_rank(a), rb = state_rank(b);
  if (ra == rb) return false;
  auto branch = [&](int r, int other) { return r == kRejected && other != kReported; };
  return branch(ra, rb) || branch(rb, ra);
}

}  // namespace gw::sync
