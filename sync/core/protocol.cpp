#include "sync/core/protocol.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include "shared/uuid.hpp"
#include "sync/core/device_key.hpp"

namespace gw::sync {

namespace {
Error bad(std::string m) { return Error{Code::invalid, std::move(m)}; }

void append_int(std::string& out, int64_t v) { out += std::to_string(v); }

void append_cursors(std::string& out, const Cursors& c) {
  out += '{';
  bool first = true;
  for (const auto& [bucket, seq] : c) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, bucket);
    out += ':';
    append_int(out, seq);
  }
  out += '}';
}

Result<Cursors> read_cursors(const Json* j) {
  Cursors out;
  if (!j) return out;
  if (!j->is_object()) return bad("'cursors' must be an object of bucket: seq");
  for (const auto& [bucket, seq] : j->as_object()) {
    if (bucket.empty() || bucket.size() > 80) return bad("bucket names are 1 to 80 bytes");
    if (!seq.is_int() || seq.as_int() < 0) return bad("cursor of '" + bucket + "' must be a non-negative integer");
    out[bucket] = seq.as_int();
  }
  return out;
}

// A pull's basis: up to 64 bytes of [0-9a-z], echoed as it came.
Result<std::string> read_basis(const Json& j) {
  const Json* b = j.find("basis");
  if (!b) return std::string();
  bool ok = b->is_string() && b->as_string().size() <= 64;
  for (char c : ok ? b->as_string() : std::string()) ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'));
  if (!ok) return bad("'basis' must be up to 64 characters of 0-9 and a-z");
  return b->as_string();
}

void append_basis(std::string& out, const std::string& basis) {
  if (basis.empty()) return;
  out += ",\"basis\":";
  append_json_string(out, basis);
}

HlcTime read_hlc(const Json& j) {
  const Json* h = j.find("server_hlc");
  return h && h->is_int() ? h->as_int() : 0;
}

// Epochs and chain places: absent is 0; present, a non-negative integer.
Result<int64_t> read_epoch(const Json& j, const char* key) {
  const Json* e = j.find(key);
  if (!e) return int64_t{0};
  if (!e->is_int() || e->as_int() < 0) return bad(std::string("'") + key + "' must be a non-negative integer");
  return e->as_int();
}

void append_epoch(std::string& out, const char* key, int64_t epoch) {
  if (epoch) out += ",\"" + std::string(key) + "\":" + std::to_string(epoch);
}

Result<std::optional<Restart>> read_restart(const Json& j) {
  const Json* r = j.find("restart");
  if (!r) return std::optional<Restart>();
  if (!r->is_object()) return bad("'restart' must be an object");
  auto epoch = read_epoch(*r, "epoch");
  auto chain_n = read_epoch(*r, "chain_n");
  if (!epoch || !chain_n || !*epoch) return bad("'restart' needs an epoch and a chain_n");
  return std::optional<Restart>(Restart{*epoch, *chain_n});
}

// An answer's epoch and restart.
Status read_epochs(const Json& j, int64_t& epoch, std::optional<Restart>& restart) {
  auto e = read_epoch(j, "epoch");
  if (!e) return e.error();
  auto r = read_restart(j);
  if (!r) return r.error();
  epoch = *e;
  restart = *r;
  return Status::ok();
}

void append_restart(std::string& out, const std::optional<Restart>& r) {
  if (!r) return;
  out += ",\"restart\":{\"epoch\":" + std::to_string(r->epoch) + ",\"chain_n\":" + std::to_string(r->chain_n) + "}";
}
}  // namespace

Status check_protocol(const Json& j) {
  const Json* v = j.find("protocol");
  if (!v) return Status::ok();
  if (!v->is_int() || v->as_int() < kOldestProtocolVersion || v->as_int() > kProtocolVersion)
    return Error{Code::version_mismatch, "this server speaks sync protocol " + std::to_string(kProtocolVersion) +
                                             "; update the app"};
  return Status::ok();
}

std::string encode(const PushRequest& r) {
  std::string out = "{\"protocol\":" + std::to_string(kProtocolVersion) + ",\"batch\":";
  append_json_string(out, r.batch);
  out += ",\"patches\":[";
  for (size_t i = 0; i < r.patches.size(); ++i) {
    if (i) out += ',';
    out += r.patches[i];
  }
  out += "]";
  append_epoch(out, "epoch", r.epoch);
  if (!r.seal.empty()) {
    out += ",\"seal\":";
    append_json_string(out, to_base64(r.seal));
  }
  out += "}";
  return out;
}

