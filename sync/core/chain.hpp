// Each device's patches form a hash chain (DESIGN §8): a pushed patch names
// its place in the device's chain (`n`, from 1) and the hash of the link
// before it (`prev`), and carries the device's Ed25519 signature of its own
// link hash (`sig`). The server checks each link on arrival, so a patch
// altered on the way, replayed into another place, or sent after a gap is
// refused, and it keeps the links: any record's history can be shown with
// proof of who recorded what, from which device.
//
// The hash covers the patch's JSON exactly as sent, less `sig`: Json keeps
// its keys in order and prints numbers the shortest way that reads back the
// same, so the device's text and the server's re-print agree byte for byte.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/error.hpp"
#include "shared/json.hpp"
#include "sync/core/device_key.hpp"
#include "sync/core/patch.hpp"

namespace gw::sync {

inline constexpr size_t kChainHashBytes = 32;

// The `prev` of a device's first patch: a hash of its id, so two devices'
// chains never share a link.
std::string chain_genesis(std::string_view device_id);

struct ChainLink {
  int64_t n = 0;
  std::string prev;  // raw hash bytes
  std::string sig;   // raw signature bytes; empty when the device has no key
  std::string hash;  // of the canonical text, with n and prev in it
  std::string text;  // the patch as sent, when that is the canonical text (no sig of its own); else empty
};

// The device's side: the next place in its chain.
struct ChainHead {
  int64_t n = 0;
  std::string hash;  // of link n; chain_genesis(device) before the first
};

// Stamps a patch (JSON text without chain fields) with the next link of
// `head`, signs it when a key is given, and advances `head`. Returns the
// patch's text as it is pushed. A device that seals its pushes (below)
// passes no key: one signature a batch, not one a link.
Result<std::string> chain_patch(std::string_view patch_json, ChainHead& head, const DeviceKey* key);

// A seal: the device's one signature over the hashes of a push's links, in
// the order sent (protocol 3). Verifying a signature costs ~50 µs (FACTS.md),
// as much as the rest of a patch's merge, so a batch of 200 links signed
// one by one cost the server 10 ms before its writer started; sealed, 50 µs.
// It is evidence as a link's own signature is: the server keeps the seal
// with the hashes it covers, and a link shows it was sealed by its device
// with nothing but those 32-byte hashes (no other record's content).
// `hashes`: the links' hashes, concatenated.
std::string seal_digest(std::string_view hashes);
// The seal of pushed patches (their texts as sent), over those that are
// chained links (another is refused by the server on its own); nullopt
// when none is. `known`: hashes the caller already has (chain_patch's), by
// index, empty where it has none; those texts are not read again.
std::optional<std::string> seal_links(const std::vector<std::string>& patches, const DeviceKey& key,
                                      const std::vector<std::string>& known = {});
bool seal_signed_by(std::string_view hashes, std::string_view seal, std::string_view public_key);

// The server's side: reads a pushed patch's link and recomputes its hash.
// A patch without `n` and `prev` is not chained (nullopt, not an error: the
// caller decides whether that is allowed).
Result<std::optional<ChainLink>> read_link(const Json& patch);

// Whether sig is the Ed25519 signature of hash by the 32-byte public key.
bool link_signed_by(const ChainLink& link, std::string_view public_key);

// The signatures of a push's links, checked before the push reaches the
// server's one writer: verifying is ~50 µs a patch (FACTS.md), most of
// what a push costs there, and needs nothing but the patch and the key, so
// the HTTP thread does it, with up to `threads` helpers for a big batch.
// ok[i]: patch i carries a link signed by `key` — its own `sig`, or the
// push's `seal` over every link — read into links[i] (its hash computed
// once, here); 0 says nothing (the writer reads and checks such a link
// itself, as it does without this). `hashes`: what a valid seal covers.
// With `decode`, the same threads also do the rest of the writer's pure
// work: patches[i] is patch i decoded (decode_patch); the writer takes it
// as it is. A sealed link's text (links[i].text) becomes its `_log` text.
struct SignedLinks {
  std::string key;
  std::vector<char> ok;
  std::vector<ChainLink> links;
  std::string seal, hashes;  // empty: no seal, or one that did not verify
  std::vector<std::optional<Result<Patch>>> patches;  // decoded, with `decode`
};
SignedLinks check_signatures(const Json::Array& patches, std::string key, unsigned threads,
                             const std::string& seal = {}, bool decode = false);

// Checks evidence (ServerEngine::evidence) with nothing but itself: each
// patch's hash recomputed from its text, its place and the hash before it
// as stated, its signature against the device key named, and that it wrote
// the record named. What a court or an auditor can run without the server.
Status verify_evidence(const Json& evidence);

}  // namespace gw::sync
