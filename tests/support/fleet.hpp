// A fleet of tablets for the reliability runs (the server crash test, the
// soak): devices on real SQLite files that sign in, write and sync over
// HTTP like the app; a ledger of every patch the server said it accepted;
// and the end checks — nothing acknowledged lost or applied twice, every
// device converged with the server column by column, every file intact.
// The server is another process (killed, restarted, behind a fault proxy),
// so nothing here assumes it is up.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "shared/db.hpp"
#include "shared/error.hpp"
#include "sync/device/sync_client.hpp"

namespace gw::test {

struct FleetOptions {
  std::string url;                 // the server, or a fault proxy in front of it
  std::string dir;                 // the devices' database files
  std::vector<std::string> users;  // one device each; a user named twice has two tablets
  int timeout_ms = 5'000;  // short: a request lost to a kill or a fault costs little
  int pool = 12;           // rows a device edits: few, so devices sharing a grid contend
};

// What every device heard from the server and wrote, for the end checks,
// and the timings of every exchange, for the soak's report. Thread-safe.
class Ledger {
 public:
  void written(const std::string& device, const std::string& patch_id);
  void accepted(const std::vector<std::string>& patch_ids);
  void touched(const std::string& table, const std::string& row);
  void exchange(double ms, Code code);
  // A local write the tablet's replica refused: the fleet only writes what
  // its users may, so each is a problem for the checks.
  void refused(std::string what);

  struct Totals {
    int64_t written = 0, acks = 0, exchanges = 0, failed = 0;
    std::map<std::string, int64_t> failures;  // by code name
  };
  Totals totals() const;
  // Exchange latencies in ms since the last call (the soak's windows).
  std::vector<double> take_latencies();

  std::set<std::string> acked() const;
  std::map<std::string, std::vector<std::string>> written_by_device() const;
  std::set<std::pair<std::string, std::string>> rows() const;
  std::vector<std::string> refusals() const;

 private:
  mutable std::mutex m_;
  std::map<std::string, std::vector<std::string>> written_;
  std::set<std::string> acked_;
  int64_t acks_ = 0;
  std::set<std::pair<std::string, std::string>> rows_;
  std::vector<double> latencies_;
  std::vector<std::string> refusals_;
  Totals totals_;
};

class FleetDevice;

class Fleet {
 public:
  explicit Fleet(FleetOptions o);
  ~Fleet();

  // Signs every device in and pulls its scope, retrying until the deadline
  // (the server may be down at any moment), `threads` tablets at a time.
  Status start(std::chrono::steady_clock::time_point deadline, int threads = 1);
  // One unit of a device's work: maybe a few edits or a new visit, then a
  // sync. What failed is in the ledger; the work stays in the outbox.
  void step(size_t device, std::mt19937_64& rng);
  // Every device syncs until its outbox is empty and a round brings
  // nothing new to anyone; false at the deadline.
  bool settle(std::chrono::steady_clock::time_point deadline);
  // Closes the devices' databases (the first call), then checks everything
  // against the server's database (the server stopped). Each problem is a
  // line; none: all is well. Can be called again, e.g. on a doctored copy.
  std::vector<std::string> check(Db& server);

  size_t size() const { return devices_.size(); }
  Ledger& ledger() { return ledger_; }

 private:
  Status start_one(FleetDevice& d, std::chrono::steady_clock::time_point deadline);
  void close_devices();

  FleetOptions o_;
  Ledger ledger_;
  std::vector<std::unique_ptr<FleetDevice>> devices_;
  std::vector<std::pair<std::string, std::string>> files_;  // device id, path: once closed
  std::vector<std::string> device_problems_;                 // found while closing
};

}  // namespace gw::test
