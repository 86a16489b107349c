#include "sync/demo_load.hpp"

#include <memory>

#include "shared/tuning.hpp"

namespace gw::sync {

namespace {
class ServerSink : public demo::RecordSink {
 public:
  explicit ServerSink(ServerEngine& s) : server_(s) {}
  void put(const TableSpec& t, const std::string& id, const Fields& fields) override {
    if (!txn_) txn_ = server_.begin_write();
    server_.write_as_server(t, id, fields);
    if (++rows_ % tuning::kBulkTxnRows == 0) finish();
  }
  void finish() {
    if (txn_) txn_->commit();
    txn_.reset();
  }

 private:
  ServerEngine& server_;
  std::unique_ptr<Txn> txn_;
  size_t rows_ = 0;
};
}  // namespace

demo::ParkCounts load_demo_park(ServerEngine& server, const demo::ParkOptions& options) {
  ServerSink sink(server);
  auto counts = demo::generate_park(options, sink);
  sink.finish();
  return counts;
}

}  // namespace gw::sync
