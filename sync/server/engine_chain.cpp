// The server's side of the devices' patch chains (DESIGN §8, sync/core/chain.hpp):
// each new link is checked and recorded before its patch is judged, and any
// record's links can be handed out as evidence.
#include "sync/core/chain.hpp"
#include "sync/server/server_engine.hpp"

namespace gw::sync {

namespace {

struct Head {
  int64_t n = 0;
  std::string hash;
};

// `s`: SELECT n, hash of the device's last link; left reset.
Head head_of(Stmt& s, const std::string& device) {
  s.bind(1, device);
  Head h = s.step() ? Head{s.int64(0), std::string(s.blob(1))} : Head{0, chain_genesis(device)};
  s.reset();
  return h;
}

// The seal that covers link n of a device (its hash among the seal's).
Json seal_of(Stmt& seals, const std::string& device, int64_t n, std::string_view hash) {
  seals.bind(1, device).bind(2, n).bind(3, n);
  Json found;
  while (found.is_null() && seals.step()) {
    std::string_view hashes = seals.blob(0);
    for (size_t at = 0; at + kChainHashBytes <= hashes.size(); at += kChainHashBytes) {
      if (hashes.substr(at, kChainHashBytes) != hash) continue;
      found = Json::object();
      found.set("hashes", to_base64(hashes));
      found.set("sig", to_base64(seals.blob(1)));
      break;
    }
  }
  seals.reset();
  return found;
}

std::string text_field(const Json& j, const char* key) {
  const Json* v = j.find(key);
  return v && v->is_string() ? v->as_string() : std::string();
}

}  // namespace

int64_t ServerEngine::epoch() {
  auto& q = pull_q_.epoch;
  int64_t epoch = q.step() ? q.int64(0) : 0;
  q.reset();
  return epoch;
}

std::optional<Restart> ServerEngine::restart_for(int64_t device_epoch, const std::string& device) {
  int64_t now = epoch();
  if (!device_epoch || device_epoch == now) return std::nullopt;
  return Restart{now, head_of(chain_head_q_, device).n};
}

// Per link, the common case costs one INSERT: the link read (and its hash
// computed) on the HTTP thread with its signature, the device's head and key
// read once a batch, and a place past the head needs no look-up, being free.
Result<ServerEngine::LinkOutcome> ServerEngine::check_link(const Json& patch, const std::string& device,
                                                          const SignedLinks* signed_links, size_t index) {
  bool prechecked = signed_links && index < signed_links->ok.size() && signed_links->ok[index];
  std::optional<ChainLink> read_here;
  if (!prechecked) {
    auto read = read_link(patch);
    if (!read) return read.error();
    if (!*read) return LinkOutcome::unchained;
    read_here = std::move(**read);
  }
  const ChainLink& link = prechecked ? signed_links->links[index] : *read_here;
  if (push_.chain_device != device || push_.head_n < 0) {
    Head h = head_of(chain_head_q_, device);
    push_.chain_device = device;
    push_.head_n = h.n;
    push_.head_hash = std::move(h.hash);
    push_.key.reset();
  }
  if (link.n <= push_.head_n) {
    Stmt& at = chain_at_q_;
    at.bind(1, device).bind(2, link.n);
    std::optional<bool> same = at.step() ? std::optional<bool>(at.blob(0) == link.hash) : std::nullopt;
    at.reset();
    if (same == true) return LinkOutcome::resent;
    if (same == false)
      return Error{Code::forbidden, "place " + std::to_string(link.n) +
                                        " of this device's chain already holds another patch (replayed or altered)"};
  }
  if (link.n != push_.head_n + 1 || link.prev != push_.head_hash) {
    if (link.n > push_.head_n + 1) ++push_.gaps;
    return Error{Code::forbidden, "this device's chain goes on at place " + std::to_string(push_.head_n + 1) +
                                      ", not " + std::to_string(link.n) + ": patches are missing or out of order"};
  }
  // The key that verified the link is kept with it: a device may later be
  // bound to a new key, and the evidence must still check.
  std::string key;
  if (keys_) {
    if (!push_.key) push_.key = keys_(device);
    const auto& k = *push_.key;
    bool checked = prechecked && k && signed_links->key == *k;
    if (!k || (!checked && !link_signed_by(link, *k)))
      return Error{Code::forbidden, "the patch is not signed by this device's key (altered on the way?)"};
    key = *k;
  }
  // Sealed: the seal is its signature. A `sig` of its own was not checked
  // (nor covered by the hash), so it is not kept as if it were evidence.
  static const std::string kNoSig;  // an empty blob (a null pointer would bind NULL)
  bool sealed = prechecked && !signed_links->seal.empty();
  const std::string& sig = sealed ? kNoSig : link.sig;
  // Bound now, written by keep_link once the patch is judged: the link's
  // text is kept here only when its `_log` row does not hold the same.
  push_.link_text = link.text.empty() ? patch.dump() : link.text;
  chain_add_q_.bind(1, device)
      .bind(2, link.n)
      .bind_blob(3, link.hash.data(), link.hash.size())
      .bind_blob(4, link.prev.data(), link.prev.size())
      .bind_blob(5, sig.data(), sig.size())
      .bind(6, text_field(patch, "id"))
      .bind(8, clock_.wall_ms())
      .bind_blob(9, key.data(), key.size());
  if (sealed && !push_.seal_kept) keep_seal(device, *signed_links);
  push_.head_n = link.n;
  push_.head_hash = link.hash;
  return LinkOutcome::fresh;
}

// The link check_link passed, written: its text in `body`, or '' when the
// patch's `_log` row holds the same text (a sealed link, not restamped:
// most), which the evidence reads instead. A patch's text is then stored once.
void ServerEngine::keep_link(bool text_in_log) {
  static const std::string kInLog;  // '' (a null pointer would bind NULL)
  chain_add_q_.bind(7, text_in_log ? kInLog : push_.link_text).run();
}

// The seal and the hashes it covers, kept once a push: what shows each of
// its links was signed by its device (sync::verify_evidence).
void ServerEngine::keep_seal(const std::string& device, const SignedLinks& sealed) {
  int64_t first = sealed.links.front().n, last = first;
  for (const auto& l : sealed.links) {
    first = std::min(first, l.n);
    last = std::max(last, l.n);
  }
  seal_add_q_.bind(1, device)
      .bind(2, first)
      .bind(3, last)
      .bind_blob(4, sealed.hashes.data(), sealed.hashes.size())
      .bind_blob(5, sealed.seal.data(), sealed.seal.size())
      .run();
  push_.seal_kept = true;
}

Result<Json> ServerEngine::evidence(const Principal& who, std::string_view table, std::string_view row_id) {
  auto u = directory_.user(who.user_id);
  if (!u) return Error{Code::unauthorized, "unknown user"};
  if (!u->office() || u->disabled) return Error{Code::forbidden, "evidence is for the service centre"};
  return evidence(table, row_id);
}

Result<Json> ServerEngine::evidence(std::string_view table, std::string_view row_id) {
  if (!find_table(table)) return Error{Code::invalid, "no table " + std::string(table)};
  auto s = db_.prepare(
      "SELECT c.device, c.n, c.hash, c.prev, c.sig, CASE c.body WHEN '' THEN l.body ELSE c.body END, c.at, "
      "l.author, l.status, c.key FROM _log l "
      "JOIN _chain c ON c.patch_id = l.patch_id AND c.device = l.origin WHERE l.tbl = ? AND l.row_id = ? ORDER BY l.n");
  s.bind(1, table).bind(2, row_id);
  auto seals = db_.prepare("SELECT hashes, sig FROM _seals WHERE device = ? AND first_n <= ? AND last_n >= ?");
  Json::Array links;
  while (s.step()) {
    std::string device(s.text(0));
    Json link = Json::object();
    link.set("device", device);
    link.set("public_key", s.blob(9).empty() ? Json() : Json(to_base64(s.blob(9))));
    link.set("n", s.int64(1));
    link.set("hash", to_base64(s.blob(2)));
    link.set("prev", to_base64(s.blob(3)));
    link.set("sig", to_base64(s.blob(4)));
    if (s.blob(4).empty()) link.set("seal", seal_of(seals, device, s.int64(1), s.blob(2)));
    link.set("patch", std::string(s.text(5)));
    link.set("received_at", s.int64(6));
    auto author = directory_.user(std::string(s.text(7)));
    link.set("author", author ? author->username : std::string(s.text(7)));
    link.set("status", std::string(s.text(8)));
    links.push_back(std::move(link));
  }
  Json out = Json::object();
  out.set("table", std::string(table));
  out.set("row", std::string(row_id));
  out.set("links", Json(std::move(links)));
  return out;
}

}  // namespace gw::sync
