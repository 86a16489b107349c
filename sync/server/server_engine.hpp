// The server side of the sync engine (DESIGN §4, §6, §7): one writer merges
// pushed patches under the write checks, numbers every accepted change, keeps
// the append-only patch log and opens conflicts; pulls page through buckets
// by cursor. No HTTP here: gridwork-server and the simulation drive it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <utility>
#include <string>
#include <vector>

#include "shared/error.hpp"
#include "shared/hlc.hpp"
#include "shared/json.hpp"
#include "shared/sqlite.hpp"
#include "shared/uuid.hpp"
#include "sync/server/directory.hpp"
#include "sync/server/page_cache.hpp"
#include "sync/server/park_rules.hpp"
#include "sync/core/chain.hpp"
#include "sync/core/patch.hpp"
#include "sync/core/protocol.hpp"
#include "sync/core/row_store.hpp"

namespace gw::sync {

// Who is calling: resolved from a token by the HTTP layer.
struct Principal {
  std::string user_id;
  std::string device_id;
};

// The server's own id as a patch origin and as an author in the log.
inline constexpr std::string_view kServerOrigin = "server";

// A device's public key (32 raw bytes), or nullopt for a device the server
// does not know. Given, every pushed patch must be a signed link of its
// device's chain (DESIGN §8); not given (the simulation), links are checked
// for order but unchained patches pass.
using KeyLookup = std::function<std::optional<std::string>(const std::string& device_id)>;

enum class PushMode {
  merge,
  hold,  // from a revoked device: every new patch is kept for review, none merged
};

class ServerEngine {
 public:
  ServerEngine(Db& db, Hlc& clock, uint64_t id_seed = 0);

  void set_keys(KeyLookup keys) { keys_ = std::move(keys); }
  // Grid pages shared with the other engines reading the same database
  // (gridwork-server's readers); without one every page is built for its reader.
  void set_page_cache(std::shared_ptr<PageCache> pages) { pages_ = std::move(pages); }

  // `signed_links`: the links' signatures checked beforehand (check_signatures),
  // trusted where the key is the device's key now; the patches it decoded
  // are taken from it (moved out).
  Result<PushAnswer> push(const Principal& who, Json body, PushMode mode = PushMode::merge,
                          SignedLinks* signed_links = nullptr);
  Result<PullAnswer> pull(const Principal& who, const Json& body);
  Result<PullAnswer> pull(const Principal& who, const PullRequest& req);
  // Builds, into the page cache, the grid pages of the pull a device makes
  // after `answer` to `req` (next_pull_request), so they are ready when it
  // asks: a device catching up asks at once, and this page's transfer and
  // parse then hide the next one's build. A hint: nothing is answered, a
  // failure is forgotten, and without a cache (or `more`) it does nothing.
  void pull_ahead(const Principal& who, const PullRequest& req, const PullAnswer& answer) noexcept;
  // Every write the log holds for one record, oldest first, as JSON
  // (`GET /v1/history`): who, from which device, when, what, and whether it
  // was accepted. For the service centre.
  Result<std::string> history(const Principal& who, std::string_view table, std::string_view row_id);
  // The chain links of every patch that wrote one record, as recorded:
  // each patch's text as its device signed it, its place, the hash before
  // it, the signature, the device's public key, who pushed it and the
  // server's verdict — enough to check offline (verify_evidence).
  Result<Json> evidence(const Principal& who, std::string_view table, std::string_view row_id);
  Result<Json> evidence(std::string_view table, std::string_view row_id);  // the operator's, unchecked

  // Opens the write transaction every change goes in. Other processes (the
  // admin commands) may have written since: the sequence resumes after theirs.
  std::unique_ptr<Txn> begin_write();

  // A row written by the server itself (the demo park, services): merged and
  // logged like any patch, under origin "server". Call inside begin_write().
  void write_as_server(const TableSpec& t, const std::string& row, const Fields& set);

  // A takeover started or ended by an operator at the server (the admin
  // command, for when no supervisor's tablet is at hand), judged as one
  // pushed from a tablet is. `by`: the office user on whose word. Call
  // inside begin_write().
  Result<std::string> start_takeover_at_server(const std::string& unit_grid_id, const std::string& reason,
                                               const UserInfo& by);
  Status end_takeover_at_server(const std::string& takeover_id, const UserInfo& by);

  RowStore& store() { return store_; }
  Directory& directory() { return directory_; }
  Hlc& clock() { return clock_; }
  int64_t last_seq() const { return seq_; }
  int64_t epoch();  // the database's (epoch.hpp), as of the current transaction
  // Buckets changed since the last call: who to wake among long-polls.
  std::set<std::string> take_touched() { return std::exchange(touched_, {}); }

 private:
  // The park's rules call the services below (park_rules.cpp).
  friend class CaseWorkflowRule;
  friend class TakeoverRule;
  friend class AssignmentRule;
  friend class ConflictDecisionRule;

