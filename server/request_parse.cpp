#include "server/request_parse.hpp"

#include <sodium.h>

#include <cstdlib>
#include <optional>

#include "server/auth.hpp"
#include "shared/checks.hpp"
#include "shared/json.hpp"
#include "sync/core/patch.hpp"
#include "sync/server/server_engine.hpp"

namespace gw::server {

namespace {

const std::string* string_at(const Json& j, const char* key) {
  const Json* v = j.find(key);
  return v && v->is_string() ? &v->as_string() : nullptr;
}

}  // namespace

Result<PasswordChange> parse_password_change(std::string_view body) {
  auto j = parse_json(body);
  const auto* old_pw = j && j->is_object() ? string_at(*j, "old") : nullptr;
  const auto* new_pw = j && j->is_object() ? string_at(*j, "new") : nullptr;
  if (!old_pw || !new_pw) return Error{Code::invalid, "a password change needs old and new"};
  if (new_pw->size() < 8) return Error{Code::invalid, "the new password needs at least 8 characters"};
  return PasswordChange{*old_pw, *new_pw};
}

Result<LoginRequest> parse_login(std::string_view body) {
  auto j = parse_json(body);
  if (!j) return j.error();
  if (!j->is_object()) return Error{Code::invalid, "the body must be an object"};
  const auto* username = string_at(*j, "username");
  const auto* password = string_at(*j, "password");
  const Json* device = j->find("device");
  if (!username || !password || !device || !device->is_object())
    return Error{Code::invalid, "login needs username, password and device {id, public_key, name}"};
  const auto* device_id = string_at(*device, "id");
  const auto* key_b64 = string_at(*device, "public_key");
  const auto* name = string_at(*device, "name");
  if (!device_id || device_id->empty() || device_id->size() > sync::kMaxOriginBytes || *device_id == sync::kServerOrigin)
    return Error{Code::invalid, "device.id must be 1 to 64 bytes"};
  auto key = key_b64 ? unbase64(*key_b64) : std::nullopt;
  if (!key || key->size() != crypto_sign_PUBLICKEYBYTES)
    return Error{Code::invalid, "device.public_key must be base64 of a 32-byte Ed25519 key"};
  return LoginRequest{*username, *password, *device_id, name ? *name : std::string(), std::move(*key)};
}

std::string query_param(const std::string& query, const std::string& key) {
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    std::string part = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    if (part.rfind(key + "=", 0) == 0) return part.substr(key.size() + 1);
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return {};
}

Result<HlcTime> parse_wait_query(const std::string& query) {
  std::string since_text = query_param(query, "since");
  char* end = nullptr;
  long long since = std::strtoll(since_text.c_str(), &end, 10);
  if (since_text.empty() || !end || *end) return Error{Code::invalid, "wait needs ?since=<server_hlc>"};
  return static_cast<HlcTime>(since);
}

std::optional<Result<BlobPath>> parse_blob_path(std::string_view path) {
  constexpr std::string_view prefix = "/v1/blobs/", suffix = "/status";
  if (path.substr(0, prefix.size()) != prefix) return std::nullopt;
  BlobPath out;
  std::string_view rest = path.substr(prefix.size());
  if (rest.size() > suffix.size() && rest.substr(rest.size() - suffix.size()) == suffix) {
    out.status = true;
    rest.remove_suffix(suffix.size());
  }
  if (!is_blob_hash(rest))
    return Result<BlobPath>(Error{Code::invalid, "a photo is named by its BLAKE2b-256 in 64 lowercase hex digits"});
  out.hash = std::string(rest);
  return Result<BlobPath>(std::move(out));
}

Result<int64_t> parse_blob_offset(const std::string& query) {
  std::string text = query_param(query, "offset");
  bool digits = !text.empty() && text.size() <= 18 &&
                text.find_first_not_of("0123456789") == std::string::npos;
  if (!digits) return Error{Code::invalid, "a chunk needs ?offset=<the byte it starts at>"};
  return static_cast<int64_t>(std::stoll(text));
}

Result<KpiQuery> parse_kpi_query(const std::string& query) {
  std::string group_name = query_param(query, "group");
  auto group = kpi_group_from_name(group_name.empty() ? "grid" : group_name);
  if (!group) return Error{Code::invalid, "group must be grid, worker or department"};
  KpiQuery q{query_param(query, "from"), query_param(query, "to"), *group, {}};
  if (auto st = check_kpi_query(q); !st) return st.error();
  return q;
}

Result<RecordQuery> parse_record_query(const std::string& query) {
  RecordQuery q{query_param(query, "table"), query_param(query, "row")};
  if (q.table.empty() || q.row.empty()) return Error{Code::invalid, "a record is named by ?table=&row="};
  return q;
}

Result<AuditPeriod> parse_audit_query(const std::string& query) {
  auto ms = [&](const char* key) -> std::optional<int64_t> {
    std::string text = query_param(query, key);
    if (text.empty() || text.size() > 18) return std::nullopt;
    int64_t v = 0;
    for (char c : text) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    return v;
  };
  auto from = ms("from"), to = ms("to");
  if (!from || !to) return Error{Code::invalid, "audit needs ?from=<Unix ms>&to=<Unix ms>"};
  return AuditPeriod{*from, *to};
}

}  // namespace gw::server
