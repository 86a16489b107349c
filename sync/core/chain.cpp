#include "sync/core/chain.hpp"

#include <sodium.h>

#include <algorithm>
#include <thread>

namespace gw::sync {

namespace {

// Domain-separated: a link hash can never be mistaken for another hash the
// system makes of the same bytes.
constexpr std::string_view kLinkDomain = "gridwork-chain-v1";

std::string hash_of(std::string_view a, std::string_view b) {
  unsigned char out[kChainHashBytes];
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, sizeof out);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(kLinkDomain.data()), kLinkDomain.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(a.data()), a.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(b.data()), b.size());
  crypto_generichash_final(&st, out, sizeof out);
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

// The text the link hash covers: the patch as sent, less its signature.
std::string canonical(const Json& patch) {
  if (!patch.find("sig")) return patch.dump();  // a sealed link's: no copy to make
  Json::Object kept;
  for (const auto& [k, v] : patch.as_object())
    if (k != "sig") kept.emplace_back(k, v);
  return Json(std::move(kept)).dump();
}

}  // namespace

std::string chain_genesis(std::string_view device_id) { return hash_of("genesis:", device_id); }

Result<std::string> chain_patch(std::string_view patch_json, ChainHead& head, const DeviceKey* key) {
  auto j = parse_json(patch_json);
  if (!j || !j->is_object()) return Error{Code::invalid, "an outbox patch is not a JSON object"};
  if (j->find("n") || j->find("prev") || j->find("sig")) return Error{Code::invalid, "the patch is already chained"};
  j->set("n", head.n + 1);
  j->set("prev", to_base64(head.hash));
  std::string text = canonical(*j);
  std::string hash = hash_of("link:", text);
  head.n += 1;
  if (key) {
    j->set("sig", to_base64(key->sign(hash)));
    text = j->dump();
  }
  head.hash = std::move(hash);
  return text;  // without a key (a sealed batch's link) the canonical text is the link
}

Result<std::optional<ChainLink>> read_link(const Json& patch) {
  if (!patch.is_object()) return Error{Code::invalid, "a patch is a JSON object"};
  const Json* n = patch.find("n");
  const Json* prev = patch.find("prev");
  if (!n && !prev) return std::optional<ChainLink>{};
  if (!n || !n->is_int() || n->as_int() < 1 || !prev || !prev->is_string())
    return Error{Code::invalid, "a chained patch names its place (n ≥ 1) and the hash before it (prev)"};
  ChainLink link;
  link.n = n->as_int();
  auto p = from_base64(prev->as_string());
  if (!p || p->size() != kChainHashBytes) return Error{Code::invalid, "prev is not a chain hash"};
  link.prev = std::move(*p);
  if (const Json* sig = patch.find("sig")) {
    auto s = sig->is_string() ? from_base64(sig->as_string()) : std::nullopt;
    if (!s || s->size() != crypto_sign_BYTES) return Error{Code::invalid, "sig is not a signature"};
    link.sig = std::move(*s);
  }
  std::string text = canonical(patch);
  link.hash = hash_of("link:", text);
  if (link.sig.empty()) link.text = std::move(text);  // kept by the server as it came: dumped once
  return std::optional<ChainLink>{std::move(link)};
}

bool link_signed_by(const ChainLink& link, std::string_view public_key) {
  if (link.sig.size() != crypto_sign_BYTES || public_key.size() != crypto_sign_PUBLICKEYBYTES) return false;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(link.sig.data()),
                                     reinterpret_cast<const unsigned char*>(link.hash.data()), link.hash.size(),
                                     reinterpret_cast<const unsigned char*>(public_key.data())) == 0;
}

std::string seal_digest(std::string_view hashes) { return hash_of("seal:", hashes); }

std::optional<std::string> seal_links(const std::vector<std::string>& patches, const DeviceKey& key,
                                      const std::vector<std::string>& known) {
  std::string hashes;
  hashes.reserve(patches.size() * kChainHashBytes);
  for (size_t i = 0; i < patches.size(); ++i) {
    if (i < known.size() && !known[i].empty()) {
      hashes += known[i];
      continue;
    }
    auto j = parse_json(patches[i]);
    auto link = j ? read_link(*j) : Result<std::optional<ChainLink>>(j.error());
    if (link && *link) hashes += (*link)->hash;
  }
  if (hashes.empty()) return std::nullopt;
  return key.sign(seal_digest(hashes));
}

bool seal_signed_by(std::string_view hashes, std::string_view seal, std::string_view public_key) {
  if (seal.size() != crypto_sign_BYTES || public_key.size() != crypto_sign_PUBLICKEYBYTES) return false;
  std::string digest = seal_digest(hashes);
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(seal.data()),
                                     reinterpret_cast<const unsigned char*>(digest.data()), digest.size(),
                                     reinterpret_cast<const unsigned char*>(public_key.data())) == 0;
}

