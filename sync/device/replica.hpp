// A device's replica: its rows, an outbox of local patches not yet settled by
// the server, per-bucket cursors, and a shadow of the server's values under
// pending local edits. The server is the reference: once the server has
// settled a patch, the device takes the server's value (DESIGN §4).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/hlc.hpp"
#include "shared/tuning.hpp"
#include "shared/sqlite.hpp"
#include "shared/uuid.hpp"
#include "sync/core/chain.hpp"
#include "sync/core/device_key.hpp"
#include "sync/core/patch.hpp"
#include "sync/core/protocol.hpp"
#include "sync/core/row_store.hpp"

namespace gw::sync {

struct OutboxEntry {
  int64_t n = 0;  // queue order
  std::string id;
  std::string table;
  std::string row;
  std::string body;
  std::string batch;
  std::string state;  // pending | rejected | quarantined
  std::string code;
  std::string reason;
};

// A push batch as persisted: resent unchanged until the server answers, so a
// lost answer never applies anything twice.
struct OutgoingBatch {
  PushRequest request;
  std::vector<int64_t> entries;
};

class Replica {
 public:
  // With a sealer, the personal data the replica holds is kept sealed: the
  // values of pii columns (RowStore), their shadows, and every outbox body.
  Replica(Db& db, std::string device_id, Hlc& clock, uint64_t id_seed = 0, const Sealer* sealer = nullptr);

  const std::string& device_id() const { return device_id_; }
  // The key that signs the links of the device's patch chain (DESIGN §8);
  // without one the links are hashed but unsigned (servers with keys refuse them).
  void set_key(const DeviceKey* key) { key_ = key; }
  // Chains a patch made outside the outbox (tools, tests that push by hand):
  // it takes the device's next place, as an outbox patch would.
  Result<std::string> link(std::string_view patch_json);
  // The device's seal over a push's links (sync/core/chain.hpp): its one
  // signature for the batch, made by every *_batch and links_after here, so
  // a batch goes out as handed. Empty without a key.
  std::string seal(const std::vector<std::string>& patches, const std::vector<std::string>& known = {}) const;
  RowStore& store() { return store_; }
  Hlc& clock() { return clock_; }

  // A local edit: checked against the schema, then the row, its clocks and
  // the outbox patch are written in one transaction.
  Result<Patch> write(const TableSpec& t, std::string_view row, const Fields& set);
  // A new row with a fresh UUIDv7 id; returns the id.
  Result<std::string> create(const TableSpec& t, const Fields& set);

  // The batch to push next: an unanswered one first (the earliest in chain
  // order, as the server expects them), else up to max_patches pending
  // patches in priority order. `in_flight`: batches with the server, passed
  // over, so the ones that follow can be chained while the server works.
  // nullopt: nothing to push.
  // A new batch holds at most max_patches, and stops once its bodies reach
  // max_bytes (one patch at least); an unanswered one goes again whole.
  std::optional<OutgoingBatch> next_batch(size_t max_patches, const std::vector<std::string>& in_flight = {},
                                          size_t max_bytes = tuning::kPushBatchMaxBytes);
  // Takes the server's answer to a batch.
  void settle(const OutgoingBatch& batch, const PushAnswer& answer);
  // Quarantined patches, asked after again until an admin decides them:
  // the server answers a patch it has seen with its verdict of now, so an
  // accepted one leaves the outbox and a refused one becomes rejected.
  int64_t held_count();
  std::optional<OutgoingBatch> held_batch(size_t max_patches);
  // How many of the batch were decided: accepted, refused.
  std::pair<int64_t, int64_t> settle_held(const OutgoingBatch& batch, const PushAnswer& answer);

  Cursors cursors();
  PullRequest pull_request(int limit);  // cursors and since of every bucket held

  // The server database's epoch the cursors were read in (0: none yet); an
  // answer's epoch is taken when there is none (protocol.hpp, Restart).
  int64_t epoch();
  // The links of this device's chain after place `n`, oldest first, at most
  // `max`, as a batch of their own: what a restored server lacks. nullopt
  // when there are none; an error when the first kept is not n + 1 (kept
  // only tuning::kChainKeepMs).
  Result<std::optional<OutgoingBatch>> links_after(int64_t n, size_t max);
  // Starts over in the server's new epoch: every cursor and server seq back
  // to 0, rows, outbox and shadows kept; the next pull reads all again.
  void restart(int64_t epoch);
  // Applies an answer to the cursors it was asked from; false, and nothing
  // changed, for an answer to cursors that have moved since (PullRequest).
  bool apply_pull(const PullAnswer& answer);

  int64_t pending_count();
  std::vector<OutboxEntry> problems();  // rejected and quarantined, with reasons
  // Drops a refused patch the user has dealt with; false if there is none.
  // Pending patches are never dropped: they have not been answered yet.
  bool dismiss(const std::string& patch_id);
  bool has_pending(const TableSpec& t, std::string_view row);
  // Seals in one pass what a replica written before sealing holds in clear:
  // rows, shadows, outbox bodies. Returns how many records it sealed.
  int64_t seal_clear();

 private:
  uint64_t pending_columns(const TableSpec& t, std::string_view row);
  void shadow_keep(const TableSpec& t, std::string_view row, uint16_t col, const Value& v, const ColumnClock& c,
                   bool pulled);
  // The links' hashes, by index into the batch (empty: not chained here).
  std::vector<std::string> chain(OutgoingBatch& out, const std::vector<size_t>& unchained);
  void keep_link(int64_t n, const std::string& body);
  void forget_old_links();
  void adopt_epoch(int64_t epoch);
  ChainHead chain_head();
  void save_chain_head(const ChainHead& head);
  void settle_entry(const OutboxEntry& e, uint64_t cols, bool accepted);
  void evict(const std::string& bucket);
  void sweep();
  void fold(HlcTime server_hlc);
  void keep_clock();  // the clock's time into _meta, for the next start
  std::string cursor_basis();  // PullRequest::basis of the cursors as they are
  // Where outbox bodies and shadow values are stored and read: sealed with
  // a sealer, in clear without.
  void bind_body(Stmt& s, int i, const std::string& body);
  std::string body_at(const Stmt& s, int i) const;
  void bind_shadow(Stmt& s, int i, const TableSpec& t, uint16_t col, const Value& v);
  Value shadow_at(const Stmt& s, int i, const TableSpec& t, uint16_t col) const;

  Db& db_;
  const Sealer* sealer_;
  RowStore store_;
  std::string device_id_;
  Hlc& clock_;
  UuidV7 ids_;
  const DeviceKey* key_ = nullptr;
  bool sweep_needed_ = true;  // rows may sit in buckets the device does not hold
  // Hot-path statements, prepared once after the tables exist (constructor).
  Stmt pending_q_;      // kPendingColumnsSql
  Stmt shadow_keep_q_;  // _shadow upsert
  Stmt shadow_row_q_;   // a row's shadows
  Stmt shadow_drop_q_;
  Stmt outbox_add_q_;
  Stmt outbox_load_q_;
  Stmt outbox_del_q_;
  Stmt clock_keep_q_;
  Stmt link_keep_q_;  // _links: one a patch sent, prepared once
};

}  // namespace gw::sync
