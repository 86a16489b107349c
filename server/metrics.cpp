#include "server/metrics.hpp"

#include <cstdio>

namespace gw::server {

void Metrics::request(const std::string& endpoint, int status, double seconds) {
  std::lock_guard lock(m_);
  ++requests_[{endpoint, status}];
  auto& h = latency_[endpoint];
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++h.counts[i];
  ++h.count;
  h.sum += seconds;
}

std::string Metrics::render() const {
  std::string out;
  char buf[256];
  std::lock_guard lock(m_);
  out += "# HELP gridwork_requests_total HTTP requests by endpoint and status.\n# TYPE gridwork_requests_total counter\n";
  for (const auto& [k, n] : requests_) {
    snprintf(buf, sizeof buf, "gridwork_requests_total{endpoint=\"%s\",status=\"%d\"} %lld\n", k.first.c_str(), k.second,
             static_cast<long long>(n));
    out += buf;
  }
  out += "# HELP gridwork_request_seconds Request latency.\n# TYPE gridwork_request_seconds histogram\n";
  for (const auto& [ep, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      snprintf(buf, sizeof buf, "gridwork_request_seconds_bucket{endpoint=\"%s\",le=\"%g\"} %lld\n", ep.c_str(),
               kBuckets[i], static_cast<long long>(h.counts[i]));
      out += buf;
    }
    snprintf(buf, sizeof buf,
             "gridwork_request_seconds_bucket{endpoint=\"%s\",le=\"+Inf\"} %lld\n"
             "gridwork_request_seconds_sum{endpoint=\"%s\"} %.6f\ngridwork_request_seconds_count{endpoint=\"%s\"} %lld\n",
             ep.c_str(), static_cast<long long>(h.count), ep.c_str(), h.sum, ep.c_str(), static_cast<long long>(h.count));
    out += buf;
  }
  auto gauge = [&](const char* name, const char* type, const char* help, int64_t v) {
    snprintf(buf, sizeof buf, "# HELP %s %s\n# TYPE %s %s\n%s %lld\n", name, help, name, type, name,
             static_cast<long long>(v));
    out += buf;
  };
  gauge("gridwork_patches_merged_total", "counter", "Patches accepted and merged.", patches_merged.load());
  gauge("gridwork_patches_refused_total", "counter", "Patches rejected or quarantined.", patches_refused.load());
  gauge("gridwork_conflicts_total", "counter", "Conflicts opened for review.", conflicts.load());
  gauge("gridwork_waiters", "gauge", "Devices long-polling for changes.", waiters.load());
  gauge("gridwork_devices", "gauge", "Devices registered.", devices.load());
  gauge("gridwork_blob_bytes_received_total", "counter", "Photo bytes received and stored.",
        blob_bytes_received.load());
  gauge("gridwork_blob_chunks_refused_total", "counter", "Photo chunks refused with an error (none kept).",
        blob_chunks_refused.load());
  if (pages) {
    gauge("gridwork_pull_pages_built_total", "counter", "Grid pull pages built and encoded.", pages->built());
    gauge("gridwork_pull_pages_shared_total", "counter", "Grid pull pages served as another reader's.",
          pages->shared());
    gauge("gridwork_pull_page_cache_bytes", "gauge", "Bytes of grid pull pages kept.",
          static_cast<int64_t>(pages->bytes()));
  }
  return out;
}

}  // namespace gw::server