std::string encode(const PushAnswer& a) {
  std::string out = "{\"accepted\":[";
  for (size_t i = 0; i < a.accepted.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, a.accepted[i]);
  }
  out += "],\"rejected\":[";
  for (size_t i = 0; i < a.rejected.size(); ++i) {
    if (i) out += ',';
    out += "{\"id\":";
    append_json_string(out, a.rejected[i].id);
    out += ",\"code\":";
    append_json_string(out, code_name(a.rejected[i].code));
    out += ",\"message\":";
    append_json_string(out, a.rejected[i].message);
    out += '}';
  }
  out += "],\"conflicts\":" + std::to_string(a.conflicts) + ",\"server_hlc\":" + std::to_string(a.server_hlc);
  append_epoch(out, "epoch", a.epoch);
  append_restart(out, a.restart);
  if (a.gap) out += ",\"gap\":" + std::to_string(a.gap);
  out += "}";
  return out;
}

std::string encode(const PullRequest& r) {
  std::string out = "{\"protocol\":" + std::to_string(kProtocolVersion) + ",\"cursors\":";
  append_cursors(out, r.cursors);
  if (!r.since.empty()) {
    out += ",\"since\":";
    append_cursors(out, r.since);
  }
  if (r.limit) out += ",\"limit\":" + std::to_string(r.limit);
  append_basis(out, r.basis);
  append_epoch(out, "epoch", r.epoch);
  out += '}';
  return out;
}

size_t PullAnswer::patch_count() const {
  size_t n = patches.size();
  for (const auto& e : encoded) n += e.count;
  return n;
}

std::string encode(const PullAnswer& a) {
  std::string out = "{\"patches\":[";
  size_t written = 0;
  auto comma = [&] {
    if (written++) out += ',';
  };
  auto run = a.encoded.begin();
  for (size_t i = 0; i <= a.patches.size(); ++i) {
    for (; run != a.encoded.end() && run->at == i; ++run) {
      if (run->count == 0) continue;
      comma();
      out += run->json;
      written += run->count - 1;
    }
    if (i == a.patches.size()) break;
    comma();
    encode_patch(a.patches[i], out);
  }
  out += "],\"cursors\":";
  append_cursors(out, a.cursors);
  out += ",\"evict\":[";
  for (size_t i = 0; i < a.evict.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, a.evict[i]);
  }
  out += "],\"more\":";
  out += a.more ? "true" : "false";
  append_basis(out, a.basis);
  append_epoch(out, "epoch", a.epoch);
  append_restart(out, a.restart);
  out += ",\"server_hlc\":" + std::to_string(a.server_hlc) + "}";
  return out;
}

Result<PushBody> decode_push_request(Json j) {
  if (!j.is_object()) return bad("the body must be a JSON object");
  if (auto st = check_protocol(j); !st) return st.error();
  PushBody out;
  const Json* batch = j.find("batch");
  if (!batch || !batch->is_string() || !is_uuid_text(batch->as_string())) return bad("'batch' must be a UUID");
  out.batch = batch->as_string();
  Json* patches = j.find("patches");
  if (!patches || !patches->is_array()) return bad("'patches' must be an array");
  out.patches = std::move(patches->as_array());
  auto epoch = read_epoch(j, "epoch");
  if (!epoch) return epoch.error();
  out.epoch = *epoch;
  if (const Json* seal = j.find("seal")) {
    auto raw = seal->is_string() ? from_base64(seal->as_string()) : std::nullopt;
    if (!raw || raw->size() != kSignatureBytes) return bad("'seal' must be a base64 signature");
    out.seal = std::move(*raw);
  }
  return out;
}

Result<PushAnswer> decode_push_answer(const Json& j) {
  if (!j.is_object()) return bad("push answer must be an object");
  PushAnswer a;
  const Json* acc = j.find("accepted");
  const Json* rej = j.find("rejected");
  if (!acc || !acc->is_array() || !rej || !rej->is_array()) return bad("push answer lacks accepted/rejected");
  for (const auto& id : acc->as_array()) {
    if (!id.is_string()) return bad("accepted ids must be strings");
    a.accepted.push_back(id.as_string());
  }
  for (const auto& r : rej->as_array()) {
    const Json* id = r.find("id");
    const Json* code = r.find("code");
    const Json* msg = r.find("message");
    if (!id || !id->is_string() || !code || !code->is_string()) return bad("a rejection needs id and code");
    a.rejected.push_back({id->as_string(), code_from_name(code->as_string()),
                          msg && msg->is_string() ? msg->as_string() : std::string()});
  }
  if (const Json* c = j.find("conflicts"); c && c->is_int()) a.conflicts = static_cast<int>(c->as_int());
  a.server_hlc = read_hlc(j);
  if (auto st = read_epochs(j, a.epoch, a.restart); !st) return st.error();
  if (const Json* g = j.find("gap")) {
    if (!g->is_int() || g->as_int() < 1) return bad("'gap' must be a chain place");
    a.gap = g->as_int();
  }
  return a;
}

