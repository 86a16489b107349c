// The query strings the server reads (server/request_parse.cpp): the
// long-poll's since, the KPI report's period and grouping, a record's history.
#include "fuzz/fuzz.hpp"
#include "server/request_parse.hpp"

using namespace gw;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string query(fuzz::text(data, size));
  (void)server::parse_wait_query(query);
  (void)server::parse_kpi_query(query);
  if (auto h = server::parse_record_query(query)) fuzz::require(!h->table.empty() && !h->row.empty(), "a record names both");
  if (auto a = server::parse_audit_query(query)) fuzz::require(a->from >= 0 && a->to >= 0, "audit times are not negative");
  return 0;
}
