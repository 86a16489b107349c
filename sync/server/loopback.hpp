// A transport straight into a ServerEngine in the same process, with faults
// on demand: lost requests, lost answers, duplicated requests, stale answers
// and partitions. The simulation, the tests and the benchmarks use it.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "sync/server/server_engine.hpp"
#include "sync/core/transport.hpp"

namespace gw::sync {

struct Faults {
  double drop_request = 0;  // never reaches the server
  double drop_answer = 0;   // the server acts, the device hears nothing
  double duplicate = 0;     // the server gets the request twice
  double stale = 0;         // a pull answer is held back and delivered later
};

class LoopbackTransport : public Transport {
 public:
  LoopbackTransport(ServerEngine& server, Principal who, uint64_t seed = 1)
      : server_(server), who_(std::move(who)), rng_(seed ? seed : 1) {}

  Result<std::string> exchange(std::string_view path, const std::string& body) override;
  const Principal& principal() const { return who_; }

  Faults faults;
  bool offline = false;  // a partition: nothing gets through
  int64_t exchanges = 0;

 private:
  Result<std::string> call(std::string_view path, const std::string& body);
  double uniform();

  ServerEngine& server_;
  Principal who_;
  uint64_t rng_;
  std::deque<std::string> held_;  // pull answers delivered late
};

}  // namespace gw::sync