Result<PullRequest> decode_pull_request(const Json& j) {
  if (!j.is_object()) return bad("the body must be a JSON object");
  if (auto st = check_protocol(j); !st) return st.error();
  PullRequest r;
  auto cursors = read_cursors(j.find("cursors"));
  if (!cursors) return cursors.error();
  if (cursors->size() > 10000) return bad("too many cursors");
  r.cursors = std::move(*cursors);
  auto since = read_cursors(j.find("since"));
  if (!since) return since.error();
  r.since = std::move(*since);
  if (const Json* limit = j.find("limit")) {
    if (!limit->is_int() || limit->as_int() < 1 || limit->as_int() > 100000)
      return bad("'limit' must be an integer from 1 to 100000");
    r.limit = static_cast<int>(limit->as_int());
  }
  auto basis = read_basis(j);
  if (!basis) return basis.error();
  r.basis = std::move(*basis);
  auto epoch = read_epoch(j, "epoch");
  if (!epoch) return epoch.error();
  r.epoch = *epoch;
  return r;
}

Result<PullAnswer> decode_pull_answer(const Json& j) {
  if (!j.is_object()) return bad("pull answer must be an object");
  PullAnswer a;
  const Json* patches = j.find("patches");
  if (!patches || !patches->is_array()) return bad("pull answer lacks patches");
  a.patches.reserve(patches->as_array().size());
  for (const auto& p : patches->as_array()) {
    auto patch = decode_patch(p, PatchFrom::pull);
    if (!patch) return patch.error();
    a.patches.push_back(std::move(*patch));
  }
  auto cursors = read_cursors(j.find("cursors"));
  if (!cursors) return cursors.error();
  a.cursors = std::move(*cursors);
  if (const Json* ev = j.find("evict"); ev && ev->is_array())
    for (const auto& b : ev->as_array())
      if (b.is_string()) a.evict.push_back(b.as_string());
  const Json* more = j.find("more");
  a.more = more && more->is_bool() && more->as_bool();
  auto basis = read_basis(j);
  if (!basis) return basis.error();
  a.basis = std::move(*basis);
  a.server_hlc = read_hlc(j);
  if (auto st = read_epochs(j, a.epoch, a.restart); !st) return st.error();
  return a;
}

void CursorBasis::add(std::string_view bucket, int64_t seq, int64_t since) {
  mix(bucket);
  mix(std::to_string(seq));
  mix(std::to_string(since));
}

std::string CursorBasis::hex() const {
  char out[17];
  snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h_));
  return out;
}

void CursorBasis::mix(std::string_view bytes) {
  for (unsigned char c : bytes) h_ = (h_ ^ c) * 0x100000001b3ull;
  h_ = (h_ ^ 0xff) * 0x100000001b3ull;  // a separator no text byte equals
}

// apply_pull's changes to the cursors, on the request's copy of them. A
// std::map walks buckets in the order SQLite's BINARY collation sorts them.
PullRequest next_pull_request(const PullRequest& req, const PullAnswer& answer) {
  PullRequest next;
  next.limit = req.limit;
  next.epoch = answer.epoch ? answer.epoch : req.epoch;
  std::map<std::string, std::pair<int64_t, int64_t>> held;  // bucket -> seq, since
  for (const auto& [bucket, seq] : req.cursors) {
    auto since = req.since.find(bucket);
    held[bucket] = {seq, since == req.since.end() ? seq : since->second};
  }
  for (const auto& [bucket, seq] : answer.cursors) {
    auto [it, fresh] = held.try_emplace(bucket, seq, answer.more ? 0 : seq);
    if (fresh) continue;
    it->second.first = std::max(it->second.first, seq);
    if (!answer.more) it->second.second = std::max(it->second.second, seq);
  }
  for (const auto& bucket : answer.evict) held.erase(bucket);
  CursorBasis h;
  for (const auto& [bucket, at] : held) {
    next.cursors[bucket] = at.first;
    if (at.second < at.first) next.since[bucket] = at.second;
    h.add(bucket, at.first, at.second);
  }
  next.basis = h.hex();
  return next;
}

}  // namespace gw::sync
