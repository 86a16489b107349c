#include "sync/core/blob_batch.hpp"

#include <charconv>
#include <optional>
#include <set>

#include "shared/checks.hpp"
#include "shared/json.hpp"
#include "shared/tuning.hpp"

namespace gw::sync {

namespace {

constexpr std::string_view kMagic = "gridwork-blobs ";

// The text up to the next newline, consumed with it; nullopt when none.
std::optional<std::string_view> line(std::string_view& in) {
  auto nl = in.find('\n');
  if (nl == std::string_view::npos || nl > 100) return std::nullopt;
  auto out = in.substr(0, nl);
  in.remove_prefix(nl + 1);
  return out;
}

// Decimal digits as the encoder writes them (no sign, no leading zero): one
// body has one spelling.
bool to_int(std::string_view text, int64_t& out) {
  if (text.empty() || text.size() > 18 || (text.size() > 1 && text[0] == '0')) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0;
}

Error bad(const std::string& why) { return Error{Code::invalid, "photo batch: " + why}; }

}  // namespace

std::string encode_blob_batch(const std::vector<BlobPart>& parts) {
  size_t n = 32;
  for (const auto& p : parts) n += p.hash.size() + p.bytes.size() + 24;
  std::string out;
  out.reserve(n);
  out.append(kMagic).append(std::to_string(kBlobBatchVersion)).push_back('\n');
  for (const auto& p : parts) {
    out.append(p.hash).append(" ").append(std::to_string(p.bytes.size())).push_back('\n');
    out.append(p.bytes);
  }
  return out;
}

Result<std::vector<BlobPart>> decode_blob_batch(std::string_view body) {
  auto head = line(body);
  if (!head || head->substr(0, kMagic.size()) != kMagic) return bad("not a gridwork-blobs body");
  if (*head != std::string(kMagic) + std::to_string(kBlobBatchVersion))
    return bad("version " + std::string(head->substr(kMagic.size())) + ", this server reads version " +
               std::to_string(kBlobBatchVersion));
  std::vector<BlobPart> parts;
  std::set<std::string_view> named;
  int64_t total = 0;
  while (!body.empty()) {
    if (static_cast<int>(parts.size()) == tuning::kBlobBatchParts)
      return Error{Code::too_large, "photo batch: more than " + std::to_string(tuning::kBlobBatchParts) + " photos"};
    auto l = line(body);
    auto space = l ? l->find(' ') : std::string_view::npos;
    if (space == std::string_view::npos) return bad("part " + std::to_string(parts.size() + 1) + " has no header");
    std::string_view hash = l->substr(0, space);
    int64_t size = 0;
    if (!is_blob_hash(hash)) return bad("part " + std::to_string(parts.size() + 1) + " is not named by a BLAKE2b-256");
    if (!to_int(l->substr(space + 1), size)) return bad("part " + std::to_string(parts.size() + 1) + " has no size");
    total += size;
    if (total > tuning::kBlobChunkMaxBytes)
      return Error{Code::too_large, "photo batch: over " + std::to_string(tuning::kBlobChunkMaxBytes) + " bytes"};
    if (static_cast<int64_t>(body.size()) < size) return bad("the body ends inside part " + std::to_string(parts.size() + 1));
    if (!named.insert(hash).second) return bad("the photo " + std::string(hash) + " is sent twice");
    parts.push_back(BlobPart{std::string(hash), body.substr(0, static_cast<size_t>(size))});
    body.remove_prefix(static_cast<size_t>(size));
  }
  if (parts.empty()) return bad("no photos");
  return parts;
}

std::string encode_blob_answers(const std::vector<BlobPartAnswer>& answers) {
  std::string out = "{\"parts\":[";
  for (size_t i = 0; i < answers.size(); ++i) {
    const auto& a = answers[i];
    if (i) out += ',';
    out += "{\"hash\":";
    append_json_string(out, a.hash);
    if (a.code == Code::ok) {
      out += ",\"received\":" + std::to_string(a.received) + ",\"complete\":" + (a.complete ? "true" : "false");
    } else {
      out += ",\"error\":{\"code\":";
      append_json_string(out, code_name(a.code));
      out += ",\"message\":";
      append_json_string(out, a.message);
      out += '}';
    }
    out += '}';
  }
  return out + "]}";
}

Result<std::vector<BlobPartAnswer>> decode_blob_answers(std::string_view body, const std::vector<BlobPart>& sent) {
  auto j = parse_json(body);
  if (!j) return bad("answer: " + j.error().message);
  const Json* parts = j->find("parts");
  if (!parts || !parts->is_array() || parts->as_array().size() != sent.size())
    return bad("the answer does not name each photo sent");
  std::vector<BlobPartAnswer> out;
  for (size_t i = 0; i < sent.size(); ++i) {
    const Json& p = parts->as_array()[i];
    const Json* hash = p.find("hash");
    if (!hash || !hash->is_string() || hash->as_string() != sent[i].hash) return bad("the answer's photos are out of order");
    BlobPartAnswer a{sent[i].hash, 0, false, Code::ok, {}};
    if (const Json* e = p.find("error")) {
      const Json* code = e->find("code");
      const Json* message = e->find("message");
      a.code = code && code->is_string() ? code_from_name(code->as_string()) : Code::internal;
      if (a.code == Code::ok) a.code = Code::internal;
      a.message = message && message->is_string() ? message->as_string() : "refused";
    } else {
      const Json* received = p.find("received");
      const Json* complete = p.find("complete");
      if (!received || !received->is_int()) return bad("the answer has no `received` for " + sent[i].hash);
      a.received = received->as_int();
      a.complete = complete && complete->is_bool() && complete->as_bool();
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace gw::sync