  // The checks every patch passes, whatever its table: roles, columns, own
  // rows, the grid right at the patch's time.
  Verdict check(const UserInfo& u, const Patch& p, const Row& row);
  const std::vector<std::unique_ptr<ParkRule>>& rules_of(const TableSpec& t) const;
  // The link of a pushed patch (engine_chain.cpp): a new link in its place
  // is recorded (keep_link, after its patch is judged); a resent one (same
  // place, same hash) passes on to the patch's first verdict; anything else
  // is refused here.
  enum class LinkOutcome { fresh, resent, unchained };
  void keep_link(bool text_in_log);
  void keep_seal(const std::string& device, const SignedLinks& sealed);
  Result<LinkOutcome> check_link(const Json& patch, const std::string& device_id, const SignedLinks* signed_links,
                                 size_t index);
  // What a device asking from `device_epoch` must do first, when that is not
  // the database's epoch (0: an app from before epochs, never restarted).
  std::optional<Restart> restart_for(int64_t device_epoch, const std::string& device);
  int merge(const Patch& p, Row& row);
  // `text`: the patch as its link was sent, or encode_patch(p) when already
  // made (never for a restamped patch).
  void log(const Patch& p, const std::string& batch, const std::string& author, HlcTime restamped_from,
           const Verdict& v, int64_t seq, const std::string* text = nullptr);
  // Conflicts (engine_conflicts.cpp).
  struct LoggedWrite {
    bool found = false;
    Value value;
    std::string author, origin;
  };
  // A field an admin decided, written at the end of the push.
  struct Decided {
    const TableSpec* table = nullptr;
    std::string row;
    uint16_t col = 0;
    Value value;
    HlcTime hlc = 0;
    std::string origin;
    HlcTime base = 0;
  };
  // A value lost to an admin's decision, for its author's notice.
  struct Lost {
    std::string user, event, table, row, column, was, now;
  };
  LoggedWrite logged_write(const TableSpec& t, const std::string& row, uint16_t col, HlcTime hlc);
  static std::string author_id(const std::string& author);
  void open_conflict(const Patch& p, const Row& row, uint16_t col, std::string_view kind, const Value& theirs);
  void quarantine(const Patch& p, const Row& row, const std::string& reason);
  Verdict check_decision(const UserInfo& u, const Patch& p, const Row& held);
  void conflict_decided(const Patch& p, const Row& before, const Row& after);
  void write_decisions();
  void send_decision_notices();
  // Services (engine_services.cpp): what accepted rows set off.
  Verdict check_new_takeover(const Patch& p);
  void start_takeover(const std::string& takeover_id, const Row& row);
  void end_takeover(const std::string& takeover_id, const Row& row);
  std::vector<std::string> takeover_audience(const std::string& grid, std::vector<std::string> cadres);
  void assignment_changed(const std::string& id, const Row& before, const Row& after);
  void route_case(const Row& before, const Row& after);
  void department_task(const std::string& department_id, const std::string& grid_id);
  // A new active assignment (ref: the takeover_id or task_ref column and its
  // value), and the end of one.
  void assign(const std::string& user, const std::string& grid, std::string_view kind,
              std::pair<const char*, std::string> ref, int64_t from);
  void end_assignment(const std::string& id, int64_t at);
  std::vector<std::string> department_cadres(const std::string& department_id);
  void bump_epoch(const std::string& grid_id, std::optional<std::string> mode);
  void notify(const std::string& user, std::string_view kind, std::string_view event, const std::string& words,
              std::pair<std::string_view, std::string> ref);
  std::string grid_name(const std::string& grid_id);
  std::string department_name(const std::string& department_id);
  // Pulls (engine_pull.cpp).
  void emit_row(const std::vector<uint16_t>& hidden, const TableSpec& t, std::string_view row_id, const Row& row,
                const std::string& bucket, int64_t since, std::vector<Patch>& out);
  void emit_row(const UserInfo& u, const TableSpec& t, std::string_view row_id, const Row& row,
                const std::string& bucket, int64_t since, std::vector<Patch>& out);
  int64_t page_bucket(const UserInfo& u, const std::string& bucket, int64_t& cursor, int64_t since, int64_t budget,
                      std::vector<Patch>& out, bool& more);
  std::shared_ptr<EncodedPage> build_page(const UserInfo& u, const PageKey& key);
  bool reads_alike(const UserInfo& u, const UserInfo& anyone, const EncodedPage& page);
  std::shared_ptr<const EncodedPage> shared_page(const UserInfo& u, const PageKey& key);
  int64_t bucket_head(const std::string& bucket);
  int64_t urgent_first(const UserInfo& u, const std::vector<std::string>& fresh, int64_t budget,
                       std::vector<Patch>& out);
  std::optional<PushAnswer> replayed(const std::string& batch, const std::string& user);
  int64_t next_seq() { return ++seq_; }

  Db& db_;
  RowStore store_;
  Directory directory_;
  Hlc& clock_;
  UuidV7 ids_;
  KeyLookup keys_;
  int64_t seq_ = 0;
  std::set<std::string> touched_;
  // The push being merged: conflicts name its author, decisions log under it.
  struct PushContext {
    std::string author = std::string(kServerOrigin), batch;
    // The pushing device's chain head and key, read at its first link and
    // kept for the rest of the batch (the one writer: nothing else moves them).
    std::string chain_device;
    int64_t head_n = -1;
    std::string head_hash;
    std::optional<std::optional<std::string>> key;
    bool seal_kept = false;  // the push's seal, once one of its links is kept
    size_t gaps = 0;         // links refused for lying past the chain's end
    std::string link_text;   // of the fresh link check_link bound last
  } push_;
  std::vector<Decided> decided_;
  std::vector<Lost> lost_;
  ParkRules rules_;  // by table: checks before the merge, effects after
  // Hot-path statements, prepared once after the tables exist (constructor).
  Stmt log_q_;
  Stmt change_del_q_;
  Stmt change_add_q_;
  struct PullQueries {
    Stmt changes;  // a bucket's changes after a cursor, in order
    Stmt head;     // a bucket's last change
    Stmt count;    // a bucket's changes in a range
    Stmt epoch;    // the database's epoch
  } pull_q_;
  std::shared_ptr<PageCache> pages_;
  // A pushed patch's chain link: the place taken?, the head, the new link.
  Stmt chain_at_q_;
  Stmt chain_head_q_;
  Stmt seal_add_q_;
  Stmt chain_add_q_;
};

}  // namespace gw::sync
