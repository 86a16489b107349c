// A TCP proxy on loopback between HTTP clients and the server that breaks
// the link the way a weak mobile network does: requests lost on the way,
// answers cut short, connections reset after the server already acted,
// and data held back. The faults fall at random per chunk (one read from a
// socket) from a seeded generator per connection, so a run can be repeated
// as far as thread scheduling allows. The tests and the soak use it; it
// must not depend on doctest.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace gw::test {

struct FaultPlan {
  uint64_t seed = 1;
  double drop = 0;        // per request chunk: the connection is closed before it reaches the server
  double delay = 0;       // per chunk, either way: held for up to delay_ms_max before it is forwarded
  int delay_ms_max = 200;
  double truncate = 0;    // per answer chunk: only a prefix is forwarded, then the connection closed
  double reset = 0;       // per chunk, either way: the client's connection reset (RST, SO_LINGER 0),
                          // after the request may already have reached the server
  // A link that dies partway through a long upload: a connection is closed
  // once this many bytes of requests went through it, the last request cut
  // mid-body (0: never). Small requests pass, a photo's chunk does not.
  int64_t cut_after_bytes = 0;
};

struct FaultCounts {
  int64_t connections = 0, chunks = 0, dropped = 0, delayed = 0, truncated = 0, reset = 0;
  int64_t refused = 0;  // connections the upstream did not take (server down): closed at once
  int64_t cut = 0;      // requests cut mid-body by cut_after_bytes
};

class FaultProxy {
 public:
  FaultProxy(int upstream_port, FaultPlan plan);  // listens on 127.0.0.1, a free port
  ~FaultProxy();                                  // stops and closes every connection, joins threads
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const;
  std::string url() const;                        // "http://127.0.0.1:PORT"
  void set_plan(const FaultPlan& plan);           // takes effect from the next chunk (e.g. faults off to heal)
  FaultCounts counts() const;
  int open_connections() const;                   // client connections being served now

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace gw::test
