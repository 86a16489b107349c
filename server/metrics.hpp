// Prometheus metrics (text format 0.0.4): request counts by endpoint and
// status, a latency histogram, and the sync figures an operator watches.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "sync/server/page_cache.hpp"

namespace gw::server {

class Metrics {
 public:
  void request(const std::string& endpoint, int status, double seconds);
  std::atomic<int64_t> patches_merged{0};
  std::atomic<int64_t> patches_refused{0};
  std::atomic<int64_t> conflicts{0};
  std::atomic<int64_t> waiters{0};
  std::atomic<int64_t> devices{0};
  std::atomic<int64_t> blob_bytes_received{0};  // photo bytes stored (issue 22)
  std::atomic<int64_t> blob_chunks_refused{0};  // photo chunks answered with an error: none kept
  const sync::PageCache* pages = nullptr;  // the readers' shared pages, when set

  std::string render() const;

 private:
  static constexpr std::array<double, 11> kBuckets = {0.001, 0.002, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,  0.5,   1.0,  2.5};
  struct Histogram {
    std::array<int64_t, kBuckets.size()> counts{};
    int64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex m_;
  std::map<std::pair<std::string, int>, int64_t> requests_;
  std::map<std::string, Histogram> latency_;
};

}  // namespace gw::server