SignedLinks check_signatures(const Json::Array& patches, std::string key, unsigned threads, const std::string& seal,
                             bool decode) {
  SignedLinks out{std::move(key), std::vector<char>(patches.size(), 0), std::vector<ChainLink>(patches.size()), {}, {},
                  {}};
  if (decode) out.patches.resize(patches.size());
  std::vector<char> read(patches.size(), 0);
  auto check = [&](size_t from, size_t to) {
    try {
      for (size_t i = from; i < to; ++i) {
        if (decode) out.patches[i] = decode_patch(patches[i]);
        auto link = read_link(patches[i]);
        if (!link || !*link) continue;
        out.links[i] = std::move(**link);
        read[i] = 1;
        if (seal.empty()) out.ok[i] = link_signed_by(out.links[i], out.key);
      }
    } catch (...) {  // never across a thread: what is left unchecked the writer checks
    }
  };
  // A thread per 64 patches at most: fewer would cost more to start than they save.
  size_t parts = std::clamp<size_t>(patches.size() / 64, 1, std::max(1u, threads));
  std::vector<std::thread> helpers;
  size_t step = (patches.size() + parts - 1) / parts;
  for (size_t p = 1; p < parts; ++p)
    helpers.emplace_back(check, p * step, std::min(patches.size(), (p + 1) * step));
  check(0, std::min(patches.size(), step));
  for (auto& h : helpers) h.join();
  // A seal covers the push's links in order; a patch that is not one (the
  // writer refuses it) is not in it, as the device left it out.
  if (seal.empty()) return out;
  std::string hashes;
  hashes.reserve(patches.size() * kChainHashBytes);
  for (size_t i = 0; i < patches.size(); ++i)
    if (read[i]) hashes += out.links[i].hash;
  if (hashes.empty() || !seal_signed_by(hashes, seal, out.key)) return out;
  out.ok = std::move(read);
  out.seal = seal;
  out.hashes = std::move(hashes);
  return out;
}

namespace {
std::optional<std::string> b64_field(const Json& j, const char* key) {
  const Json* v = j.find(key);
  return v && v->is_string() ? from_base64(v->as_string()) : std::nullopt;
}

// A link signed on its own, or sealed with others: then its hash is one of
// the seal's, at a hash's boundary, and the seal verifies over them all.
bool signed_in_evidence(const Json& l, const ChainLink& link, const std::string& key) {
  const Json* seal = l.find("seal");
  if (!seal || !seal->is_object()) return link_signed_by(link, key);
  auto sig = b64_field(*seal, "sig");
  auto hashes = b64_field(*seal, "hashes");
  if (!sig || !hashes || hashes->size() % kChainHashBytes) return false;
  bool covered = false;
  for (size_t at = 0; at < hashes->size() && !covered; at += kChainHashBytes)
    covered = hashes->compare(at, kChainHashBytes, link.hash) == 0;
  return covered && seal_signed_by(*hashes, *sig, key);
}
}  // namespace

Status verify_evidence(const Json& evidence) {
  const Json* links = evidence.find("links");
  const Json* table = evidence.find("table");
  const Json* row = evidence.find("row");
  if (!links || !links->is_array() || !table || !table->is_string() || !row || !row->is_string())
    return Error{Code::invalid, "evidence names a table, a row and its links"};
  int i = 0;
  for (const Json& l : links->as_array()) {
    std::string where = "link " + std::to_string(++i) + ": ";
    const Json* text = l.find("patch");
    auto patch = text && text->is_string() ? parse_json(text->as_string()) : Result<Json>(Error{Code::invalid, ""});
    if (!patch || !patch->is_object()) return Error{Code::invalid, where + "the patch is not readable"};
    auto link = read_link(*patch);
    if (!link || !*link) return Error{Code::invalid, where + "the patch carries no chain link"};
    const Json* n = l.find("n");
    auto hash = b64_field(l, "hash");
    auto prev = b64_field(l, "prev");
    auto key = b64_field(l, "public_key");
    if (!n || !n->is_int() || n->as_int() != (*link)->n || !prev || *prev != (*link)->prev)
      return Error{Code::invalid, where + "its place in the chain is not the one the patch names"};
    if (!hash || *hash != (*link)->hash) return Error{Code::invalid, where + "the patch does not hash to the link"};
    if (!key || !signed_in_evidence(l, **link, *key)) return Error{Code::invalid, where + "the signature does not verify"};
    const Json* device = l.find("device");
    const Json* origin = patch->find("origin");
    if (!device || !origin || !(*device == *origin)) return Error{Code::invalid, where + "another device's patch"};
    const Json* pt = patch->find("table");
    const Json* pr = patch->find("row");
    if (!pt || !pr || !(*pt == *table) || !(*pr == *row)) return Error{Code::invalid, where + "a patch of another record"};
  }
  return {};
}

}  // namespace gw::sync
