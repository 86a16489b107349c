// What the server reads out of a request's body or query string before any
// work: each endpoint's one parser, so the handler and the fuzz targets
// (fuzz/) run the same code. Push and pull bodies are the sync layer's
// (sync/core/protocol.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "shared/error.hpp"
#include "shared/hlc.hpp"
#include "shared/kpi.hpp"

namespace gw::server {

// POST /v1/auth/login: {"username","password","device":{"id","public_key","name"}}.
struct LoginRequest {
  std::string username, password;
  std::string device_id, device_name;
  std::string public_key;  // the 32 raw bytes of the device's Ed25519 key
};
Result<LoginRequest> parse_login(std::string_view body);

// The value of `key` in "a=1&b=2" (not percent-decoded: no endpoint takes
// characters that need it); "" when absent.
std::string query_param(const std::string& query, const std::string& key);

// POST /v1/password: {"old","new"}; the new one at least 8 characters.
struct PasswordChange {
  std::string old_password, new_password;
};
Result<PasswordChange> parse_password_change(std::string_view body);

// GET /v1/sync/wait?since=<server_hlc>
Result<HlcTime> parse_wait_query(const std::string& query);

// GET /v1/reports/kpi?from=&to=&group=grid|worker|department (grids: all).
Result<KpiQuery> parse_kpi_query(const std::string& query);

// GET /v1/history and /v1/evidence: ?table=&row=
struct RecordQuery {
  std::string table, row;
};
Result<RecordQuery> parse_record_query(const std::string& query);

// GET /v1/audit?from=<Unix ms>&to=<Unix ms>
struct AuditPeriod {
  int64_t from = 0, to = 0;
};
Result<AuditPeriod> parse_audit_query(const std::string& query);

// /v1/blobs/<hash> and /v1/blobs/<hash>/status (issue 22): the photo's
// name, which must be a BLAKE2b-256 in lowercase hex (is_blob_hash).
struct BlobPath {
  std::string hash;
  bool status = false;  // .../status
};
// nullopt: not a blob path at all; an Error: one with a bad name.
std::optional<Result<BlobPath>> parse_blob_path(std::string_view path);

// PUT /v1/blobs/<hash>?offset=N: N decimal digits, from 0.
Result<int64_t> parse_blob_offset(const std::string& query);

}  // namespace gw::server
