// The park's rules behind one seam (DESIGN §11): for a table that has them,
// a check the engine asks before a patch merges and the effects it runs once
// the patch merged, in the same transaction. The merge core
// (ServerEngine::push, ServerEngine::merge) names no table; a new record type
// with rules of its own adds a ParkRule here, not an edit of push().
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "shared/error.hpp"
#include "sync/core/patch.hpp"
#include "sync/core/row_store.hpp"
#include "sync/server/directory.hpp"

namespace gw::sync {

class ServerEngine;

// What the server says of a patch before it merges: ok, Code::quarantined
// (kept for an admin's review), or the code and reason it is refused.
struct Verdict {
  Code code = Code::ok;
  std::string message;
};

class ParkRule {
 public:
  virtual ~ParkRule() = default;
  // `held`: the row as the server holds it before the patch (held.exists
  // false for a new row). Asked only of patches every general check passed.
  virtual Verdict check(const UserInfo&, const Patch&, const Row& /*held*/) { return {}; }
  // What an accepted patch sets off: rows the server writes of its own,
  // notices. `before` and `after`: the row either side of the merge.
  virtual void merged(const Patch&, const Row& /*before*/, const Row& /*after*/) {}
};

// The rules of each table, made for one engine (the effects write through it).
using ParkRules = std::map<std::string, std::vector<std::unique_ptr<ParkRule>>, std::less<>>;
ParkRules park_rules(ServerEngine& engine);

}  // namespace gw::sync
